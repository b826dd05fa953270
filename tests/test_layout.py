"""The free-verse layout rule (poetstudio.forms.layout): no headings, no runs of blank lines, an end at a
line's end; and the `tidy_lines` setting that carries it through the CLI, the config, the library and the studio."""

from __future__ import annotations

import pytest

from poetstudio.engine.sampling_settings import Sampling, SamplingError
from tests.text_rules import allows_text, pushed


def follow(tokenizer, text: str, budget: int = 0, opening: str = ""):
    """A layout rule that has read `opening` (the person's lines) and followed `text` token by token."""
    from poetstudio.forms.layout import Layout
    from poetstudio.forms.tokens import token_facts

    rule = Layout(token_facts(tokenizer), budget)
    rule.read(tokenizer.encode(opening, add_special_tokens=False))
    return pushed(tokenizer, rule, text)


@pytest.mark.parametrize(("line", "ended", "expected"), [
    ("XIV.", True, True), ("  3", False, True), ('"XII.', True, True), ("II", False, True), ("LIII", True, True),
    ("I.", False, True), ("V", True, True), ("X", False, True), ("Vain", False, False), ("I see", True, False),
    ("I", True, True), ("I'll go", True, False), ("Ivory", True, False), ("MID", True, True),
    ("the 3 kings", True, False), ("AHERNE.", True, True), ("PART", False, True), ("A rose", True, False),
    ("O sea", True, False), ("Tho' the", True, False), ("X:", False, True), ("V--", False, True),
    ("Xena, the", True, True), ("I--I cannot", True, False), ("D'ye hear", True, False), ("V", False, False),
    ("C\u00e6sar's doing", True, False), ("V\u00e9nus", True, False), ("C\ufffd", False, False),
])
def test_a_heading_is_told_from_a_line_of_verse(line, ended, expected):
    from poetstudio.forms.layout import heading

    assert heading(line, ended) is expected


def test_headings_are_ruled_out_and_ordinary_lines_are_not(shipped_tokenizer):
    rule = follow(shipped_tokenizer, "The sea is calm to-night.\n")
    for heading in ("XIV.\n", "3\n", "II. The", "  IX\n", "XENE.\n", "AHERNE. The", "PART"):
        assert not allows_text(shipped_tokenizer, rule, heading), heading
    for line in ("I see the ships,\n", "Vain the river\n", "Victory, and the dead\n", "  'Tis night\n", "I--I go\n"):
        assert allows_text(shipped_tokenizer, rule, line), line


def test_one_blank_line_between_stanzas_but_never_two_and_none_to_open_the_poem(shipped_tokenizer):
    rule = follow(shipped_tokenizer, "The sea is calm to-night.\n")
    assert allows_text(shipped_tokenizer, rule, "\nThe tide is full,\n")
    assert not allows_text(shipped_tokenizer, rule, "\n\n")
    assert not allows_text(shipped_tokenizer, follow(shipped_tokenizer, "the sea\n  \n"), "\n")  # spaces are blank
    assert not allows_text(shipped_tokenizer, follow(shipped_tokenizer, ""), "\nThe sea")  # the prompt's blank line
    assert allows_text(shipped_tokenizer, follow(shipped_tokenizer, "", opening="The tide is full.\n"), "\nThe sea")


def test_the_model_may_end_the_poem_only_once_it_has_four_lines_the_opening_s_among_them(shipped_tokenizer):
    from poetstudio.forms.layout import MIN_LINES

    end = shipped_tokenizer.eos_token_id
    title = follow(shipped_tokenizer, "The Sea at Night\n")
    assert MIN_LINES == 4 and not title.allows(end)  # the title alone is not a poem
    assert not follow(shipped_tokenizer, "One line,\n\ntwo lines,\nthree").allows(end)  # blank lines do not count
    assert follow(shipped_tokenizer, "One line,\ntwo lines,\nthree lines,\nand four").allows(end)
    assert follow(shipped_tokenizer, "and four\n", opening="One,\ntwo,\nthree,\n").allows(end)
    assert not follow(shipped_tokenizer, "and four\n", opening="One,\n\n").allows(end)


def test_the_poem_ends_at_a_line_end_when_another_line_would_not_fit(shipped_tokenizer):
    from poetstudio.forms.layout import Layout
    from poetstudio.forms.tokens import token_facts

    facts = token_facts(shipped_tokenizer)
    words = shipped_tokenizer.encode(" sea", add_special_tokens=False) * 5  # a line of five tokens, then its newline
    newline = facts.newline_id
    rule = Layout(facts, budget=16)
    for token in words + [newline]:  # 6 tokens written, 10 left: another line of 6 fits
        rule.push(token)
    assert not rule.done
    for token in words:  # 11 written, mid-line: the poem goes on
        rule.push(token)
    assert not rule.done
    rule.push(newline)  # 12 written, 4 left: fewer than the longest line's 6
    assert rule.done
    stanza = Layout(facts, budget=12)
    for token in words + [newline]:  # 6 written, 6 left: a line as long as the longest still fits
        stanza.push(token)
    assert not stanza.done
    stanza.push(newline)  # a stanza break: 7 written, 5 left, and the next line would be cut
    assert stanza.done
    opened = Layout(facts, budget=8)
    opened.read(words + [newline])  # the person's line of 6 tokens: the longest, but not the model's budget
    opened.push(shipped_tokenizer.encode(" ship", add_special_tokens=False)[0])
    opened.push(newline)  # 2 written, 6 left: the opening's line still fits
    assert not opened.done
    opened.push(newline)  # 3 written, 5 left
    assert opened.done
    unlimited = Layout(facts, budget=0)
    for token in (words + [newline]) * 3:
        unlimited.push(token)
    assert not unlimited.done


def test_the_constraint_holds_the_layout_rule_only_when_asked(shipped_tokenizer):
    from poetstudio.engine.constraints import word_constraint

    assert word_constraint(shipped_tokenizer, 40, real=False, word_repeats=0, tidy_lines=False) is None
    tidy = word_constraint(shipped_tokenizer, 40, real=False, word_repeats=0, tidy_lines=True, budget=3)
    assert tidy.layout is not None and tidy.guard is None and not tidy.done
    for token in shipped_tokenizer.encode(" sea\n", add_special_tokens=False):
        tidy.advance(token)
    assert tidy.done  # 2 tokens written, 1 left: less than the line just written


def test_poems_end_on_whole_lines_with_no_headings(engine, monkeypatch):
    from poetstudio.engine.request import PoemRequest
    from poetstudio.forms.layout import heading
    from tests.conftest import verse_runner

    monkeypatch.setattr(engine, "runner", verse_runner(engine, line_tokens=7))

    themes = ["the sea at night", "a garden in winter", "love and time", "the city"]

    def poems(tidy: bool) -> list[str]:
        return [engine.generate(PoemRequest(theme=theme, blend={poet: 1.0}, strength=2.0,
                                            sampling=Sampling(seed=700 + i, max_new_tokens=60,
                                                              tidy_lines=tidy))).text
                for i, (poet, theme) in enumerate(zip(engine.known_poets() * 2, themes))]

    assert any(not text.rstrip(" \t").endswith("\n") for text in poems(False))  # the budget cuts a line
    for text in poems(True):
        lines = text.split("\n")
        assert text.strip() and text.rstrip(" \t").endswith("\n"), text
        assert not any(heading(line, ended=True) for line in lines[:-1]), text
        assert "\n\n\n" not in text.replace(" ", "") and not text.startswith("\n"), text


def test_the_setting_is_checked_everywhere_it_comes_in(tmp_path):
    from types import SimpleNamespace

    from poetstudio.cli import build_parser
    from poetstudio.commands.arguments import settings_of
    from poetstudio.commands.generate import sampling_from
    from poetstudio.config import load_config
    from poetstudio.errors import UserError
    from poetstudio.ui.poem_fields import check_fields

    assert Sampling().tidy_lines is True
    with pytest.raises(SamplingError, match="tidy_lines must be true or false"):
        Sampling(tidy_lines="yes")
    args = build_parser().parse_args(["generate", "x", "--blend", "poe=1", "--any-lines"])
    assert sampling_from(settings_of(args).sampling, None).tidy_lines is False
    config = tmp_path / "config.toml"
    config.write_text("[sampling]\ntidy_lines = false\n")
    assert load_config(config).sampling.sampling().tidy_lines is False
    config.write_text('[sampling]\ntidy_lines = "no"\n')
    with pytest.raises(UserError, match=r"tidy_lines must be a bool"):
        load_config(config)
    def saved(sampling):
        return SimpleNamespace(blend={"Edgar Allan Poe": 1.0}, sampling=sampling, seed=1, analysis={})

    assert check_fields(saved({"tidy_lines": False, "top_k": 40})).sampling == {"tidy_lines": False, "top_k": 40}
    damaged = check_fields(saved({"tidy_lines": "no", "top_k": 40}))
    assert damaged.sampling == {"top_k": 40} and damaged.damaged == ["sampling"]


async def test_the_prompt_pane_keeps_a_poems_layout_setting():
    from textual.app import App

    from poetstudio.ui.prompt_pane import PromptPane

    class Holder(App):
        def compose(self):
            yield PromptPane()

    async with Holder().run_test() as pilot:
        pane = pilot.app.query_one(PromptPane)
        assert pane.read_settings()[0].tidy_lines is True  # a new poem: the config's default
        pane.fill("rain", "", {"temperature": 0.8, "tidy_lines": False}, 1)
        assert pane.read_settings()[0].tidy_lines is False
        pane.fill("rain", "", {"temperature": 0.8, "tidy_lines": True}, 1)
        assert pane.read_settings()[0].tidy_lines is True
        pane.fill("rain", "", {"temperature": 0.8}, 1)  # written before the rule existed: without it
        assert pane.read_settings()[0].tidy_lines is False
