"""How new a generated text is: the share of its 8-word sequences that also occur in the corpus."""

from __future__ import annotations

import re
from collections.abc import Iterable

NGRAM = 8  # eight words in a row almost never repeat by chance in verse; a match means recitation
_WORD = re.compile(r"[a-z]+(?:['’][a-z]+)*")


def words(text: str) -> list[str]:
    """Lower-case words, punctuation and line breaks ignored, so recitation with new commas still counts."""
    return _WORD.findall(text.lower())


def ngrams(text: str, n: int = NGRAM) -> list[tuple[str, ...]]:
    """All n-word sequences of a text, in order."""
    tokens = words(text)
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def ngram_index(texts: Iterable[str], n: int = NGRAM) -> set[tuple[str, ...]]:
    """Every n-word sequence of a corpus, for membership tests."""
    index: set[tuple[str, ...]] = set()
    for text in texts:
        index.update(ngrams(text, n))
    return index


def copied_share(generated: Iterable[str], index: set[tuple[str, ...]], n: int = NGRAM) -> tuple[float, int]:
    """(share of the generated n-grams found in the index, number of generated n-grams)."""
    grams = [g for text in generated for g in ngrams(text, n)]
    if not grams:
        return 0.0, 0
    return sum(g in index for g in grams) / len(grams), len(grams)
