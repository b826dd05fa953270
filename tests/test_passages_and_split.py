"""Passages cut at stanza breaks; the held-out split is deterministic, per poet, by poem."""

from __future__ import annotations

from dataclasses import replace

from poetstudio.corpus import read_path
from poetstudio.corpus.passages import split_passages
from poetstudio.corpus.poem import Poem
from poetstudio.corpus.split import split_corpus


def words(text: str) -> int:
    return len(text.split())


def test_short_poem_is_one_passage():
    assert split_passages("a b c\nd e", budget=10, count=words) == ["a b c\nd e"]


def test_long_poem_is_cut_at_stanza_breaks_within_budget():
    stanzas = [f"stanza {i} line one\nstanza {i} line two" for i in range(6)]
    parts = split_passages("\n\n".join(stanzas), budget=17, count=words)
    assert all(words(p) <= 17 for p in parts)
    assert parts[0] == "\n\n".join(stanzas[:2])
    assert "\n\n".join(parts) == "\n\n".join(stanzas)


def test_a_stanza_longer_than_the_budget_is_cut_between_lines():
    stanza = "\n".join(f"line {i} of the long stanza" for i in range(10))
    parts = split_passages(stanza, budget=12, count=words)
    assert len(parts) == 5 and all(words(p) <= 12 for p in parts)
    assert "\n".join(parts) == stanza


def test_split_is_deterministic_per_poet_and_independent_of_order(fixtures):
    poems = read_path(fixtures / "mini.jsonl").poems
    first = split_corpus(poems, fraction=0.2)
    second = split_corpus(list(reversed(poems)), fraction=0.2)
    assert {p.key for p in first.heldout} == {p.key for p in second.heldout}
    assert sorted(p.poet for p in first.heldout) == ["Emily Dickinson", "W. B. Yeats", "Walt Whitman"]
    assert not {p.key for p in first.heldout} & {p.key for p in first.train}
    assert len(first.train) + len(first.heldout) == len(poems)


def test_split_keeps_a_poem_in_place_when_others_are_added(fixtures):
    poems = read_path(fixtures / "mini.jsonl").poems
    before = {p.key for p in split_corpus(poems, fraction=0.2).heldout}
    extra = [replace(poems[0], title=f"new {i}", text=f"new text {i}") for i in range(3)]
    after = {p.key for p in split_corpus(poems + extra, fraction=0.2).heldout}
    assert len(before & after) >= 2


def test_thin_poets_hold_nothing_out():
    poems = [Poem("Wallace Stevens", f"t{i}", f"text {i}") for i in range(3)]
    assert split_corpus(poems, 0.5 - 1e-9).heldout == []
