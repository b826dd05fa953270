"""The words a formed line may end on: the dictionary words the tokenizer spells as one token (a proxy for
words the model knows well), with their syllables, stress and rhyme keys, indexed by rhyme."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from poetstudio.analysis.meter import word_weights
from poetstudio.analysis.pronounce import ARCHAIC, Word, cmu, lookup, syllable_count
from poetstudio.analysis.rhyme import last_syllable, rhyme_kind, rhyme_tail
from poetstudio.corpus.vocabulary import MIN_COUNT, NO_WORDS, WordCounts
from poetstudio.forms.tokens import TokenFacts, built_once_per_object

ENDING_PER_MILLION = 6  # a line ends on a word the model read this often (about 100 times in the shipped base's
# 15.6M words): real words as rare as "prow" and "dirge" stay, dictionary fragments the tokenizer holds whole
# as pieces of longer words ("ide", "bree", "ling": under 40) go
SHORT_WORDS = frozenset("me be we he ye go no so do by my oh lo thee".split())
"""Words under three letters a line may end on (other short entries are mostly fragments and initials)."""
WEAK_ENDINGS = frozenset("""a an the and but or nor for if as than that this these those of to in on at by with from
into onto upon unto my thy your our their its his her is am are was were has had hath doth dost
shall will would should could can may might must let not whose which what who whom when while where""".split())
"""Function words that leave a line hanging; never offered as a line's last word."""
INFLECTIONS = (
    "s", "es", "ed", "d", "ing", "ly", "er", "ers", "est", "eth", "st", "ness", "y", "en", "ful", "less", "ings",
)
"""Endings a known word may take and stay known ("star" -> "stars", "starry"; "dim" -> "dimmed")."""
ELISIONS = {"s": ("",), "d": ("ed",), "ll": ("",), "re": ("",), "ve": ("",), "t": ("",), "n": ("en",)}
"""What may follow an apostrophe inside a word, and the full form that must be known: summer's (summer),
dimm'd (dimmed), heav'n (heaven). 'st is left out: the model hangs it on nouns ("mother'st")."""


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


def ending_floor(read: WordCounts) -> int:
    """Times a word must have been read to end a line: ENDING_PER_MILLION of the words read, and never fewer
    than a word needs to be in the list at all (0 without a word list)."""
    return max(MIN_COUNT, round(ENDING_PER_MILLION * sum(read.values()) / 1_000_000)) if read else 0


class Lexicon:
    """Ending words indexed by syllables and rhyme tail: dictionary words the tokenizer has as one token
    after a space; where the model's word list (`read`: words and how often it read them) is known, only
    those it read at least `ending_floor` times, and only words it read at all count as known."""

    def __init__(self, facts: TokenFacts, read: WordCounts = NO_WORDS):
        self.entries: dict[str, Entry] = {}
        floor = ending_floor(read)
        for text in facts.by_text:
            bare = text[1:]
            if not text.startswith(" ") or not re.fullmatch(r"[a-z]+", bare) or bare in WEAK_ENDINGS:
                continue
            if read and read.get(bare, 0) < floor:
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
        self.known = known_words(facts)
        if read:
            self.known = frozenset(w for w in self.known if read.get(w, 0) >= MIN_COUNT or w in ARCHAIC)
        self.sorted_known = sorted(self.known)
        self._prefix: dict[str, bool] = {}

    def is_word(self, text: str) -> bool:
        """A word the model knows: one of its whole-word tokens, that word inflected, an archaic form, or
        an elision of one ("moon's", "dimm'd"). Dictionary words it spells in pieces (mostly surnames:
        "tadeusz", "ladnier") are not."""
        text = text.lower().replace("\u2019", "'")
        if text in self.known:
            return True
        head, mark, rest = text.partition("'")
        return bool(mark and head) and any(rest == end and any(head + f in self.known for f in fulls)
                                           for end, fulls in ELISIONS.items())

    def could_be_word(self, partial: str) -> bool:
        """True when some known word (or elision of one) starts with `partial`."""
        text = partial.lower().replace("\u2019", "'")
        if text not in self._prefix:
            head, mark, rest = text.partition("'")
            at = bisect.bisect_left(self.sorted_known, text)
            found = at < len(self.sorted_known) and self.sorted_known[at].startswith(text)
            if not found and mark and head:
                found = any(end.startswith(rest) and any(head + f in self.known for f in fulls)
                            for end, fulls in ELISIONS.items())
            self._prefix[text] = found
        return self._prefix[text]

    def fitting(self, count: int, position: int, fits) -> frozenset[str]:
        """Words of `count` syllables whose stress `fits(weights, position)` allows, cached by position
        (`fits` is the same function for a given foot; the key holds its name)."""
        key = (count, position, getattr(fits, "key", None))
        if key not in self._fitting:
            self._fitting[key] = frozenset(
                w for w in self.by_count.get(count, ()) if fits(self.entries[w].weights, position)
            )
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


def known_words(facts: TokenFacts) -> frozenset[str]:
    """Dictionary words the tokenizer holds as one token after a space (any case), their inflections,
    and the archaic forms the analyzer knows: a proxy for words the model has seen often."""
    dictionary = cmu()
    base = {t[1:].lower() for t in facts.by_text if t.startswith(" ") and re.fullmatch(r"[A-Za-z]+", t[1:])}
    base = {w for w in base if w in dictionary}
    found = set(base) | set(ARCHAIC)
    for word in base:
        stems = {
            word,
            word[:-1] if word.endswith("e") else word,
            word + word[-1],
            word[:-1] + "i" if word.endswith("y") else word,
        }
        found |= {stem + end for stem in stems for end in INFLECTIONS if stem + end in dictionary}
    return frozenset(found)


def lexicon(facts: TokenFacts, read: WordCounts = NO_WORDS) -> Lexicon:
    """The lexicon of a tokenizer's facts and the model's word list, built once per tokenizer without a list
    and once per list with one (about a second, after the dictionary loads)."""
    if not read:
        return built_once_per_object(facts, Lexicon, "lexicon")
    return built_once_per_object(read, lambda words: Lexicon(facts, words), "lexicon", partner=facts)
