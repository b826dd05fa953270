"""Blend maths on small tensors: weights, the product of experts, guidance, the penalty, temperature, top-k,
top-p and the draw, each as a function and as a step of the decode pipeline."""

from __future__ import annotations

import math

import pytest
import torch

from poetstudio.blend import parse_blend
from poetstudio.engine.request import PoemRequest
from poetstudio.engine.sampling import (
    blend_scores,
    candidates,
    guide,
    normalise_weights,
    penalise_repeats,
    sample_token,
)
from poetstudio.engine.sampling_settings import (
    FORM_VOICE_LIFT,
    MAX_STRENGTH,
    Sampling,
    guidance_strength,
    parse_strength,
)
from poetstudio.errors import UserError
from tests.reference_sampling import blend_logprobs, filter_top_k_top_p


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
    score_ids, score_probs = candidates(scores, settings)
    logprob_ids, logprob_probs = candidates(logprobs, settings)
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


def poet_and_plain_rows() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Three poets' logits, their weights, and an unconditioned row, random but fixed."""
    logits = torch.randn(4, 300, generator=torch.Generator().manual_seed(3)) * 3
    return logits[:3], normalise_weights([0.5, 0.3, 0.2]), logits[3]


def test_guidance_at_strength_one_is_exactly_the_blend():
    poets, weights, plain = poet_and_plain_rows()
    blended = blend_scores(poets, weights)
    assert guide(blended, plain, 1.0) is blended
    assert torch.equal(guide(blend_scores(poets, weights), plain, 1.0), blend_scores(poets, weights))
    assert guide(blended, None, 2.0) is blended


@pytest.mark.parametrize("strength", [0.0, 1.5, 2.0, 3.0])
def test_guidance_is_u_plus_s_times_b_minus_u(strength):
    poets, weights, plain = poet_and_plain_rows()
    blended = blend_scores(poets, weights)
    guided = guide(blended, plain, strength)
    assert torch.allclose(guided - plain, strength * (blended - plain), atol=1e-4)
    if strength == 0.0:
        assert torch.allclose(guided, plain)


def test_guidance_moves_away_from_the_unconditioned_row():
    plain = torch.log(torch.tensor([0.4, 0.4, 0.2]))
    blended = torch.log(torch.tensor([0.6, 0.3, 0.1]))
    probs = [torch.softmax(guide(blended, plain, s), -1) for s in (1.0, 2.0, 3.0)]
    assert probs[0][0] < probs[1][0] < probs[2][0]  # what the poets favour over generic verse grows
    assert probs[0][2] > probs[1][2] > probs[2][2]  # what they disfavour shrinks


def test_guidance_samples_the_same_on_raw_logits_as_on_logprobs():
    poets, weights, plain = poet_and_plain_rows()
    on_raw = guide(blend_scores(poets, weights), plain, 2.0)
    on_logprobs = guide(blend_logprobs(poets, weights), torch.log_softmax(plain, -1), 2.0)
    assert torch.allclose(torch.log_softmax(on_raw, -1), torch.log_softmax(on_logprobs, -1), atol=1e-4)
    settings = Sampling(temperature=0.8, top_k=40, top_p=0.85)
    (raw_ids, raw_probs), (lp_ids, lp_probs) = candidates(on_raw, settings), candidates(on_logprobs, settings)
    assert raw_ids.tolist() == lp_ids.tolist() and torch.allclose(raw_probs, lp_probs, atol=1e-5)


def test_strength_is_a_finite_number_from_zero_to_the_maximum():
    assert parse_strength("1.5") == 1.5 and parse_strength(0) == 0.0 and parse_strength(MAX_STRENGTH) == MAX_STRENGTH
    for bad in ("abc", "", "-1", "nan", "inf", MAX_STRENGTH + 1, None, True):
        with pytest.raises(UserError, match="strength must be a number from 0 to") as caught:
            parse_strength(bad)
        assert "\n" not in str(caught.value)


def test_a_form_lifts_guidance_past_the_plain_blend_but_never_strength_one_or_below():
    assert FORM_VOICE_LIFT > 1
    assert guidance_strength(2.0, in_form=False) == 2.0
    assert guidance_strength(2.0, in_form=True) == 1 + FORM_VOICE_LIFT
    assert guidance_strength(1.5, in_form=True) == 1 + 0.5 * FORM_VOICE_LIFT
    assert guidance_strength(1.0, in_form=True) == 1.0 and guidance_strength(0.5, in_form=True) == 0.5
    assert guidance_strength(MAX_STRENGTH - 0.5, in_form=True) == MAX_STRENGTH


def test_a_request_checks_its_strength_once_made():
    assert PoemRequest(theme="x", blend={"poe": 1.0}).strength == 1.0
    assert PoemRequest(theme="x", blend={"poe": 1.0}, strength="2").strength == 2.0
    with pytest.raises(UserError, match="strength"):
        PoemRequest(theme="x", blend={"poe": 1.0}, strength=-0.5)
