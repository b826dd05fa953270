"""The runners behind one protocol, and the KV cache object the fast ones write through."""

from __future__ import annotations

import pytest
import torch

from poetstudio.engine.graph_llama import KEPT_SHAPES, GraphLlama
from poetstudio.engine.kv_cache import KVCache
from poetstudio.engine.runners import FastRunner, GraphRunner, Runner, TransformersRunner, make_runner


def tiny_llama():
    """A 2-layer random Llama with grouped queries (4 query heads over 2 key heads)."""
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    return LlamaForCausalLM(LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                        num_attention_heads=4, num_key_value_heads=2)).eval()


def cache(rows=2, capacity=6, layers=1, kv_heads=1, head_dim=2) -> KVCache:
    """A small empty cache (its rotary tables unused here)."""
    rotary = (torch.zeros(capacity, head_dim), torch.zeros(capacity, head_dim))
    return KVCache(layers, rows, kv_heads, capacity, head_dim, torch.float32, "cpu", rotary)


@pytest.mark.parametrize("kind", ["fast", "graph", "transformers"])
def test_every_runner_is_a_runner(kind):
    model = tiny_llama()
    runner = {"fast": lambda: make_runner(model, "fp32"), "graph": lambda: GraphRunner(model, use_graphs=False),
              "transformers": lambda: TransformersRunner(model)}[kind]()
    assert isinstance(runner, Runner)
    logits = runner.prefill([[1, 2, 3], [4, 5]], 0, 4)
    assert logits.shape == (2, 64) and runner.step(7).shape == (2, 64)


def test_make_runner_picks_the_fast_forward_for_llama_on_the_cpu():
    assert isinstance(make_runner(tiny_llama(), "fp32"), FastRunner)


def test_a_slice_write_and_a_slot_write_store_the_same():
    by_slice, by_slot = cache(), cache()
    keys, values = torch.randn(2, 1, 1, 2), torch.randn(2, 1, 1, 2)
    by_slice.write(0, slice(3, 4), keys, values)
    by_slot.write(0, torch.tensor([3]), keys, values)
    assert torch.equal(by_slice.keys, by_slot.keys) and torch.equal(by_slice.values, by_slot.values)
    assert torch.equal(by_slice.keys[0, :, :, 3:4], keys) and by_slice.keys[0, :, :, :3].abs().sum() == 0


def test_claiming_slots_masks_padding_for_later_queries():
    kv = cache()
    assert kv.claim(torch.tensor([[False, True, True], [True, True, True]])) == (0, 3)
    assert kv.length == 3 and kv.padded
    assert kv.padding[0, 0, 0].tolist()[:3] == [float("-inf"), 0.0, 0.0] and kv.padding[1].sum() == 0
    assert kv.claim(torch.ones((2, 1), dtype=torch.bool)) == (3, 4)


def test_the_prompt_mask_is_causal_hides_padding_and_lets_each_token_see_itself():
    kv = cache()
    kv.claim(torch.tensor([[False, True, True], [True, True, True]]))
    mask = kv.prompt_mask(0, 3)
    assert mask.shape == (2, 1, 3, 3)
    assert mask[1, 0].tolist() == [[True, False, False], [True, True, False], [True, True, True]]
    assert mask[0, 0].tolist() == [[True, False, False], [False, True, False], [False, True, True]]


def test_clearing_keeps_the_tensors_and_forgets_the_contents():
    kv = cache()
    keys = kv.keys
    kv.claim(torch.tensor([[False, True], [True, True]]))
    kv.write(0, slice(0, 2), torch.ones(2, 1, 2, 2), torch.ones(2, 1, 2, 2))
    kv.clear()
    assert kv.keys is keys and kv.keys.abs().sum() == 0 and kv.padding.abs().sum() == 0
    assert kv.length == 0 and not kv.padded and not kv.valid.any()


def test_a_fixed_shape_step_sees_only_written_slots():
    kv = cache(rows=1)
    kv.claim(torch.ones((1, 2), dtype=torch.bool))
    kv.mask_unwritten()
    assert kv.padded and kv.padding[0, 0, 0].tolist() == [0.0, 0.0] + [float("-inf")] * 4
    kv.unmask(torch.tensor([2]))
    assert kv.padding[0, 0, 0].tolist()[:3] == [0.0, 0.0, 0.0]


def test_graph_llama_keeps_one_cache_per_shape_and_drops_the_oldest():
    fast = GraphLlama(tiny_llama(), use_graphs=False)
    fast.reset(2, 128)
    first = fast.cache
    fast.reset(1, 128)
    assert fast.cache is not first
    fast.reset(2, 128)
    assert fast.cache is first and fast.keys is first.keys
    for rows in range(3, 3 + KEPT_SHAPES):
        fast.reset(rows, 128)
    fast.reset(2, 128)
    assert fast.cache is not first  # pushed out by KEPT_SHAPES newer shapes, then made afresh
