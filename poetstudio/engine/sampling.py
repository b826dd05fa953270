"""Sampling maths on logits, one small function each: blending poets' next-token distributions, guidance,
the repetition penalty, temperature, top-k/top-p, and the draw. The decode loop applies them in that order,
as the named steps of poetstudio.engine.pipeline (the form constraint's mask sits between the penalty and
temperature)."""

from __future__ import annotations

import math

import torch

from poetstudio.engine.sampling_settings import Sampling


def weight_tensor(weights: list[float]) -> torch.Tensor:
    """Row weights already checked and normalised (`ModelCard.resolve`) as the tensor the blend step reads."""
    return torch.tensor(weights, dtype=torch.float32)


def normalise_weights(weights: list[float]) -> torch.Tensor:
    """Raw row weights (benches and tests pick their own) as a distribution; all-zero or negative weights
    are rejected. The engine's blends arrive normalised and take `weight_tensor`."""
    tensor = torch.tensor(weights, dtype=torch.float32)
    if (tensor < 0).any() or not torch.isfinite(tensor).all():
        raise ValueError("weights must be finite and not negative")
    total = tensor.sum()
    if total <= 0:
        raise ValueError("set at least one poet's weight")
    return tensor / total


def blend_scores(row_logits: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """The product of experts without normalising: the weighted sum of the rows' raw logits.

    The product of experts proper is log_softmax(sum_i w_i log_softmax(l_i)). Since
    sum_i w_i log_softmax(l_i) = sum_i w_i l_i - sum_i w_i logsumexp(l_i), and the weights sum to 1, this
    differs from it only by a constant, which penalties, temperature, top-k, top-p and the draw all ignore.
    It costs one (1 x rows) product instead of a softmax over every row.
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


def scale_temperature(scores: torch.Tensor, temperature: float) -> torch.Tensor:
    """Scores divided by the temperature: below 1 sharpens the distribution, above 1 flattens it. (The
    draw treats temperature 0 as greedy and never calls this.)"""
    return scores / temperature


def top_k_top_p(scores: torch.Tensor, top_k: int, top_p: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The tokens that may be drawn and their probabilities: the top_k highest scores (all when top_k is 0
    or the vocabulary's size), then the smallest prefix of them whose probability reaches top_p; tokens cut
    by top-p keep their place with probability 0.

    Works on the top_k tokens only (a partial sort), which is what makes sampling cheap per token; it keeps
    exactly the tokens that masking the whole vocabulary to -inf would keep (tests/reference_sampling.py).
    """
    if 0 < top_k < scores.shape[-1]:
        values, ids = torch.topk(scores, top_k)
    else:
        values, ids = torch.sort(scores, descending=True)
    probs = torch.softmax(values, dim=-1)
    if 0 < top_p < 1.0:
        keep = probs.cumsum(-1) - probs < top_p
        probs = probs * keep
    return ids, probs


def draw_token(ids: torch.Tensor, probs: torch.Tensor, generator: torch.Generator | None) -> int:
    """One token from `ids` with (unnormalised) probabilities `probs`, from `generator`'s stream."""
    return int(ids[torch.multinomial(probs, 1, generator=generator)])


def candidates(logprobs: torch.Tensor, sampling: Sampling) -> tuple[torch.Tensor, torch.Tensor]:
    """The tokens that may be drawn and their probabilities, after temperature, top-k and top-p."""
    return top_k_top_p(scale_temperature(logprobs, sampling.temperature), sampling.top_k, sampling.top_p)


def sample_token(logprobs: torch.Tensor, sampling: Sampling, generator: torch.Generator | None) -> int:
    """Temperature, top-k and top-p on a (blended) distribution, then one draw; temperature 0 is greedy."""
    if sampling.temperature <= 0:
        return int(torch.argmax(logprobs))
    return draw_token(*candidates(logprobs, sampling), generator)
