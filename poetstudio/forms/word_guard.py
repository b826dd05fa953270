"""Real words only: which tokens keep every word of a free poem a word that exists, without torch.

A small model, pushed by style strength, sometimes invents words ("sea-garched", "white-sturping"). The
guard follows the poem as it is written and answers `allows(token)`: the word being written must stay the
beginning of a real word, and a word is only closed (by a space, punctuation or a newline) when it is
whole. A real word is one in the CMU pronouncing dictionary, one the forms' lexicon knows (inflections,
archaic forms), one the model read in training (its `words.txt`, `poetstudio.corpus.vocabulary`: "canst",
"Lenore"), or an elision of one ("summer's", "dimm'd"). Anything that is not a letter (punctuation,
digits, `&`, brackets) is left alone, so Cummings keeps his parentheses; hyphens split compounds, whose
parts are checked one by one ("mud-luscious" passes). A word is cased as words are (lower, Capitalised or
CAPITALS: no "tWas"). End of text comes only where a word could end; other special tokens never.
"""

from __future__ import annotations

import bisect

from poetstudio.analysis.pronounce import cmu
from poetstudio.corpus.vocabulary import NO_WORDS, WORD_PIECE, WordCounts
from poetstudio.forms.lexicon import Lexicon, lexicon
from poetstudio.forms.tokens import TokenFacts, built_once_per_object, well_cased

MAX_APOSTROPHES = 2  # "'tis'" in quotation marks: more inside one word is the model stammering
APOSTROPHES = "'\u2019"
"""Apostrophes belong to the word they stand in; every other character that is not a letter (in any
script: "bacco-dillahuiê" is caught at its "ê") ends a word."""


def bare(word: str) -> str:
    """A word as the rules compare words: lower case, straight apostrophes, none leading or trailing."""
    return word.lower().replace("\u2019", "'").strip("'")


POETIC_SPELLINGS = frozenset({"thro", "tho", "altho"})
"""Old spellings common in the corpus's verse that the dictionary lacks ("thro'" is "thro" and its apostrophe)."""


class RealWords:
    """The words a guarded poem may use, with a prefix test: the CMU dictionary, the lexicon's words and the
    words the model `learned` in training, each entry split as the guard splits a poem (so every prefix it
    accepts can be finished as a word)."""

    def __init__(self, lex: Lexicon, learned: WordCounts = NO_WORDS):
        self.lex = lex
        entries = set(cmu()) | lex.known | POETIC_SPELLINGS | set(learned)  # "zoot-suit" gives "zoot" and "suit"
        self.words = frozenset(part for entry in entries for part in WORD_PIECE.findall(entry))
        self.sorted = sorted(self.words)
        self._prefix: dict[str, bool] = {}

    def is_word(self, text: str) -> bool:
        """`text` (any case, straight or curly apostrophes, none leading or trailing) is a real word."""
        word = bare(text)
        return not word or word in self.words or self.lex.is_word(word) or ("'" + word) in self.words

    def could_be_word(self, partial: str) -> bool:
        """Some real word (or elision of one) starts with `partial`."""
        text = partial.lower().replace("\u2019", "'").lstrip("'")
        if text not in self._prefix:
            at = bisect.bisect_left(self.sorted, text)
            found = at < len(self.sorted) and self.sorted[at].startswith(text)
            self._prefix[text] = found or self.lex.could_be_word(text)
        return self._prefix[text]


def real_words(facts: TokenFacts, learned: WordCounts = NO_WORDS) -> RealWords:
    """The real-word list of a tokenizer's facts and a model's learned words; without learned words it is
    built once per tokenizer (about a second, with the dictionary), with them once per word list."""
    lex = lexicon(facts)
    if not learned:
        return built_once_per_object(lex, RealWords, "real words")
    return built_once_per_object(learned, lambda words: RealWords(lex, words), "real words", partner=lex)


class WordGuard:
    """Follows one free poem and allows only tokens that keep its words real (see the module docstring)."""

    def __init__(self, facts: TokenFacts, words: RealWords):
        self.facts, self.words = facts, words
        self.partial = ""

    def allows(self, token: int) -> bool:
        """Whether `token` keeps every word real (end of text: where a word could end)."""
        if token in self.facts.special:
            return token == self.facts.eos_id and self.words.is_word(self.partial)
        return self._after(self.facts.texts[token], check=True) is not None

    def push(self, token: int) -> None:
        """The token drawn: follow the word being written."""
        if token not in self.facts.special:
            self.partial = self._after(self.facts.texts[token], check=False) or ""

    def _after(self, text: str, check: bool) -> str | None:
        partial = self.partial
        for ch in text:
            if ch.isalpha() or ch in APOSTROPHES:
                partial += ch
            else:
                if check and partial and not self.words.is_word(partial):
                    return None
                partial = ""
        if check and partial and (partial.replace("\u2019", "'").count("'") > MAX_APOSTROPHES
                                  or not well_cased(partial) or not self.words.could_be_word(partial)):
            return None
        return partial
