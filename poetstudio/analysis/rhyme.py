"""Rhyme between line endings, true or slant, and the rhyme scheme as letters."""

from __future__ import annotations

import string
from dataclasses import dataclass

from poetstudio.analysis.pronounce import Pron, Word, is_vowel, spelled_rhyme

RHYME_WINDOW = 4  # a line looks this many lines back for its rhyme: enough for ABAB, ABBA and ABCB


def _bare(phone: str) -> str:
    return phone.rstrip("012")


def rhyme_tail(pron: Pron) -> tuple[str, ...]:
    """From the last stressed vowel to the end, stress digits dropped: what a true rhyme shares."""
    vowels = [i for i, phone in enumerate(pron) if is_vowel(phone)]
    if not vowels:
        return tuple(pron)
    stressed = [i for i in vowels if pron[i][-1] in "12"]
    start = stressed[-1] if stressed else vowels[-1]
    return tuple(_bare(p) for p in pron[start:])


def last_syllable(pron: Pron) -> tuple[str, tuple[str, ...]]:
    """The last vowel (no stress digit) and the consonants after it."""
    vowels = [i for i, phone in enumerate(pron) if is_vowel(phone)]
    if not vowels:
        return "", tuple(pron)
    return _bare(pron[vowels[-1]]), tuple(pron[vowels[-1] + 1:])


def rhyme_kind(a: Word, b: Word) -> str | None:
    """'true' (same sounds from the last stressed vowel), 'slant' (same last syllable whatever its stress,
    or the same closing consonants after different vowels), or None."""
    if not a.text or not b.text:
        return None
    if a.source == "rule" or b.source == "rule":
        return "true" if spelled_rhyme(a.text) == spelled_rhyme(b.text) else None
    pairs = [(pa, pb) for pa in a.prons for pb in b.prons]
    if any(rhyme_tail(pa) == rhyme_tail(pb) for pa, pb in pairs):
        return "true"
    for pa, pb in pairs:
        (vowel_a, coda_a), (vowel_b, coda_b) = last_syllable(pa), last_syllable(pb)
        if vowel_a and vowel_a == vowel_b and coda_a == coda_b:
            return "slant"
        if coda_a and coda_a == coda_b:
            return "slant"
    return None


def scheme_letter(index: int) -> str:
    """A, B, ..., Z, then AA, AB, ... for very long poems."""
    letters = string.ascii_uppercase
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = letters[rest] + name
    return name


@dataclass(frozen=True)
class LineRhyme:
    """One line's place in the scheme: its letter, how it rhymes with `partner` (an earlier line), or unrhymed."""

    letter: str
    kind: str | None = None
    partner: int | None = None


def rhyme_scheme(endings: list[Word | None], stanzas: list[int]) -> list[LineRhyme]:
    """Letters for each line from its last word. A line takes the letter of the nearest earlier line
    (within RHYME_WINDOW) it truly rhymes with, else the nearest slant rhyme in its own stanza, else a new
    letter. `stanzas[i]` is line i's stanza number; `endings[i]` is None for a line without words (it gets no
    letter)."""
    result: list[LineRhyme] = []
    letters_used = 0
    for i, word in enumerate(endings):
        partner, kind = None, None
        if word is not None:
            earlier = [j for j in range(i - 1, max(-1, i - 1 - RHYME_WINDOW), -1) if endings[j] is not None]
            kinds = {j: rhyme_kind(endings[j], word) for j in earlier}
            partner = next((j for j in earlier if kinds[j] == "true"), None)
            if partner is None:
                partner = next((j for j in earlier if kinds[j] == "slant" and stanzas[j] == stanzas[i]), None)
            kind = kinds.get(partner) if partner is not None else None
        if word is None:
            result.append(LineRhyme(""))
        elif partner is not None:
            result.append(LineRhyme(result[partner].letter, kind, partner))
        else:
            result.append(LineRhyme(scheme_letter(letters_used)))
            letters_used += 1
    return result
