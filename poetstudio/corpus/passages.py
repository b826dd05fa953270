"""Cut long poems into passages that fit a context window, at stanza breaks where possible."""

from __future__ import annotations

from collections.abc import Callable

TokenCounter = Callable[[str], int]


def approx_token_count(text: str) -> int:
    """A tokenizer-free estimate: about four characters per token, as for English BPE vocabularies."""
    return max(1, len(text) // 4)


def _split_long_stanza(stanza: str, budget: int, count: TokenCounter) -> list[str]:
    pieces: list[str] = []
    current: list[str] = []
    for line in stanza.split("\n"):
        candidate = "\n".join([*current, line])
        if current and count(candidate) > budget:
            pieces.append("\n".join(current))
            current = [line]
        else:
            current.append(line)
    if current:
        pieces.append("\n".join(current))
    return pieces


def split_passages(text: str, budget: int, count: TokenCounter = approx_token_count) -> list[str]:
    """Split text into passages of at most `budget` tokens, joining whole stanzas, splitting a stanza only by lines."""
    if count(text) <= budget:
        return [text]
    stanzas = [s.strip("\n") for s in text.split("\n\n") if s.strip()]
    units: list[str] = []
    for stanza in stanzas:
        units.extend([stanza] if count(stanza) <= budget else _split_long_stanza(stanza, budget, count))
    passages: list[str] = []
    current = ""
    for unit in units:
        candidate = f"{current}\n\n{unit}" if current else unit
        if current and count(candidate) > budget:
            passages.append(current)
            current = unit
        else:
            current = candidate
    if current:
        passages.append(current)
    return passages
