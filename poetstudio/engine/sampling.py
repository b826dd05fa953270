"""Sampling maths on logits: blending poets' next-token distributions, guidance, penalties, temperature,
top-k, top-p. The decode loop applies them in that order."""

from __future__ import annotations

import math

import torch

from poetstudio.engine.sampling_settings import Sampling


def normalise_weights(weights: list[float]) -> torch.Tensor:
    """Weights as a distribution; all-zero or negative weights are rejected."""
    tensor = torch.tensor(weights, dtype=torch.float32)
    if (tensor < 0).any() or not torch.isfinite(tensor).all():
        raise ValueError("weights must be finite and not negative")
    total = tensor.sum()
    if total <= 0:
        raise ValueError("set at least one poet's weight")
    return tensor / total


def blend_logprobs(row_logits: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Product of experts: the weighted sum of each row's log-probabilities, renormalised to log-probabilities."""
    logprobs = torch.log_softmax(row_logits.float(), dim=-1)
    mixed = (weights.to(logprobs.device)[:, None] * logprobs).sum(0)
    return torch.log_softmax(mixed, dim=-1)


def blend_scores(row_logits: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """The same product of experts without normalising: the weighted sum of the rows' raw logits.

    Since sum_i w_i log_softmax(l_i) = sum_i w_i l_i - sum_i w_i logsumexp(l_i), and the weights sum to 1,
    this differs from `blend_logprobs` only by a constant, which penalties, temperature, top-k, top-p and
    the draw all ignore. It costs one (1 x rows) product instead of a softmax over every row.
    """
    return weights.to(row_logits.device, torch.float32) @ row_logits.float()


def guide(blended: torch.Tensor, unconditioned: torch.Tensor | None, strength: float) -> torch.Tensor:
    """Classifier-free guidance over the blend: `u + s * (b - u)`, with `b` the blend's scores, `u` the
    scores of the same poem with no poet named, and `s` the style strength.

    At s = 1 it returns `blended` itself (not u + (b - u), which rounding would change), so an unguided
    poem is bitwise today's blend; at s = 0 it is the unconditioned row; above 1 it moves every score away
    from `u` by s times the blend's difference from it, strengthening whatever the poets add to generic verse.

    Constants do not matter. `b` is the weighted sum of the rows' raw logits, which is the product of experts'
    log-probabilities plus a constant c_b (see `blend_scores`); `u` is its row's log-probabilities plus
    c_u = logsumexp(u). So u + s(b - u) is the guidance of the log-probabilities plus c_u + s(c_b - c_u),
    one number for every token of the step, which penalties, temperature, top-k, top-p and the draw ignore.
    """
    if strength == 1.0 or unconditioned is None:
        return blended
    unconditioned = unconditioned.float()
    return unconditioned + strength * (blended - unconditioned)


def penalise_repeats(logprobs: torch.Tensor, previous, penalty: float) -> torch.Tensor:
    """Lower tokens already generated (`previous`: token ids, a list or tensor) by log(penalty), CTRL-style,
    on log-probabilities or any scores that differ from them by a constant (so, unlike dividing logits, the
    sign never flips). With no penalty or no tokens yet it returns `logprobs` untouched, building nothing."""
    if penalty == 1.0 or len(previous) == 0:
        return logprobs
    out = logprobs.clone()
    out[torch.as_tensor(previous, dtype=torch.long, device=logprobs.device).unique()] -= math.log(penalty)
    return out


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


def candidates(logprobs: torch.Tensor, sampling: Sampling) -> tuple[torch.Tensor, torch.Tensor]:
    """The tokens that may be drawn and their probabilities, after temperature, top-k and top-p.

    Works on the top_k tokens only (a partial sort), which is what makes sampling cheap per token;
    it keeps exactly the tokens `filter_top_k_top_p` keeps.
    """
    scaled = logprobs / sampling.temperature
    if 0 < sampling.top_k < scaled.shape[-1]:
        values, ids = torch.topk(scaled, sampling.top_k)
    else:
        values, ids = torch.sort(scaled, descending=True)
    probs = torch.softmax(values, dim=-1)
    if 0 < sampling.top_p < 1.0:
        keep = probs.cumsum(-1) - probs < sampling.top_p
        probs = probs * keep
    return ids, probs


def sample_token(logprobs: torch.Tensor, sampling: Sampling, generator: torch.Generator | None) -> int:
    """Temperature, top-k and top-p on a (blended) distribution, then one draw; temperature 0 is greedy."""
    if sampling.temperature <= 0:
        return int(torch.argmax(logprobs))
    ids, probs = candidates(logprobs, sampling)
    return int(ids[torch.multinomial(probs, 1, generator=generator)])
