"""The free-verse line rule (poetstudio.forms.line_repeats): a word other than a function word at most
`word_repeats` times in a line, no word straight after itself, and the studio's settings that carry the limit."""

from __future__ import annotations

import re
from copy import deepcopy

import pytest

from poetstudio.engine.sampling_settings import Sampling, SamplingError
from tests.text_rules import allows_text, pushed


def follow(tokenizer, text: str, limit: int = 2):
    """A line rule that has followed `text` token by token."""
    from poetstudio.forms.line_repeats import LineRepeats
    from poetstudio.forms.tokens import token_facts

    rule = LineRepeats(token_facts(tokenizer), limit)
    return pushed(tokenizer, rule, text)


def test_a_word_used_up_in_its_line_is_ruled_out_and_others_are_not(shipped_tokenizer):
    rule = follow(shipped_tokenizer, "I see the sea and the sea")
    assert not allows_text(shipped_tokenizer, rule, " and the sea,")  # a third "sea" in the line
    assert allows_text(shipped_tokenizer, rule, " and the ships,")
    assert not allows_text(shipped_tokenizer, rule, ", the sea")  # "sea" as the word in progress: ruled out too
    assert allows_text(shipped_tokenizer, rule, ", the se")  # a word that may yet be another ("second")


def test_function_words_repeat_freely_and_a_new_line_starts_the_count_again(shipped_tokenizer):
    rule = follow(shipped_tokenizer, "I see the sea and the sea")
    assert allows_text(shipped_tokenizer, rule, " and the land and the shore and the west")
    assert allows_text(shipped_tokenizer, rule, "\nI see the sea, I see the ships")  # anaphora across lines
    assert rule._after("\nsea and", check=True) is not None  # one token across the break: the new line's count
    assert allows_text(shipped_tokenizer, follow(shipped_tokenizer, "'Tis sweet, 'tis sad,"), " 'tis true")


def test_a_line_may_not_end_as_a_copy_of_an_earlier_line(shipped_tokenizer):
    rule = follow(shipped_tokenizer, "It is the Isle of the Universe.\n\nThe sun is high,\n")
    assert not allows_text(shipped_tokenizer, rule, "It is the Isle of the Universe.\n")
    assert not allows_text(shipped_tokenizer, rule, "it is the isle of the universe\n")  # words, not marks
    assert not allows_text(shipped_tokenizer, rule, "It is the Isle of the Universe, and its sea.\n")
    assert allows_text(shipped_tokenizer, rule, "It is the Isle of the Universes.\n")
    assert allows_text(shipped_tokenizer, rule, "It is the Isle\n")  # a line's start is not a copy
    assert not allows_text(shipped_tokenizer, rule, "\n\nThe sun is high, and higher\n")  # nor grow out of it
    assert allows_text(shipped_tokenizer, rule, "\n\nThe sun is low\n")  # blank lines between are free
    assert allows_text(shipped_tokenizer, follow(shipped_tokenizer, "O sea!\n"), "O sea!\n")  # a short cry
    from poetstudio.engine.constraints import word_constraint

    opened = word_constraint(shipped_tokenizer, 40, real=False, word_repeats=2,
                             opening=shipped_tokenizer.encode("The tide is in the bay\n", add_special_tokens=False))
    assert not allows_text(shipped_tokenizer, opened.repeats, "The tide is in the bay\n")  # the opening counts
    copied = deepcopy(rule)
    copied.state = copied._after("The sun is high", check=False)
    assert not copied.allows(shipped_tokenizer.eos_token_id)  # nor may the poem end on the copy
    assert rule.allows(shipped_tokenizer.eos_token_id)


def test_the_limit_is_the_setting(shipped_tokenizer):
    once = follow(shipped_tokenizer, "the moon", limit=1)
    assert not allows_text(shipped_tokenizer, once, ", the moon,")
    thrice = follow(shipped_tokenizer, "the moon, the moon", limit=3)
    assert allows_text(shipped_tokenizer, thrice, ", the moon,") and not allows_text(
        shipped_tokenizer, follow(shipped_tokenizer, "the moon, the moon, the moon", limit=3), ", the moon,")


def test_a_word_may_not_follow_itself_with_only_spaces_between(shipped_tokenizer):
    rule = follow(shipped_tokenizer, "I hear the")
    assert not allows_text(shipped_tokenizer, rule, " the ship")  # "the the"
    assert not allows_text(shipped_tokenizer, follow(shipped_tokenizer, "you doe"), " doe")  # not even in progress
    assert allows_text(shipped_tokenizer, rule, " ship")
    assert allows_text(shipped_tokenizer, follow(shipped_tokenizer, "little,"), " little")  # a comma between
    assert allows_text(shipped_tokenizer, follow(shipped_tokenizer, "And that"), " that favour")  # "that that"
    assert allows_text(shipped_tokenizer, follow(shipped_tokenizer, "the\n"), "the sea")  # a line between


def test_the_constraint_combines_the_rules_asked_for(shipped_tokenizer):
    import torch

    from poetstudio.engine.constraints import word_constraint

    assert word_constraint(shipped_tokenizer, 40, real=False, word_repeats=0) is None
    both = word_constraint(shipped_tokenizer, 40, real=True, word_repeats=2)
    assert both.guard is not None and both.repeats is not None
    loops = word_constraint(shipped_tokenizer, 40, real=False, word_repeats=2)
    assert loops.guard is None
    for token in shipped_tokenizer.encode("the sea and the sea and the", add_special_tokens=False):
        loops.advance(token)
    sea = shipped_tokenizer.encode(" sea", add_special_tokens=False)
    assert len(sea) == 1  # one token in the shipped vocabulary, so the mask must rule it out
    scores = torch.linspace(0.0, -8.0, len(shipped_tokenizer))
    scores[sea[0]] = 5.0
    masked = loops.mask(scores)
    assert masked[sea[0]] == float("-inf") and int(torch.isfinite(masked).sum()) > 0


def looping_lines(text: str) -> list[str]:
    """Lines in which a word (but a function word) stands three times or more."""
    from collections import Counter

    from poetstudio.forms.line_repeats import FUNCTION_WORDS, bare

    def loops(line: str) -> bool:
        counts = Counter(bare(w) for w in re.findall(r"[A-Za-z'\u2019]+", line))
        return any(n >= 3 for w, n in counts.items() if w and w not in FUNCTION_WORDS)

    return [line for line in text.splitlines() if loops(line)]


def test_a_model_that_repeats_itself_loops_without_the_rule_and_not_with_it(engine, monkeypatch):
    """A model that loves what it wrote (VerseRunner) loops in some of six poems without the line rule and
    the echo penalty (both of which cut loops); with the rule, in none."""
    from poetstudio.engine.request import PoemRequest
    from tests.conftest import verse_runner

    poet = engine.known_poets()[0]
    monkeypatch.setattr(engine, "runner", verse_runner(engine, repeat_bonus=4.0))
    themes = ("the sea at night", "a garden in winter", "the city", "the river", "war", "morning")

    def poems(limit: int, echo: float) -> list[str]:
        return [engine.generate(PoemRequest(theme=theme, blend={poet: 1.0}, strength=2.0,
                                            sampling=Sampling(seed=1000 + i, max_new_tokens=120,
                                                              word_repeats=limit, echo_penalty=echo))).text
                for i, theme in enumerate(themes)]

    assert sum(bool(looping_lines(text)) for text in poems(0, 0.0)) >= 2
    for written in poems(2, 0.0):
        assert written.strip() and not looping_lines(written)
        assert not re.search(r"\b(\w+) \1\b", written.replace("that that", "").replace("had had", ""))


def test_the_limit_is_checked_everywhere_it_comes_in(tmp_path, capsys):
    from poetstudio.cli import main
    from poetstudio.config import load_config
    from poetstudio.errors import UserError

    assert Sampling().word_repeats == 2 and Sampling(word_repeats=0).word_repeats == 0
    for bad in (-1, 1.5, True):
        with pytest.raises(SamplingError, match="word_repeats must be a whole number, 0 \\(no limit\\) or more"):
            Sampling(word_repeats=bad)
    assert main(["generate", "x", "--blend", "dickinson=1", "--word-repeats", "-1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--word-repeats must be a whole number" in err[0]
    config = tmp_path / "config.toml"
    config.write_text("[sampling]\nword_repeats = 0\n")
    assert load_config(config).sampling.sampling().word_repeats == 0
    config.write_text("[sampling]\nword_repeats = -2\n")
    with pytest.raises(UserError, match=r"\[sampling\] word_repeats must be a whole number") as caught:
        load_config(config)
    assert "\n" not in str(caught.value)


async def test_the_prompt_pane_keeps_a_saved_poems_limit_and_reads_an_older_poem_as_without_one():
    from textual.app import App

    from poetstudio.ui.prompt_pane import PromptPane

    class Holder(App):
        def compose(self):
            yield PromptPane()

    async with Holder().run_test() as pilot:
        pane = pilot.app.query_one(PromptPane)
        assert pane.read_settings()[0].word_repeats == 2  # a new poem: the config's default
        pane.fill("rain", "", {"temperature": 0.8, "word_repeats": 3}, 1)
        assert pane.read_settings()[0].word_repeats == 3
        pane.fill("rain", "", {"temperature": 0.8}, 1)  # saved before the limit existed: written without one
        assert pane.read_settings()[0].word_repeats == 0
