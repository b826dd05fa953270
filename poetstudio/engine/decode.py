"""The decode loop, top to bottom: prefill every poet's row once, then one token at a time for all rows.

Each row is the same poem conditioned on a different poet. At every step the rows' next-token
log-probabilities are blended by weight, one token is sampled from the blend, and that token is appended
to every row, so each row's KV cache keeps reading the shared poem under its own poet.

With a style strength other than 1 one more row joins the batch: the same poem with no poet named. Each
step then reads: blend -> guidance -> penalties -> temperature -> top-k/top-p -> draw (`guide` and the
rest in poetstudio.engine.sampling). At strength 1 that row is never built, so it costs nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from transformers import DynamicCache

from poetstudio.engine.detokenize import StreamDecoder
from poetstudio.engine.fast_llama import FastLlama, WeightFormat, fastest_batch_format, supports
from poetstudio.engine.graph_llama import GraphLlama, bucket
from poetstudio.engine.sampling import Sampling, blend_scores, guide, penalise_repeats, sample_token


@dataclass
class DecodeResult:
    """What one decode produced."""

    text: str
    token_ids: list[int]
    first_token_s: float
    total_s: float
    finished: bool
    cancelled: bool

    @property
    def tokens_per_s(self) -> float:
        """Generated tokens per second after the first token."""
        decode_time = self.total_s - self.first_token_s
        return (len(self.token_ids) - 1) / decode_time if len(self.token_ids) > 1 and decode_time > 0 else 0.0


def left_pad(prompts: list[list[int]], pad_id: int, device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Rows padded on the left to one length, with the attention mask and per-row positions."""
    width = max(len(p) for p in prompts)
    ids = torch.full((len(prompts), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(prompts), width), dtype=torch.long)
    for row, prompt in enumerate(prompts):
        ids[row, width - len(prompt):] = torch.tensor(prompt)
        mask[row, width - len(prompt):] = 1
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    return ids.to(device), mask.to(device), positions.to(device)


def right_pad(rows: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Rows padded on the right to one length, with the attention mask (for scoring whole sequences)."""
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for row, tokens in enumerate(rows):
        ids[row, : len(tokens)] = torch.tensor(tokens)
        mask[row, : len(tokens)] = 1
    return ids, mask


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
    """Llama models on the CPU through FastLlama's static cache, with less overhead per token."""

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
    graph (GraphLlama). Elsewhere (tests on the CPU) the same fixed-shape step runs eagerly."""

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


def make_runner(model, precision: str = "auto"):
    """The fastest runner for this model. On the CPU, 'auto' keeps weights in fp16 for one row (half the
    memory traffic, which is what bounds decoding there; activations stay fp32) and, for a blend of
    several rows, in whichever format this CPU multiplies several rows fastest (fastest_batch_format: bf16
    pre-packed for oneDNN on this project's machines). 'fp32' reproduces transformers' logits to 1e-5.
    On CUDA each token is one CUDA graph replay (GraphRunner), in the model's dtype (bf16)."""
    if not supports(model):
        return TransformersRunner(model)
    if next(model.parameters()).device.type == "cuda":
        return GraphRunner(model)
    if precision != "auto":
        return FastRunner(model)
    return FastRunner(model, WeightFormat(torch.float16), fastest_batch_format(model.lm_head.weight))


@torch.inference_mode()
def decode(
    model,
    tokenizer,
    prompts: list[list[int]],
    weights: torch.Tensor,
    sampling: Sampling,
    on_piece: Callable[[str], None] | None = None,
    cancel: threading.Event | None = None,
    ignore_eos: bool = False,
    runner=None,
    strength: float = 1.0,
    unconditioned: list[int] | None = None,
    constraint=None,
) -> DecodeResult:
    """Generate one poem from the weighted blend of the rows' distributions, streaming text pieces.

    `strength` other than 1 guides the blend away from `unconditioned` (the prompt with no poet named),
    decoded as one extra row after the poets' rows; at 1 no extra row is added and `unconditioned` is unused.
    `ignore_eos` keeps going past the end-of-text token (benchmarks use it to time a fixed length).
    `runner` (from make_runner) is reused across calls by the engine; one is made when not given.
    `constraint` (see `poetstudio.engine.constraints`) masks the blended scores before sampling, follows
    each token drawn, and ends the poem when it is `done`.
    """
    guided = strength != 1.0
    if guided and unconditioned is None:
        raise ValueError("a strength other than 1 needs the unconditioned prompt")
    poets = len(prompts)
    runner = runner or make_runner(model)
    device = next(model.parameters()).device
    generator = torch.Generator(device=device)  # sampling stays on the model's device: no copy of the logits
    weights = weights.to(device)
    generator.manual_seed(sampling.seed if sampling.seed is not None else torch.seed())
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    stop_ids = {tokenizer.eos_token_id} if tokenizer.eos_token_id is not None and not ignore_eos else set()
    stream = StreamDecoder(tokenizer)
    started = time.perf_counter()
    first_token_s = 0.0
    rows = [*prompts, unconditioned] if guided else prompts
    logits = runner.prefill(rows, pad_id, sampling.max_new_tokens)
    generated: list[int] = []
    finished = cancelled = False
    while len(generated) < sampling.max_new_tokens:
        if cancel is not None and cancel.is_set():
            cancelled = True
            break
        if constraint is not None and constraint.done:  # the opening lines may already fill the form
            finished = True
            break
        blended = blend_scores(logits[:poets], weights)
        scores = guide(blended, logits[poets] if guided else None, strength)
        scores = penalise_repeats(scores, generated, sampling.repetition_penalty)
        if constraint is not None:
            scores = constraint.mask(scores)
        token = sample_token(scores, sampling, generator)  # temperature, top-k/top-p, then the draw
        if not generated:
            first_token_s = time.perf_counter() - started
        if token in stop_ids:
            finished = True
            break
        generated.append(token)
        piece = stream.push(token)
        if piece and on_piece is not None:
            on_piece(piece)
        if constraint is not None:
            constraint.advance(token)
            if constraint.done:
                finished = True
                break
        if len(generated) < sampling.max_new_tokens:
            logits = runner.step(token)
    return DecodeResult(stream.text, generated, first_token_s, time.perf_counter() - started, finished, cancelled)
