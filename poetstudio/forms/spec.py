"""A form as lines to write, and the grammar of custom specs such as "ABAB 8,6,8,6" or "ABAB/CDCD 10 iambic".

Grammar (whitespace separates the three parts; spaces inside the scheme are for reading only)::

    SPEC    := SCHEME [COUNTS] [FOOT]
    SCHEME  := STANZA ("/" STANZA)*     "/" is a stanza break (a blank line between stanzas)
    STANZA  := MARK+
    MARK    := A-Z                      a rhyme sound: lines with the same letter rhyme
             | A-Z DIGIT                a refrain: "A1" rhymes on A and every later A1 repeats the first word for word
             | "-"                      a line that need not rhyme
    COUNTS  := N ("," N)*               syllables per line (1-24); a shorter list repeats, one number sets every line
    FOOT    := iambic | trochaic | anapestic | dactylic

Without COUNTS the lines have no syllable count (only the rhymes are asked for).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FEET = ("iambic", "trochaic", "anapestic", "dactylic")
MAX_LINES = 64  # longer than any traditional form; bounds the time a poem may take
MAX_SYLLABLES = 24  # a line longer than an alexandrine doubled is not a line this tool can close
EXAMPLE = 'write a form name (see `poetstudio forms`) or a spec like "ABAB 8,6,8,6" or "ABAB/CDCD 10 iambic"'
SECONDS_PER_LINE = 3.0  # a form's time bound per line: past it, rhyme and metre give way and lines only count syllables
MARK = re.compile(r"[A-Z][0-9]?|-")


class FormSpecError(ValueError):
    """A spec that cannot be read; the message is one line that says what to type instead."""


@dataclass(frozen=True)
class LineGoal:
    """What one line must be: its stanza, syllables (None: any), rhyme group (a letter; None: need not
    rhyme), the refrain it carries ("A1") and whether it ends its stanza."""

    index: int
    stanza: int
    syllables: int | None
    group: str | None
    refrain: str | None
    stanza_end: bool


@dataclass(frozen=True)
class FormSpec:
    """A form ready to write: its name, the spec it came from, its lines and the foot asked for."""

    name: str
    spec: str
    lines: tuple[LineGoal, ...]
    foot: str | None = None

    @property
    def free(self) -> bool:
        """True for free verse: nothing to constrain."""
        return not self.lines

    @property
    def deadline_s(self) -> float:
        """Seconds the poem may take before rhyme and metre give way (lines still close at their count)."""
        return SECONDS_PER_LINE * len(self.lines)

    @property
    def scheme(self) -> str:
        """The rhyme letters by stanza, '-' for lines that need not rhyme: 'ABAB CDCD EFEF GG'."""
        stanzas: dict[int, str] = {}
        for line in self.lines:
            stanzas[line.stanza] = stanzas.get(line.stanza, "") + (line.group or "-")
        return " ".join(stanzas.values())

    def partners(self, index: int) -> list[int]:
        """Earlier lines of the same rhyme group, nearest first."""
        group = self.lines[index].group
        return [j for j in range(index - 1, -1, -1) if group and self.lines[j].group == group]

    def refrain_source(self, index: int) -> int | None:
        """The earlier line this one repeats word for word, if it is a returning refrain."""
        refrain = self.lines[index].refrain
        return next((j for j in range(index) if refrain and self.lines[j].refrain == refrain), None)


def _fail(spec: str, why: str) -> FormSpecError:
    return FormSpecError(f"bad form spec '{spec}': {why}; {EXAMPLE}")


def _split(spec: str) -> tuple[str, str | None, str | None]:
    """The scheme text, the counts text and the foot, from the spec's whitespace-separated parts."""
    scheme_parts: list[str] = []
    counts = foot = None
    for part in spec.split():
        if part.lower() in FEET and foot is None:
            foot = part.lower()
        elif re.fullmatch(r"[0-9]+(,[0-9]+)*,?", part) and counts is None and scheme_parts:
            counts = part.rstrip(",")
        elif re.fullmatch(r"[A-Z0-9/-]+", part) and counts is None and foot is None:
            scheme_parts.append(part)
        else:
            raise _fail(spec, f"'{part}' is not a scheme (capital letters, '-', '/'), syllable counts or a foot")
    if not scheme_parts:
        raise _fail(spec, "no rhyme scheme")
    return "".join(scheme_parts), counts, foot


def _stanzas(spec: str, scheme: str) -> list[list[str]]:
    stanzas = []
    for text in scheme.split("/"):
        marks = MARK.findall(text)
        if not text or "".join(marks) != text:
            raise _fail(spec, "each stanza is capital letters (A1 for a refrain) or '-', stanzas split by one '/'")
        stanzas.append(marks)
    return stanzas


def _counts(spec: str, counts: str | None, lines: int) -> list[int | None]:
    if counts is None:
        return [None] * lines
    numbers = [int(n) for n in counts.split(",")]
    if any(not 1 <= n <= MAX_SYLLABLES for n in numbers):
        raise _fail(spec, f"syllables per line must be 1 to {MAX_SYLLABLES}")
    if len(numbers) > lines:
        raise _fail(spec, f"{len(numbers)} syllable counts for {lines} lines")
    return [numbers[i % len(numbers)] for i in range(lines)]


def parse_spec(spec: str, name: str | None = None) -> FormSpec:
    """A custom spec as a FormSpec; raises FormSpecError (one line saying what to type) for a bad one."""
    if not spec.strip():
        raise FormSpecError(f"the form spec is empty; {EXAMPLE}")
    scheme, counts, foot = _split(spec)
    stanzas = _stanzas(spec, scheme)
    total = sum(len(s) for s in stanzas)
    if total > MAX_LINES:
        raise _fail(spec, f"{total} lines; at most {MAX_LINES}")
    syllables = _counts(spec, counts, total)
    lines, index = [], 0
    for number, marks in enumerate(stanzas):
        for position, mark in enumerate(marks):
            group = None if mark == "-" else mark[0]
            refrain = mark if len(mark) == 2 else None
            lines.append(LineGoal(index, number, syllables[index], group, refrain, position == len(marks) - 1))
            index += 1
    return FormSpec(name or f"custom ({spec.strip()})", spec.strip(), tuple(lines), foot)
