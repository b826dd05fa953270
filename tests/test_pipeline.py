"""The decode pipeline's steps, each on small tensors, and the list of them `decode` builds and runs."""

from __future__ import annotations

import math

import pytest
import torch

from poetstudio.engine.pipeline import (
    Blend,
    Draw,
    FormMask,
    Guidance,
    RepetitionPenalty,
    StepContext,
    Temperature,
    build_steps,
    run_steps,
)
from poetstudio.engine.sampling import (
    blend_scores,
    draw_token,
    guide,
    normalise_weights,
    penalise_repeats,
    sample_token,
    scale_temperature,
    top_k_top_p,
)
from poetstudio.engine.sampling_settings import Sampling

# two poets, then the plain row
ROWS = torch.tensor([[2.0, 0.0, -1.0, 0.5], [0.0, 1.0, 3.0, 0.5], [1.0, 1.0, 1.0, 1.0]])


def test_blend_step_mixes_only_the_poets_rows_by_weight():
    weights = torch.tensor([0.25, 0.75])
    blended = Blend(weights, poets=2)(ROWS, StepContext(rows=ROWS))
    assert torch.allclose(blended, 0.25 * ROWS[0] + 0.75 * ROWS[1])
    assert torch.equal(blended, blend_scores(ROWS[:2], weights))


def test_guidance_step_reads_the_unconditioned_row_from_the_context():
    blended = blend_scores(ROWS[:2], torch.tensor([0.5, 0.5]))
    guided = Guidance(row=2, strength=2.0)(blended, StepContext(rows=ROWS))
    assert torch.allclose(guided, ROWS[2] + 2.0 * (blended - ROWS[2]))
    assert torch.equal(guided, guide(blended, ROWS[2], 2.0))


def test_repetition_penalty_step_lowers_the_generated_tokens_by_log_penalty():
    scores = torch.tensor([1.0, 2.0, 3.0, 4.0])
    out = RepetitionPenalty(2.0)(scores, StepContext(generated=[3, 1, 3]))
    assert torch.allclose(out, scores - torch.tensor([0.0, math.log(2), 0.0, math.log(2)]))
    assert RepetitionPenalty(2.0)(scores, StepContext(generated=[])) is scores  # nothing generated: no copy


class KeepOnly:
    """A constraint that allows only `allowed` tokens."""

    done = False

    def __init__(self, allowed):
        self.allowed = allowed

    def mask(self, scores):
        """`scores` with every token but the allowed ones at -inf."""
        out = torch.full_like(scores, float("-inf"))
        out[self.allowed] = scores[self.allowed]
        return out


def test_form_mask_step_leaves_only_what_the_constraint_allows():
    scores = torch.tensor([1.0, 2.0, 3.0, 4.0])
    out = FormMask(KeepOnly([0, 2]))(scores, StepContext())
    assert torch.isfinite(out).tolist() == [True, False, True, False] and out[2] == 3.0


def test_temperature_step_divides_the_scores():
    scores = torch.tensor([1.0, -2.0, 0.5])
    assert torch.equal(Temperature(0.5)(scores, StepContext()), scores / 0.5)
    assert torch.equal(scale_temperature(scores, 2.0), torch.tensor([0.5, -1.0, 0.25]))


def test_top_k_keeps_the_k_highest_in_order():
    ids, probs = top_k_top_p(torch.tensor([1.0, 5.0, 3.0, 2.0]), top_k=2, top_p=1.0)
    assert ids.tolist() == [1, 2]
    assert torch.allclose(probs, torch.softmax(torch.tensor([5.0, 3.0]), -1))


def test_top_p_zeroes_everything_past_the_smallest_set_reaching_p():
    scores = torch.log(torch.tensor([0.5, 0.3, 0.15, 0.05]))
    ids, probs = top_k_top_p(scores, top_k=0, top_p=0.75)
    assert ids.tolist() == [0, 1, 2, 3] and (probs > 0).tolist() == [True, True, False, False]
    _, probs = top_k_top_p(scores, top_k=0, top_p=0.5)
    assert (probs > 0).tolist() == [True, False, False, False]


def test_draw_token_follows_the_probabilities_and_the_generator():
    ids = torch.tensor([7, 3, 9])
    assert {draw_token(ids, torch.tensor([0.0, 1.0, 0.0]), None) for _ in range(20)} == {3}
    probs = torch.tensor([0.2, 0.3, 0.5])
    first = [draw_token(ids, probs, torch.Generator().manual_seed(4)) for _ in range(5)]
    again = [draw_token(ids, probs, torch.Generator().manual_seed(4)) for _ in range(5)]
    assert first == again and set(first) <= {7, 3, 9}


def test_draw_is_greedy_at_temperature_zero_and_samples_the_candidates_otherwise():
    scores = torch.tensor([0.0, 3.0, 1.0, 2.5])
    assert Draw.for_sampling(Sampling(temperature=0), None)(scores) == 1
    assert Draw.for_sampling(Sampling(temperature=0, top_k=2), None).greedy
    generator = torch.Generator().manual_seed(0)
    draws = {Draw.for_sampling(Sampling(top_k=2, top_p=1.0), generator)(scores) for _ in range(60)}
    assert draws == {1, 3}


@pytest.mark.parametrize(
    ("strength", "sampling", "constraint", "kinds"),
    [
        (1.0, Sampling(temperature=1.0, repetition_penalty=1.0), None, [Blend]),
        (2.0, Sampling(temperature=0.8, repetition_penalty=1.2), KeepOnly([0]),
         [Blend, Guidance, RepetitionPenalty, FormMask, Temperature]),
        (1.0, Sampling(temperature=0, repetition_penalty=1.3), None, [Blend, RepetitionPenalty]),
    ],
)
def test_build_steps_makes_only_the_steps_that_change_something_in_order(strength, sampling, constraint, kinds):
    steps = build_steps(torch.tensor([0.5, 0.5]), 2, strength, sampling, constraint)
    assert [type(step) for step in steps] == kinds
    if strength != 1.0:
        assert steps[1].row == 2  # the unconditioned row follows the poets'


def test_the_pipeline_draws_what_the_functions_composed_by_hand_draw():
    """The steps in order, then the draw, against the sampling functions called one after another."""
    logits = torch.randn(3, 300, generator=torch.Generator().manual_seed(1)) * 3
    weights = normalise_weights([0.6, 0.4])
    sampling = Sampling(temperature=0.7, top_k=40, top_p=0.9, repetition_penalty=1.3, seed=5)
    constraint = KeepOnly(list(range(0, 300, 2)))
    steps = build_steps(weights, 2, 1.5, sampling, constraint)
    generated = [4, 10, 4]
    ours = Draw.for_sampling(sampling, torch.Generator().manual_seed(9))
    theirs = torch.Generator().manual_seed(9)
    for _ in range(10):
        scores = run_steps(steps, logits, StepContext(rows=logits, generated=generated))
        by_hand = constraint.mask(penalise_repeats(guide(blend_scores(logits[:2], weights), logits[2], 1.5),
                                                   generated, 1.3))
        assert torch.equal(scores, scale_temperature(by_hand, 0.7))
        assert ours(scores) == sample_token(by_hand, sampling, theirs)


def test_an_extra_step_plugs_into_decode():
    """An extension is one more step in the list: here one that bans a token the model would otherwise pick."""
    from transformers import LlamaConfig, LlamaForCausalLM

    from poetstudio.engine.decode import decode

    class TokenIdsOnly:
        pad_token_id = 0
        eos_token_id = None

        def decode(self, ids, skip_special_tokens=True) -> str:
            return ""

    class Ban:
        def __init__(self, token):
            self.token = token

        def __call__(self, scores, context):
            out = scores.clone()
            out[self.token] = float("-inf")
            return out

    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                                         num_attention_heads=2, num_key_value_heads=2)).eval()
    greedy = Sampling(temperature=0, max_new_tokens=8, seed=0)
    prompts, weights = [[5, 6, 7]], normalise_weights([1.0])
    plain = decode(model, TokenIdsOnly(), prompts, weights, greedy).token_ids
    steps = [*build_steps(weights, 1, 1.0, greedy), Ban(plain[0])]
    banned = decode(model, TokenIdsOnly(), prompts, weights, greedy, steps=steps).token_ids
    assert plain[0] not in banned and len(banned) == 8
