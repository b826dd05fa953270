"""Runners: what the decode loop calls to get logits, one interface over three ways of running a model.

Every runner is a `Runner`: `prefill` runs the rows' prompts and returns each row's next-token logits,
`step` feeds one token shared by every row and returns the next logits. `make_runner` picks the fastest
one a model supports: FastRunner (Llama on the CPU), GraphRunner (Llama on CUDA) or TransformersRunner
(anything else, through the model's own forward).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import torch
from transformers import DynamicCache

from poetstudio.engine.fast_llama import FastLlama, WeightFormat, supports
from poetstudio.engine.format_memory import remembered_batch_format
from poetstudio.engine.graph_llama import GraphLlama, bucket
from poetstudio.paths import weight_formats_path
from poetstudio.runtime.padding import left_pad


@runtime_checkable
class Runner(Protocol):
    """Runs a batch of rows that share every generated token: the decode loop's only view of a model."""

    def prefill(self, prompts: list[list[int]], pad_id: int, max_new_tokens: int) -> torch.Tensor:
        """Start afresh on `prompts` (left-padded with `pad_id`), with room for `max_new_tokens` more;
        return each row's next-token logits, (rows, vocab)."""
        ...

    def step(self, token: int) -> torch.Tensor:
        """Append `token` to every row; return each row's next-token logits, (rows, vocab)."""
        ...


class TransformersRunner:
    """Any causal LM through its own forward, with a DynamicCache and an attention mask for left padding."""

    def __init__(self, model):
        self.model = model
        self.device = next(model.parameters()).device

    def prefill(self, prompts: list[list[int]], pad_id: int, max_new_tokens: int) -> torch.Tensor:
        """Run the prompts; return each row's next-token logits."""
        ids, mask, positions = left_pad(prompts, pad_id, self.device)
        self.mask = None if bool(mask.all()) else mask  # no padding: the plain causal path is faster
        self.cache = DynamicCache()
        out = self.model(input_ids=ids, attention_mask=self.mask, position_ids=positions, cache=self.cache,
                         use_cache=True, logits_to_keep=1)
        self.positions = positions[:, -1:] + 1
        return out.logits[:, -1]

    def step(self, token: int) -> torch.Tensor:
        """Feed one shared token to every row; return the next logits."""
        rows = self.positions.shape[0]
        ids = torch.full((rows, 1), token, dtype=torch.long, device=self.device)
        if self.mask is not None:
            self.mask = torch.cat([self.mask, self.mask.new_ones((rows, 1))], dim=-1)
        out = self.model(input_ids=ids, attention_mask=self.mask, position_ids=self.positions, cache=self.cache,
                         use_cache=True)
        self.positions = self.positions + 1
        return out.logits[:, -1]


class FastRunner:
    """Llama models on the CPU through FastLlama (`fast`) and a fresh KVCache per prompt, with less
    overhead per token."""

    def __init__(self, model, single: WeightFormat | None = None, batch: WeightFormat | None = None):
        self.fast = FastLlama(model, single, batch)

    def prefill(self, prompts: list[list[int]], pad_id: int, max_new_tokens: int) -> torch.Tensor:
        """Run the prompts; return each row's next-token logits."""
        ids, mask, positions = left_pad(prompts, pad_id, "cpu")
        self.fast.reset(len(prompts), ids.shape[1] + max_new_tokens)
        self.positions = positions[:, -1:] + 1
        self.ones = torch.ones((len(prompts), 1), dtype=torch.bool)
        return self.fast.forward(ids, positions, mask.bool())

    def step(self, token: int) -> torch.Tensor:
        """Feed one shared token to every row; return the next logits."""
        ids = torch.full((self.positions.shape[0], 1), token, dtype=torch.long)
        logits = self.fast.forward(ids, self.positions, self.ones)
        self.positions = self.positions + 1
        return logits


class GraphRunner:
    """Llama models on CUDA: FastLlama's prompt pass, then every token as one replay of a captured CUDA
    graph (GraphLlama, `fast`, with one KVCache per bucket). Elsewhere (tests on the CPU) the same
    fixed-shape step runs eagerly."""

    def __init__(self, model, use_graphs: bool | None = None):
        self.fast = GraphLlama(model, use_graphs)

    def prefill(self, prompts: list[list[int]], pad_id: int, max_new_tokens: int) -> torch.Tensor:
        """Run the prompts; return each row's next-token logits."""
        ids, mask, positions = left_pad(prompts, pad_id, self.fast.embed.device)
        self.fast.reset(len(prompts), bucket(ids.shape[1] + max_new_tokens))
        logits = self.fast.forward(ids, positions, mask.bool())
        self.fast.begin_steps(positions[:, -1:] + 1)
        return logits

    def step(self, token: int) -> torch.Tensor:
        """Feed one shared token to every row; return the next logits."""
        return self.fast.step(token)


_BATCH_FORMATS: dict[tuple, WeightFormat] = {}


def batch_format(weight: torch.Tensor) -> WeightFormat:
    """The fastest format for several rows, as this machine timed it once and remembered it
    (poetstudio.engine.format_memory), and kept for the process: a model loaded again (the studio's reload,
    a second Engine, another process) keeps the format, and with it the rounding, so a seed writes the same
    poem."""
    key = (tuple(weight.shape), weight.dtype)
    if key not in _BATCH_FORMATS:
        _BATCH_FORMATS[key] = remembered_batch_format(weight, weight_formats_path())
    return _BATCH_FORMATS[key]


def make_runner(model, precision: str = "auto") -> Runner:
    """The fastest runner for this model. On the CPU, 'auto' keeps weights in fp16 for one row (half the
    memory traffic, which is what bounds decoding there; activations stay fp32) and, for a blend of
    several rows, in whichever format this CPU multiplies several rows fastest (`batch_format`: bf16
    pre-packed for oneDNN on this project's machines). 'fp32' reproduces transformers' logits to 1e-5.
    On CUDA each token is one CUDA graph replay (GraphRunner), in the model's dtype (bf16)."""
    if not supports(model):
        return TransformersRunner(model)
    if next(model.parameters()).device.type == "cuda":
        return GraphRunner(model)
    if precision != "auto":
        return FastRunner(model)
    return FastRunner(model, WeightFormat(torch.float16), batch_format(model.lm_head.weight))
