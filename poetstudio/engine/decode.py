"""The decode loop, top to bottom: prefill every poet's row once, then one token at a time for all rows.

Each row is the same poem conditioned on a different poet. At every step the rows' next-token
log-probabilities are blended by weight, one token is sampled from the blend, and that token is appended
to every row, so each row's KV cache keeps reading the shared poem under its own poet.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from transformers import DynamicCache

from poetstudio.engine.detokenize import StreamDecoder
from poetstudio.engine.sampling import Sampling, blend_logprobs, penalise_repeats, sample_token


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


def prefill(model, prompts: list[list[int]], pad_id: int, device):
    """Run all prompts through the model once; returns (last logits per row, cache, mask, next positions)."""
    ids, mask, positions = left_pad(prompts, pad_id, device)
    cache = DynamicCache()
    out = model(input_ids=ids, attention_mask=mask, position_ids=positions, cache=cache, use_cache=True,
                logits_to_keep=1)
    return out.logits[:, -1], cache, mask, positions[:, -1:] + 1


def step(model, token: int, cache, mask: torch.Tensor, positions: torch.Tensor):
    """Feed one shared token to every row; returns (logits per row, cache, mask, next positions)."""
    rows = mask.shape[0]
    ids = torch.full((rows, 1), token, dtype=torch.long, device=mask.device)
    mask = torch.cat([mask, mask.new_ones((rows, 1))], dim=-1)
    out = model(input_ids=ids, attention_mask=mask, position_ids=positions, cache=cache, use_cache=True)
    return out.logits[:, -1], cache, mask, positions + 1


@torch.inference_mode()
def decode(
    model,
    tokenizer,
    prompts: list[list[int]],
    weights: torch.Tensor,
    sampling: Sampling,
    on_piece: Callable[[str], None] | None = None,
    cancel: threading.Event | None = None,
) -> DecodeResult:
    """Generate one poem from the weighted blend of the rows' distributions, streaming text pieces."""
    device = next(model.parameters()).device
    generator = torch.Generator(device="cpu")
    generator.manual_seed(sampling.seed if sampling.seed is not None else torch.seed())
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    stop_ids = {tokenizer.eos_token_id} if tokenizer.eos_token_id is not None else set()
    stream = StreamDecoder(tokenizer)
    started = time.perf_counter()
    first_token_s = 0.0
    logits, cache, mask, positions = prefill(model, prompts, pad_id, device)
    generated: list[int] = []
    finished = cancelled = False
    while len(generated) < sampling.max_new_tokens:
        if cancel is not None and cancel.is_set():
            cancelled = True
            break
        logprobs = blend_logprobs(logits.cpu(), weights)
        logprobs = penalise_repeats(logprobs, torch.tensor(generated, dtype=torch.long), sampling.repetition_penalty)
        token = sample_token(logprobs, sampling, generator)
        if not generated:
            first_token_s = time.perf_counter() - started
        if token in stop_ids:
            finished = True
            break
        generated.append(token)
        piece = stream.push(token)
        if piece and on_piece is not None:
            on_piece(piece)
        if len(generated) < sampling.max_new_tokens:
            logits, cache, mask, positions = step(model, token, cache, mask, positions)
    return DecodeResult(stream.text, generated, first_token_s, time.perf_counter() - started, finished, cancelled)
