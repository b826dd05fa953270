"""The GPU pretraining recipe, ready for a lent GPU and tested at a tiny size; going on from a saved model."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from trainer.checkpoint import TrainState
from trainer.config import build_config
from trainer.loop import fit_schedule_to_budget, train
from trainer.throughput import flops_per_token, utilisation

pytestmark = pytest.mark.slow


def tiny(fixtures, tmp_path, recipe: str, **overrides):
    values = dict(
        corpus=[str(fixtures / "mini.jsonl")], general_corpus=str(fixtures / "general"), output=str(tmp_path / "out"),
        cache_dir=str(tmp_path / "cache"), vocab_size=300, hidden_size=32, num_layers=2, num_heads=2,
        intermediate_size=64, seq_len=64, batch_size=4, grad_accum=1, max_steps=3, eval_every=3, checkpoint_every=3,
        heldout_fraction=0.2, device="cpu", dtype="fp32", max_minutes=0, budget_minutes=0,
    )
    values.update(overrides)
    return build_config(recipe, values)


def test_the_gpu_recipe_asks_for_bf16_mixed_precision_compile_and_a_budget():
    config = build_config("base-gpu", {})
    assert (config.device, config.dtype, config.compile) == ("cuda", "bf16-mixed", True)
    assert 0 < config.budget_minutes < config.max_minutes
    assert config.seq_len >= 1024 and config.general_corpus.endswith("general")


def test_the_gpu_recipe_trains_at_a_tiny_size_on_the_cpu(fixtures, tmp_path):
    """Everything but torch.compile, which takes minutes to build CPU kernels (the CUDA test compiles)."""
    from transformers import AutoModelForCausalLM

    # the recipe's 100 warm-up steps would keep three steps at a near-zero rate; one step at 1e-2 shows learning
    result = train(tiny(fixtures, tmp_path, "base-gpu", compile=False, warmup_steps=1, lr=1e-2))
    assert result.steps == 3
    assert result.best_heldout_loss < math.log(300) - 0.3  # a fresh 300-token model starts at ln 300 = 5.70; 5.20 here
    assert result.model_flops_per_s > 0 and result.model_flops_utilisation is None  # no known peak on a CPU
    model = AutoModelForCausalLM.from_pretrained(tmp_path / "out", local_files_only=True)
    assert model.config.max_position_embeddings == 64


NO_CUDA = "needs a CUDA GPU (CI has none): bf16 + compile + fused AdamW"


@pytest.mark.skipif(not torch.cuda.is_available(), reason=NO_CUDA)
def test_the_gpu_recipe_trains_at_a_tiny_size_on_cuda(fixtures, tmp_path):
    result = train(tiny(fixtures, tmp_path, "base-gpu", device="cuda", dtype="bf16-mixed", compile=True))
    assert result.steps == 3 and result.tokens_per_s > 0


def test_a_budget_fixes_max_steps_where_the_time_runs_out():
    config = build_config("base-gpu", {"budget_minutes": 10.0, "max_steps": 6000})
    fit_schedule_to_budget(config, TrainState(step=20, elapsed_s=60.0), seconds_per_step=2.0)
    assert config.max_steps == 20 + (600 - 60) // 2
    capped = build_config("base-gpu", {"budget_minutes": 10.0, "max_steps": 100})
    fit_schedule_to_budget(capped, TrainState(step=20, elapsed_s=60.0), seconds_per_step=2.0)
    assert capped.max_steps == 100
    late = build_config("base-gpu", {"budget_minutes": 1.0})
    fit_schedule_to_budget(late, TrainState(step=20, elapsed_s=90.0), seconds_per_step=2.0)
    assert late.max_steps == 21


def test_model_flops_count_six_per_weight_plus_attention():
    from transformers import LlamaConfig, LlamaForCausalLM

    model = LlamaForCausalLM(LlamaConfig(vocab_size=100, hidden_size=16, intermediate_size=32, num_hidden_layers=2,
                                         num_attention_heads=2, num_key_value_heads=2, tie_word_embeddings=True))
    params = sum(p.numel() for p in model.parameters())
    assert flops_per_token(model, 8) == 6 * params + 12 * 2 * 16 * 8
    achieved, mfu = utilisation(model, 8, 1000.0, torch.device("cpu"))
    assert achieved == flops_per_token(model, 8) * 1000.0 and mfu is None


def test_init_from_goes_on_pretraining_a_saved_model_with_a_longer_context(fixtures, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    first = tiny(fixtures, tmp_path, "base", seq_len=64)
    train(first)
    before = AutoModelForCausalLM.from_pretrained(first.output, local_files_only=True)
    second = tiny(fixtures, tmp_path, "base", init_from=first.output, seq_len=128, output=str(tmp_path / "more"),
                  max_steps=2, eval_every=2, checkpoint_every=2, lr=1e-9, warmup_steps=1)
    result = train(second)
    after = AutoModelForCausalLM.from_pretrained(second.output, local_files_only=True)
    assert result.steps == 2 and after.config.max_position_embeddings == 128
    vocab = AutoTokenizer.from_pretrained(first.output).get_vocab()
    assert AutoTokenizer.from_pretrained(second.output).get_vocab() == vocab
    saved = json.loads((Path(second.output) / "tokenizer_config.json").read_text())
    assert "local_files_only" not in saved and "is_local" not in saved  # how it was loaded is not saved
    # a near-zero learning rate: the weights are the saved model's, not a fresh initialisation
    assert torch.allclose(before.model.embed_tokens.weight, after.model.embed_tokens.weight, atol=1e-5)
