"""The words a model read in training, as a plain word list shipped beside it (`words.txt`).

The trainer counts the words of a pretraining run's cleaned text and keeps those seen at least MIN_COUNT
times; the real-words guard of free verse (`poetstudio.forms.word_guard`) accepts them besides the
dictionary's, so archaic forms and names the model learned ("canst", "wouldst", "Lenore") stay writable.
Words are split as the guard splits a poem: runs of letters and apostrophes, lower case, curly apostrophes
made straight, apostrophes at either end left off.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

WORD_LIST_FILE = "words.txt"
MIN_COUNT = 3  # a word must recur to count: one-off OCR slips and hyphenation splits stay out
WORD_PIECE = re.compile(r"[a-z']+")
"""A word as the list and the guard read it, in lower-case text with straight apostrophes."""


def word_counts(texts: Iterable[str]) -> Counter:
    """How often each word occurs in `texts`."""
    counts: Counter = Counter()
    for text in texts:
        counts.update(w.strip("'") for w in WORD_PIECE.findall(text.lower().replace("\u2019", "'")))
    counts.pop("", None)
    return counts


def write_word_list(folder: str | Path, counts: Counter, min_count: int = MIN_COUNT) -> Path:
    """Write the words seen at least `min_count` times, sorted, one a line, to `folder`/words.txt."""
    path = Path(folder) / WORD_LIST_FILE
    kept = sorted(w for w, n in counts.items() if n >= min_count)
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return path


def read_word_list(folder: str | Path | None) -> frozenset[str]:
    """The words of `folder`/words.txt; empty where the model ships none (a hub model, an older base)."""
    if folder is None:
        return frozenset()
    path = Path(folder) / WORD_LIST_FILE
    if not path.is_file():
        return frozenset()
    return frozenset(line for line in path.read_text(encoding="utf-8").split("\n") if line)
