"""Blend maths on small tensors: weights, the product of experts, temperature, top-k and top-p."""

from __future__ import annotations

import math

import pytest
import torch

from poetstudio.blend import parse_blend
from poetstudio.engine.sampling import (
    blend_logprobs,
    blend_scores,
    candidates,
    filter_top_k_top_p,
    normalise_weights,
    penalise_repeats,
    sample_token,
)
from poetstudio.engine.sampling_settings import Sampling
from poetstudio.errors import UserError


def test_weights_are_normalised():
    assert normalise_weights([3, 1]).tolist() == [0.75, 0.25]


@pytest.mark.parametrize("weights", [[0, 0], [1, -1], [math.nan, 1]])
def test_bad_weights_are_rejected(weights):
    with pytest.raises(ValueError):
        normalise_weights(weights)


def test_blend_is_a_weighted_product_of_experts():
    logits = torch.tensor([[2.0, 0.0, -1.0], [0.0, 1.0, 3.0]])
    weights = torch.tensor([0.25, 0.75])
    expected = torch.log_softmax(0.25 * torch.log_softmax(logits[0], -1) + 0.75 * torch.log_softmax(logits[1], -1), -1)
    assert torch.allclose(blend_logprobs(logits, weights), expected)
    assert torch.isclose(blend_logprobs(logits, weights).exp().sum(), torch.tensor(1.0))


@pytest.mark.parametrize("weights", [[0.25, 0.75], [1.0, 0.0], [0.5, 0.5]])
def test_unnormalised_blend_samples_exactly_like_the_normalised_one(weights):
    logits = torch.randn(2, 500, generator=torch.Generator().manual_seed(0)) * 3
    weights = torch.tensor(weights)
    scores, logprobs = blend_scores(logits, weights), blend_logprobs(logits, weights)
    assert torch.allclose(torch.log_softmax(scores, -1), logprobs, atol=1e-5)
    settings = Sampling(temperature=0.8, top_k=40, top_p=0.85)
    (score_ids, score_probs), (logprob_ids, logprob_probs) = candidates(scores, settings), candidates(logprobs, settings)
    assert score_ids.tolist() == logprob_ids.tolist()
    assert torch.allclose(score_probs, logprob_probs, atol=1e-6)


def test_one_expert_at_weight_one_is_that_expert():
    logits = torch.tensor([[2.0, 0.0, -1.0], [0.0, 1.0, 3.0]])
    assert torch.allclose(blend_logprobs(logits, torch.tensor([1.0, 0.0])), torch.log_softmax(logits[0], -1))
    assert torch.equal(blend_scores(logits, torch.tensor([0.0, 1.0])), logits[1])


def test_blend_moves_towards_the_heavier_poet():
    logits = torch.tensor([[4.0, 0.0], [0.0, 4.0]])
    light = blend_logprobs(logits, torch.tensor([0.3, 0.7])).exp()
    heavy = blend_logprobs(logits, torch.tensor([0.7, 0.3])).exp()
    assert heavy[0] > 0.5 > light[0]


def test_top_k_keeps_k_tokens():
    kept = filter_top_k_top_p(torch.tensor([1.0, 5.0, 3.0, 2.0]), top_k=2, top_p=1.0)
    assert torch.isfinite(kept).tolist() == [False, True, True, False]


def test_top_p_keeps_the_smallest_set_reaching_p():
    logits = torch.log(torch.tensor([0.5, 0.3, 0.15, 0.05]))
    kept = filter_top_k_top_p(logits, top_k=0, top_p=0.75)
    assert torch.isfinite(kept).tolist() == [True, True, False, False]
    kept = filter_top_k_top_p(logits, top_k=0, top_p=0.5)
    assert torch.isfinite(kept).tolist() == [True, False, False, False]


def test_temperature_zero_is_greedy_and_sampling_respects_filters():
    logprobs = torch.log_softmax(torch.tensor([0.0, 3.0, 1.0]), -1)
    assert sample_token(logprobs, Sampling(temperature=0), None) == 1
    generator = torch.Generator().manual_seed(0)
    draws = {sample_token(logprobs, Sampling(top_k=1), generator) for _ in range(50)}
    assert draws == {1}


@pytest.mark.parametrize(("top_k", "top_p"), [(40, 0.85), (0, 0.9), (5, 1.0), (0, 1.0)])
def test_fast_candidates_match_the_reference_filter(top_k, top_p):
    from poetstudio.engine.sampling import candidates

    logits = torch.randn(500, generator=torch.Generator().manual_seed(top_k))
    ids, probs = candidates(logits, Sampling(temperature=0.7, top_k=top_k, top_p=top_p))
    reference = torch.softmax(filter_top_k_top_p(logits / 0.7, top_k, top_p), -1)
    kept = ids[probs > 0]
    assert set(kept.tolist()) == set(torch.nonzero(reference).flatten().tolist())
    assert torch.allclose(probs[probs > 0] / probs.sum(), reference[kept], atol=1e-6)


def test_repetition_penalty_lowers_used_tokens_only():
    logprobs = torch.log(torch.tensor([0.5, 0.5]))
    out = penalise_repeats(logprobs, torch.tensor([0, 0]), 2.0)
    assert out[0] == pytest.approx(float(logprobs[0]) - math.log(2)) and out[1] == logprobs[1]


def test_parse_blend():
    assert parse_blend("Emily Dickinson=0.7, poe=0.3") == {"Emily Dickinson": 0.7, "poe": 0.3}
    assert parse_blend("yeats") == {"yeats": 1.0}
    for bad, message in [("poe=abc", "not a number"), ("poe=-1", "0 or more"), ("=1", "no poet"), (" , ", "empty")]:
        with pytest.raises(UserError, match=message):
            parse_blend(bad)
