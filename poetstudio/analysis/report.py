"""Read a whole poem: every line's rhyme letter, syllables and scansion; the scheme, metre and form."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from poetstudio.analysis.form import detect_form
from poetstudio.analysis.meter import dominant, poem_meter, scan
from poetstudio.analysis.pronounce import lookup
from poetstudio.analysis.rhyme import rhyme_scheme

WORD = re.compile(r"[A-Za-z\u00C0-\u024F]+(?:['\u2019][A-Za-z]+)*'?|['\u2019][A-Za-z]+")
READING_VERSION = 1  # stored with saved readings; bump when the analysis changes what it reports


@dataclass(frozen=True)
class LineReading:
    """One line: its text and stanza, syllables, lexical stress weights, fitted scansion and metre name,
    rhyme letter and kind ('true', 'slant' or None) and the earlier line it rhymes with."""

    text: str
    stanza: int
    syllables: int
    weights: str
    scansion: str
    meter: str
    letter: str
    rhyme: str | None
    partner: int | None


@dataclass(frozen=True)
class PoemReading:
    """A poem read: its lines, the rhyme scheme by stanza ('ABAB CDCD EFEF GG'), metre, form, and the words
    the dictionary lacked (their sounds were guessed)."""

    lines: list[LineReading] = field(default_factory=list)
    scheme: str = ""
    meter: str = ""
    form: str = ""
    guessed_words: list[str] = field(default_factory=list)
    version: int = READING_VERSION

    def to_dict(self) -> dict:
        """Plain data for JSON (the library stores this; nothing is pickled)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> PoemReading:
        """Back from `to_dict`'s JSON."""
        lines = [LineReading(**line) for line in data.get("lines", [])]
        return cls(lines, data.get("scheme", ""), data.get("meter", ""), data.get("form", ""),
                   list(data.get("guessed_words", [])), data.get("version", READING_VERSION))

    @property
    def summary(self) -> str:
        """One line: 'ABAB CDCD EFEF GG · iambic pentameter · Shakespearean sonnet' (see `summary_line`)."""
        return summary_line(self.scheme, self.meter, self.form)


def summary_line(scheme: str, meter: str, form: str) -> str:
    """Scheme, metre and form on one line, joined by ' · '; empty parts are left out, and a form named like
    its metre (both 'free verse') is said once: 'AB · free verse', never 'AB · free verse · free verse'."""
    parts: list[str] = []
    for part in (scheme, meter, form):
        if part and part not in parts:
            parts.append(part)
    return " · ".join(parts)


def stanza_lines(text: str) -> list[tuple[int, str]]:
    """(stanza number, line) for each non-blank line; blank lines separate stanzas. A byte-order mark at the
    start (a file read without utf-8-sig) is no part of the first line."""
    result, stanza, gap = [], 0, False
    for line in text.removeprefix("\ufeff").replace("\r\n", "\n").split("\n"):
        if not line.strip():
            gap = bool(result)
            continue
        if gap:
            stanza += 1
            gap = False
        result.append((stanza, line.rstrip()))
    return result


def analyze_poem(text: str) -> PoemReading:
    """Read a poem's rhyme, syllables, metre and form. Empty text gives an empty reading."""
    numbered = stanza_lines(text)
    if not numbered:
        return PoemReading()
    words = [[lookup(w) for w in WORD.findall(line)] for _, line in numbered]
    words = [[w for w in line if w.text] for line in words]
    stanza_of = [s for s, _ in numbered]
    rhymes = rhyme_scheme([line[-1] if line else None for line in words], stanza_of)
    meters = [scan(line) for line in words]
    preferred = dominant(meters)
    if preferred is not None:
        meters = [scan(line, preferred) for line in words]
    stanzas: list[list[int]] = [[] for _ in range(stanza_of[-1] + 1)]
    for index, stanza in enumerate(stanza_of):
        stanzas[stanza].append(index)
    meter = poem_meter(meters, stanzas)
    lines = [
        LineReading(line, stanza, m.syllables, m.weights, m.scansion, m.name, r.letter, r.kind, r.partner)
        for (stanza, line), m, r in zip(numbered, meters, rhymes)
    ]
    scheme = " ".join("".join(rhymes[i].letter for i in s) for s in stanzas if s)
    guessed = sorted({w.text for line in words for w in line if not w.known})
    form = detect_form(rhymes, stanzas, meter, [m.syllables for m in meters])
    return PoemReading(lines, scheme, meter, form, guessed)
