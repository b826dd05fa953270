"""The words a formed line may end on: the dictionary words the tokenizer spells as one token (a proxy for
words the model knows well), with their syllables, stress and rhyme keys, indexed by rhyme."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from poetstudio.analysis.meter import word_weights
from poetstudio.analysis.pronounce import Word, lookup, syllable_count
from poetstudio.analysis.rhyme import last_syllable, rhyme_kind, rhyme_tail
from poetstudio.forms.tokens import TokenFacts

SHORT_WORDS = frozenset("me be we he ye go no so do by my oh lo thee".split())
"""Words under three letters a line may end on (other short entries are mostly fragments and initials)."""
WEAK_ENDINGS = frozenset("""a an the and but or nor for if as than that this these those of to in on at by with from
into onto upon unto my thy your our their its his her is am are was were has had hath doth dost
shall will would should could can may might must let not whose which what who whom when while where""".split())
"""Function words that leave a line hanging; never offered as a line's last word."""
_cache: dict[int, tuple[TokenFacts, "Lexicon"]] = {}
_lock = threading.Lock()


def word_syllables(word: Word) -> int:
    """Syllables of a word's first (most usual) pronunciation, as the writer counts them."""
    return syllable_count(word.prons[0]) if word.prons else 0


@dataclass(frozen=True)
class Entry:
    """A lexicon word: syllables, stress weights (as the metre scan reads them) and rhyme keys."""

    word: Word
    syllables: int
    weights: tuple[str, ...]
    tails: frozenset
    codas: frozenset


def rhyme_keys(word: Word) -> tuple[frozenset, frozenset]:
    """(true-rhyme tails, slant keys): two dictionary words rhyme truly when their tails meet and slant
    when their slant keys meet, as `analysis.rhyme.rhyme_kind` decides."""
    tails = frozenset(rhyme_tail(p) for p in word.prons)
    slant = set()
    for pron in word.prons:
        vowel, coda = last_syllable(pron)
        if vowel:
            slant.add(("last", vowel, coda))
        if coda:
            slant.add(("coda", coda))
    return tails, frozenset(slant)


class Lexicon:
    """Ending words indexed by syllables and rhyme tail: dictionary words the tokenizer has as one token
    after a space (a whole word the model saw often, not a fragment)."""

    def __init__(self, facts: TokenFacts):
        self.entries: dict[str, Entry] = {}
        for text in facts.by_text:
            bare = text[1:]
            if not text.startswith(" ") or not re.fullmatch(r"[a-z]+", bare) or bare in WEAK_ENDINGS:
                continue
            if len(bare) < 3 and bare not in SHORT_WORDS:
                continue
            word = lookup(bare)
            if word.source != "cmu" or bare in self.entries:
                continue
            tails, codas = rhyme_keys(word)
            self.entries[bare] = Entry(word, word_syllables(word), tuple(word_weights(word)), tails, codas)
        self.by_tail: dict[tuple, set[str]] = {}
        self.by_slant: dict[tuple, set[str]] = {}
        self.by_count: dict[int, list[str]] = {}
        self._fitting: dict[tuple, frozenset[str]] = {}
        for text, entry in self.entries.items():
            for tail in entry.tails:
                self.by_tail.setdefault(tail, set()).add(text)
            for key in entry.codas:
                self.by_slant.setdefault(key, set()).add(text)
            self.by_count.setdefault(entry.syllables, []).append(text)
        self.rhyme_counts = {text: len(set().union(*(self.by_tail[t] for t in e.tails))) - 1
                             for text, e in self.entries.items()}

    def fitting(self, count: int, position: int, fits) -> frozenset[str]:
        """Words of `count` syllables whose stress `fits(weights, position)` allows, cached by position
        (`fits` is the same function for a given foot; the key holds its name)."""
        key = (count, position, getattr(fits, "key", None))
        if key not in self._fitting:
            self._fitting[key] = frozenset(w for w in self.by_count.get(count, ()) if fits(self.entries[w].weights, position))
        return self._fitting[key]

    def true_rhymes(self, word: Word) -> set[str]:
        """Lexicon words that truly rhyme with `word` (itself left out)."""
        if word.source == "rule":
            return {w for w, e in self.entries.items() if rhyme_kind(e.word, word) == "true"} - {word.text}
        found: set[str] = set()
        for tail in rhyme_keys(word)[0]:
            found |= self.by_tail.get(tail, set())
        return found - {word.text}

    def slant_rhymes(self, word: Word) -> set[str]:
        """Lexicon words that rhyme with `word` only slant."""
        if word.source == "rule":
            return set()
        found: set[str] = set()
        for key in rhyme_keys(word)[1]:
            found |= self.by_slant.get(key, set())
        return found - self.true_rhymes(word) - {word.text}


def lexicon(facts: TokenFacts) -> Lexicon:
    """The lexicon of a tokenizer's facts, built once (about a second, after the dictionary loads)."""
    with _lock:
        entry = _cache.get(id(facts))
        if entry is None or entry[0] is not facts:
            entry = (facts, Lexicon(facts))
            _cache[id(facts)] = entry
        return entry[1]
