"""Attribution by the model itself (Engine.model_attribute; the studio's *reads like* is the judge, see
test_judge.py): the fitted blend on known mixtures, and its shares on the real shipped model. Whether the model
reads its own single-poet poems as their poet is a quality figure, measured by bench/blend_fidelity.py."""

from __future__ import annotations

import pytest
import torch

from poetstudio.engine.attribution import candidate_logprobs, fit_blend
from poetstudio.model_info import THIN_POEMS


def mixture_sample(weights, sharpness=1.25, positions=1500, vocab=40, seed=0):
    """Tokens drawn from softmax(sharpness * sum_i w_i log p_i) over random experts: a known blend."""
    generator = torch.Generator().manual_seed(seed)
    logprobs = torch.log_softmax(2.0 * torch.randn(len(weights), positions, vocab, generator=generator), -1)
    mixed = sharpness * torch.einsum("p,ptv->tv", torch.tensor(weights), logprobs)
    tokens = torch.multinomial(torch.softmax(mixed, -1), 1, generator=generator).squeeze(-1)
    return logprobs, tokens


@pytest.mark.parametrize("weights", [(0.7, 0.3), (0.25, 0.75), (0.5, 0.3, 0.2)])
def test_the_fit_recovers_the_blend_that_wrote_the_tokens(weights):
    logprobs, tokens = mixture_sample(weights)
    fitted = fit_blend(candidate_logprobs(logprobs, tokens, k=40))
    assert fitted.sum().item() == pytest.approx(1.0, abs=1e-5)
    assert fitted.tolist() == pytest.approx(list(weights), abs=0.06)


def test_candidates_put_the_true_token_first_without_duplicates():
    logprobs = torch.log_softmax(torch.randn(2, 5, 30), -1)
    targets = logprobs.mean(0).argmax(-1)  # the true token is also the top candidate
    candidates = candidate_logprobs(logprobs, targets, k=4)
    assert candidates.shape == (2, 5, 5)
    assert torch.equal(candidates[:, :, 0], logprobs.gather(-1, targets.expand(2, -1)[..., None]).squeeze(-1))
    assert torch.isinf(candidates).sum(-1).eq(1).all()  # the duplicate of the true token is masked out


@pytest.mark.slow
def test_shares_cover_every_poet_with_enough_poems_and_sum_to_one(shipped_engine):
    engine = shipped_engine
    poem = "The sea at night is dark and wide,\nAnd all the stars go down the tide.\n"
    attribution = engine.model_attribute(poem, "the sea")
    card = engine.card
    assert set(attribution.shares) == {p for p in engine.known_poets() if card.poet(p).poems >= THIN_POEMS}
    assert "Emily Dickinson" in attribution.shares and "Wallace Stevens" not in attribution.shares  # 3 poems
    assert sum(attribution.shares.values()) == pytest.approx(1.0, abs=1e-5)
    assert all(share >= 0 for share in attribution.shares.values())
    assert attribution.tokens > 10 and set(attribution.loglik) == set(attribution.shares)


@pytest.mark.slow
def test_empty_text_reads_like_nobody_in_particular(shipped_engine):
    shares = shipped_engine.model_attribute("  \n", "x").shares
    assert len(set(round(v, 9) for v in shares.values())) == 1
