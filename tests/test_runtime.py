"""What engine and trainer share (poetstudio.runtime), and that training no longer imports the engine."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from poetstudio.errors import UserError
from poetstudio.runtime.device import pick_device
from poetstudio.runtime.hub import nf4_available, set_pad_token
from poetstudio.runtime.padding import left_pad, right_pad


def test_right_pad_pads_after_the_tokens_with_a_mask():
    ids, mask = right_pad([[1, 2, 3], [4]], 0)
    assert ids.tolist() == [[1, 2, 3], [4, 0, 0]] and mask.tolist() == [[1, 1, 1], [1, 0, 0]]


def test_left_pad_pads_before_the_tokens_and_counts_positions_from_the_first_real_one():
    ids, mask, positions = left_pad([[1, 2, 3], [4]], 0, "cpu")
    assert ids.tolist() == [[1, 2, 3], [0, 0, 4]] and mask.tolist() == [[1, 1, 1], [0, 0, 1]]
    assert positions.tolist() == [[0, 1, 2], [0, 0, 0]]


def test_devices_by_name_and_cuda_without_a_gpu_is_a_one_line_error():
    assert pick_device("cpu") == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
    assert pick_device("auto").type == expected
    if not torch.cuda.is_available():
        with pytest.raises(UserError, match="no CUDA GPU"):
            pick_device("cuda")


def test_nf4_needs_cuda_and_a_missing_pad_token_becomes_end_of_text():
    assert not nf4_available(torch.device("cpu"))

    class Tokenizer:
        pad_token_id = None
        eos_token = "</s>"

        @property
        def pad_token(self):
            return self._pad

        @pad_token.setter
        def pad_token(self, value):
            self._pad = value

    assert set_pad_token(Tokenizer()).pad_token == "</s>"


def test_training_imports_nothing_from_the_engine():
    code = ("import sys, trainer.loop, trainer.modeling\n"
            "print(','.join(sorted(m for m in sys.modules if m.startswith('poetstudio.engine'))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
