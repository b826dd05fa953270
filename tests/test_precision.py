"""Training precision: the names a recipe may give, what 'auto' picks, and a bf16-mixed run that keeps fp32
weights while its forward pass runs in bf16."""

from __future__ import annotations

import pytest
import torch

from poetstudio.errors import UserError
from trainer import precision as precision_module
from trainer.precision import Precision, pick_precision

CPU, CUDA = torch.device("cpu"), torch.device("cuda")


def test_named_precisions_and_an_unknown_name_is_a_one_line_error():
    assert pick_precision("fp32", CPU, "scratch") == Precision(torch.float32)
    assert pick_precision("bf16", CPU, "scratch") == Precision(torch.bfloat16)
    assert pick_precision("bf16-mixed", CPU, "lora") == Precision(torch.float32, torch.bfloat16)
    with pytest.raises(UserError, match="unknown dtype 'bf32'; use one of auto, fp32, bf16, fp16, bf16-mixed"):
        pick_precision("bf32", CPU, "scratch")


@pytest.mark.parametrize(("native", "device", "mode", "expected"), [
    (True, CPU, "scratch", Precision(torch.float32, torch.bfloat16)),
    (True, CPU, "lora", Precision(torch.float32, torch.bfloat16)),
    (True, CUDA, "scratch", Precision(torch.float32, torch.bfloat16)),
    (True, CUDA, "lora", Precision(torch.bfloat16)),  # a frozen base needs no fp32 master copy
    (False, CPU, "scratch", Precision(torch.float32)),
])
def test_auto_mixes_in_bf16_only_where_bf16_is_native(monkeypatch, native, device, mode, expected):
    monkeypatch.setattr(precision_module, "native_bf16", lambda _device: native)
    assert pick_precision("auto", device, mode) == expected


@pytest.mark.parametrize(("capability", "native"), [((7, 5), False), ((8, 0), True), ((9, 0), True)])
def test_a_gpu_counts_as_bf16_native_from_ampere_not_where_it_only_emulates_it(monkeypatch, capability, native):
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda _device=None: capability)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)  # what emulating cards answer
    assert precision_module.native_bf16(CUDA) is native


def test_the_forward_pass_runs_in_the_compute_dtype_and_only_inside_autocast():
    layer = torch.nn.Linear(8, 8)
    mixed, full = Precision(torch.float32, torch.bfloat16), Precision(torch.float32)
    with mixed.autocast(CPU):
        assert layer(torch.ones(2, 8)).dtype == torch.bfloat16
    assert layer(torch.ones(2, 8)).dtype == torch.float32
    with full.autocast(CPU):
        assert layer(torch.ones(2, 8)).dtype == torch.float32
    assert (mixed.name, full.name, Precision(torch.bfloat16).name) == ("bf16-mixed", "fp32", "bf16")


def test_bf16_on_a_gpu_without_it_is_a_one_line_error(monkeypatch):
    monkeypatch.setattr(precision_module, "native_bf16", lambda _device: False)
    with pytest.raises(UserError, match="needs a GPU with bf16"):
        pick_precision("bf16-mixed", CUDA, "scratch")
    assert pick_precision("auto", CUDA, "scratch") == Precision(torch.float32)


def test_the_trainer_s_losses_are_computed_under_the_run_s_autocast():
    from transformers import LlamaConfig, LlamaForCausalLM

    from trainer.data import NO_POET, Rows
    from trainer.loop import contrast_loss, token_losses

    model = LlamaForCausalLM(LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                                         num_attention_heads=2, num_key_value_heads=2))
    seen: list[torch.dtype] = []
    model.lm_head.register_forward_hook(lambda _module, _inputs, output: seen.append(output.dtype))
    ids = torch.randint(0, 64, (2, 12), generator=torch.Generator().manual_seed(0))
    rows = Rows(ids, ids.clone(), torch.arange(12).expand(2, 12), torch.full_like(ids, NO_POET))
    mixed = Precision(torch.float32, torch.bfloat16)
    losses = token_losses(model, rows, CPU, mixed)[0]
    contrast_loss(model, ids, torch.ones_like(ids), ids.clone(), 2, CPU, mixed)
    token_losses(model, rows, CPU)
    assert seen == [torch.bfloat16, torch.bfloat16, torch.float32] and losses.dtype == torch.float32


@pytest.mark.slow
def test_a_bf16_mixed_scratch_run_learns_and_saves_fp32_weights(fixtures, tmp_path):
    from safetensors.torch import load_file

    from trainer.config import build_config
    from trainer.loop import train

    config = build_config("base", dict(
        corpus=[str(fixtures / "mini.jsonl")], general_corpus=str(fixtures / "general"),
        cache_dir=str(tmp_path / "cache"), output=str(tmp_path / "out"), vocab_size=300, hidden_size=32,
        num_layers=2, num_heads=2, intermediate_size=64, seq_len=64, batch_size=4, grad_accum=1, max_steps=3,
        eval_every=3, checkpoint_every=3, heldout_fraction=0.2, device="cpu", max_minutes=0, warmup_steps=1, lr=1e-2,
        dtype="bf16-mixed",
    ))
    result = train(config)
    assert result.best_heldout_loss < 5.70 - 0.3  # a fresh 300-token model starts at ln 300 = 5.70
    weights = load_file(tmp_path / "out" / "model.safetensors")
    assert {tensor.dtype for tensor in weights.values()} == {torch.float32}
