"""The words a model read in training, with how often, as a plain word list shipped beside it (`words.txt`).

The trainer counts the words of a pretraining run's cleaned text and keeps those seen at least MIN_COUNT
times, one `word<TAB>count` a line (lists from before counts were kept have the word alone). The real-words
guard of free verse (`poetstudio.forms.word_guard`) accepts them besides the dictionary's, so archaic forms
and names the model learned ("canst", "wouldst", "Lenore") stay writable; the forms end lines only on words
the model read often (`poetstudio.forms.lexicon`), not on dictionary fragments ("ide", "imm").
Words are split as the guard splits a poem: runs of letters and apostrophes, lower case, curly apostrophes
made straight, apostrophes at either end left off.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType

WORD_LIST_FILE = "words.txt"
MIN_COUNT = 3  # a word must recur to count: one-off OCR slips and hyphenation splits stay out
WORD_PIECE = re.compile(r"[a-z']+")
"""A word as the list and the guard read it, in lower-case text with straight apostrophes."""

WordCounts = Mapping[str, int]
"""Word -> times read in training (read-only)."""
NO_WORDS: WordCounts = MappingProxyType({})
"""The empty word list: a model that ships none (a hub model, an older base)."""


def word_counts(texts: Iterable[str]) -> Counter:
    """How often each word occurs in `texts`."""
    counts: Counter = Counter()
    for text in texts:
        counts.update(w.strip("'") for w in WORD_PIECE.findall(text.lower().replace("\u2019", "'")))
    counts.pop("", None)
    return counts


def write_word_list(folder: str | Path, counts: Counter, min_count: int = MIN_COUNT) -> Path:
    """Write the words seen at least `min_count` times with their counts, sorted by word, one a line, to
    `folder`/words.txt."""
    path = Path(folder) / WORD_LIST_FILE
    kept = sorted((w, n) for w, n in counts.items() if n >= min_count)
    path.write_text("".join(f"{w}\t{n}\n" for w, n in kept), encoding="utf-8")
    return path


def read_word_list(folder: str | Path | None) -> WordCounts:
    """The words of `folder`/words.txt and their counts (MIN_COUNT where a list has none); empty where the
    model ships no list (a hub model, an older base)."""
    if folder is None:
        return NO_WORDS
    path = Path(folder) / WORD_LIST_FILE
    if not path.is_file():
        return NO_WORDS
    counts: dict[str, int] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        word, _, count = line.strip().partition("\t")
        if word:
            counts[word] = int(count) if count.isascii() and count.isdecimal() else MIN_COUNT
    return MappingProxyType(counts)
