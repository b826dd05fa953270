"""Worn words (poetstudio.forms.echoes): a content word's uses past ECHO_FREE_USES in a poem cost `echo_penalty` each,
charged once on the token that writes the word; and the `echo_penalty` setting everywhere it comes in."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from poetstudio.engine.sampling_settings import ECHO_FREE_USES, ECHO_PENALTY, Sampling, SamplingError
from tests.text_rules import pushed


def follow(tokenizer, text: str, weight: float = 1.0):
    """An echo rule that has followed `text` token by token."""
    from poetstudio.forms.echoes import PoemEchoes
    from poetstudio.forms.tokens import token_facts

    rule = PoemEchoes(token_facts(tokenizer), ECHO_FREE_USES, weight)
    return pushed(tokenizer, rule, text)


def one_token(tokenizer, text: str) -> int:
    """The single token that spells `text` in the shipped vocabulary."""
    ids = tokenizer.encode(text, add_special_tokens=False)
    assert len(ids) == 1, (text, ids)
    return ids[0]


def test_a_word_costs_nothing_until_worn_then_more_with_each_use(shipped_tokenizer):
    sea = one_token(shipped_tokenizer, " sea")
    assert follow(shipped_tokenizer, "the sea\n").cost(sea) == 0.0  # a second use: free
    assert follow(shipped_tokenizer, "the sea\nthe sea\n").cost(sea) == 1.0  # a third
    assert follow(shipped_tokenizer, "the sea, the sea\nthe sea\n").cost(sea) == 2.0  # a fourth, across lines too
    assert follow(shipped_tokenizer, "the sea\nthe sea\n", weight=0.5).cost(sea) == 0.5
    assert follow(shipped_tokenizer, "the sea\nthe sea\n").cost(one_token(shipped_tokenizer, " ship")) == 0.0


def test_a_word_is_charged_once_and_the_word_it_closes_counts_first(shipped_tokenizer):
    worn = follow(shipped_tokenizer, "the sea and the sea and the sea")  # a third "sea" in progress, paid for
    assert worn.cost(one_token(shipped_tokenizer, "'")) == 0.0  # "sea'" goes on with it: not charged again
    assert worn.cost(one_token(shipped_tokenizer, "s")) == 0.0  # "seas": another word, not worn
    assert worn.cost(one_token(shipped_tokenizer, " the")) == 0.0  # a function word
    assert worn.cost(one_token(shipped_tokenizer, " sea")) == 2.0  # the third, closed, then a fourth: "sea sea"
    assert follow(shipped_tokenizer, "thou and thou and thou").cost(one_token(shipped_tokenizer, " thou")) == 0.0


def test_the_opening_lines_count_as_said(shipped_tokenizer):
    from poetstudio.engine.constraints import word_constraint

    opening = shipped_tokenizer.encode("The sea, the sea!\n", add_special_tokens=False)
    rule = word_constraint(shipped_tokenizer, 40, real=False, echo_penalty=1.0, opening=opening)
    assert rule.echoes.cost(one_token(shipped_tokenizer, " sea")) == 1.0


def test_the_constraint_lowers_a_worn_word_and_leaves_the_rest_as_they_were(shipped_tokenizer):
    import torch

    from poetstudio.engine.constraints import word_constraint

    rule = word_constraint(shipped_tokenizer, 40, real=False, echo_penalty=1.5)
    assert rule is not None and rule.echoes is not None and rule.guard is None
    for token in shipped_tokenizer.encode("the sea\nthe sea\nthe", add_special_tokens=False):
        rule.advance(token)
    sea, ship = one_token(shipped_tokenizer, " sea"), one_token(shipped_tokenizer, " ship")
    scores = torch.linspace(0.0, -8.0, len(shipped_tokenizer))
    scores[sea], scores[ship] = 5.0, 4.0
    masked = rule.mask(scores)
    assert masked[sea] == pytest.approx(3.5) and masked[ship] == pytest.approx(4.0)
    assert bool(torch.isfinite(masked).all())  # the penalty alone rules nothing out
    assert word_constraint(shipped_tokenizer, 40, real=False, echo_penalty=0.0) is None


def worn_share(texts: list[str]) -> float:
    """Of the poems' content words, the share past their ECHO_FREE_USES-th use in their poem."""
    from poetstudio.forms.line_repeats import FUNCTION_WORDS
    from poetstudio.forms.word_guard import bare

    worn = total = 0
    for text in texts:
        seen = Counter()
        for word in (bare(w) for w in re.findall(r"[A-Za-z'\u2019]+", text)):
            if word and word not in FUNCTION_WORDS:
                seen[word] += 1
                worn += seen[word] > ECHO_FREE_USES
                total += 1
    return worn / max(total, 1)


def test_a_model_that_repeats_itself_wears_out_its_words_less_with_the_penalty(engine, monkeypatch):
    from poetstudio.engine.request import PoemRequest
    from tests.conftest import verse_runner

    poet = engine.known_poets()[0]
    monkeypatch.setattr(engine, "runner", verse_runner(engine, repeat_bonus=2.0))

    def poems(penalty: float) -> list[str]:
        return [engine.generate(PoemRequest(theme=theme, blend={poet: 1.0}, strength=2.0,
                                            sampling=Sampling(seed=700 + i, max_new_tokens=80, word_repeats=0,
                                                              echo_penalty=penalty))).text
                for i, theme in enumerate(["the sea at night", "a garden in winter", "the city", "war"])]

    without, with_penalty = worn_share(poems(0.0)), worn_share(poems(1.0))
    assert without > 0.05 and with_penalty < without / 2, (without, with_penalty)


def test_the_setting_is_checked_everywhere_it_comes_in(tmp_path, capsys):
    from types import SimpleNamespace

    from poetstudio.cli import main
    from poetstudio.config import load_config
    from poetstudio.errors import UserError
    from poetstudio.ui.poem_fields import check_fields

    assert Sampling().echo_penalty == ECHO_PENALTY == 3.0 and Sampling(echo_penalty=0).echo_penalty == 0.0
    for bad in (-0.5, "1", float("nan")):
        with pytest.raises(SamplingError, match=r"echo_penalty must be 0 \(off\) or more"):
            Sampling(echo_penalty=bad)
    assert main(["generate", "x", "--blend", "dickinson=1", "--echo-penalty", "-1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--echo-penalty must be 0 (off) or more" in err[0]
    config = tmp_path / "config.toml"
    config.write_text("[sampling]\necho_penalty = 0\n")
    assert load_config(config).sampling.sampling().echo_penalty == 0.0
    config.write_text("[sampling]\necho_penalty = -2\n")
    with pytest.raises(UserError, match=r"\[sampling\] echo_penalty must be 0 \(off\) or more"):
        load_config(config)
    saved = SimpleNamespace(blend={"Edgar Allan Poe": 1.0}, sampling={"echo_penalty": "much"}, seed=1, analysis={})
    assert check_fields(saved).damaged == ["sampling"]


async def test_the_prompt_pane_keeps_a_poems_penalty():
    from textual.app import App

    from poetstudio.ui.prompt_pane import PromptPane

    class Holder(App):
        def compose(self):
            yield PromptPane()

    async with Holder().run_test() as pilot:
        pane = pilot.app.query_one(PromptPane)
        assert pane.read_settings()[0].echo_penalty == ECHO_PENALTY  # a new poem: the config's default
        pane.fill("rain", "", {"temperature": 0.8, "echo_penalty": 0.5}, 1)
        assert pane.read_settings()[0].echo_penalty == 0.5
        pane.fill("rain", "", {"temperature": 0.8}, 1)  # written before the penalty existed: without it
        assert pane.read_settings()[0].echo_penalty == 0.0
