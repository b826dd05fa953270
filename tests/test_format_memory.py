"""The weight format a blend decodes in is timed once on a machine and remembered (poetstudio.engine.format_memory),
so a seed writes the same poem in every process."""

from __future__ import annotations

import json

import pytest
import torch

from poetstudio.engine import format_memory
from poetstudio.engine.fast_llama import BATCH_FORMATS


def test_a_format_is_timed_once_then_read_back_and_other_keys_are_kept(tmp_path, monkeypatch):
    path = tmp_path / "cache" / "weight_formats.json"
    weight = torch.randn(256, 64)
    first = format_memory.remembered_batch_format(weight, path)
    saved = json.loads(path.read_text())
    assert saved == {format_memory.format_key(weight): str(first)}

    def no_timing(weight):
        raise AssertionError("timed again although remembered")

    monkeypatch.setattr(format_memory, "fastest_batch_format", no_timing)
    assert format_memory.remembered_batch_format(weight, path) == first
    other = next(form for form in BATCH_FORMATS if form != first and form.available())
    path.write_text(json.dumps({**saved, format_memory.format_key(weight): str(other), "elsewhere": "float16"}))
    assert format_memory.remembered_batch_format(weight, path) == other  # the file decides, not a new timing


@pytest.mark.parametrize("damage", ["{not json", "[1, 2]", '{"KEY": "no such format"}', '{"KEY": 3}'])
def test_a_damaged_or_stale_file_is_timed_again_and_mended(tmp_path, damage):
    path = tmp_path / "weight_formats.json"
    weight = torch.randn(128, 32)
    path.write_text(damage.replace("KEY", format_memory.format_key(weight)))
    chosen = format_memory.remembered_batch_format(weight, path)
    assert chosen in BATCH_FORMATS
    assert json.loads(path.read_text())[format_memory.format_key(weight)] == str(chosen)


def test_a_cache_that_cannot_be_written_costs_only_the_timing(tmp_path):
    blocker = tmp_path / "a file, not a folder"
    blocker.write_text("")
    assert format_memory.remembered_batch_format(torch.randn(64, 16), blocker / "weight_formats.json") in BATCH_FORMATS


def test_the_engine_remembers_its_format_in_the_user_cache(user_dirs):
    from poetstudio.engine.runners import _BATCH_FORMATS, batch_format

    weight = torch.randn(96, 48)
    _BATCH_FORMATS.pop((tuple(weight.shape), weight.dtype), None)
    chosen = batch_format(weight)
    saved = json.loads((user_dirs / "cache" / "weight_formats.json").read_text())
    assert saved[format_memory.format_key(weight)] == str(chosen)
