"""Slow, obviously correct versions of the sampling maths, which the engine's fast ones are tested against."""

from __future__ import annotations

import torch


def blend_logprobs(row_logits: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Product of experts: the weighted sum of each row's log-probabilities, renormalised to log-probabilities."""
    logprobs = torch.log_softmax(row_logits.float(), dim=-1)
    mixed = (weights.to(logprobs.device)[:, None] * logprobs).sum(0)
    return torch.log_softmax(mixed, dim=-1)


def filter_top_k_top_p(logits: torch.Tensor, top_k: int, top_p: float) -> torch.Tensor:
    """Keep the top_k most likely tokens, then the smallest set whose probability reaches top_p; others -inf."""
    out = logits.clone()
    if 0 < top_k < out.shape[-1]:
        kth = torch.topk(out, top_k).values[-1]
        out[out < kth] = float("-inf")
    if 0 < top_p < 1.0:
        sorted_logits, order = torch.sort(out, descending=True)
        cumulative = torch.softmax(sorted_logits, dim=-1).cumsum(-1)
        drop = cumulative - torch.softmax(sorted_logits, dim=-1) >= top_p
        out[order[drop]] = float("-inf")
    return out
