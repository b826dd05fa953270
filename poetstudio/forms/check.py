"""Which lines of a poem meet its form, read by the analyzer: syllables (within one, for feminine endings),
rhyme with the partner line (true or slant), refrains word for word, and the foot asked for."""

from __future__ import annotations

from dataclasses import dataclass, field

from poetstudio.analysis.form import relabel
from poetstudio.analysis.pronounce import lookup
from poetstudio.analysis.report import WORD, PoemReading, analyze_poem
from poetstudio.analysis.rhyme import rhyme_kind
from poetstudio.forms.spec import FormSpec

SYLLABLE_SLACK = 1  # a feminine ending (one more unstressed syllable) or an elision the reading took differently


@dataclass(frozen=True)
class LineCheck:
    """One line against its goal; each part is None where the form asks nothing of it."""

    index: int
    syllables: bool | None = None
    rhyme: bool | None = None
    refrain: bool | None = None
    metre: bool | None = None

    @property
    def met(self) -> bool:
        """Nothing asked of the line failed."""
        return False not in (self.syllables, self.rhyme, self.refrain, self.metre)

    @property
    def mark(self) -> str:
        """'✓' when met, else the first thing missed: 'syl', 'rhy', 'ref', 'met'."""
        for name, ok in (("syl", self.syllables), ("rhy", self.rhyme), ("ref", self.refrain), ("met", self.metre)):
            if ok is False:
                return name
        return "\u2713"


@dataclass
class FormCheck:
    """A poem against a form: its lines' checks, the scheme asked and the one read, and lines missing."""

    lines: list[LineCheck] = field(default_factory=list)
    asked: str = ""
    read: str = ""
    missing: int = 0

    @property
    def scheme_read_back(self) -> bool:
        """The analyzer letters the poem's lines as the form asks (letters renamed by first appearance)."""
        return bool(self.asked) and self.asked == self.read

    def share(self, part: str) -> tuple[int, int]:
        """(lines that meet `part`, lines it was asked of): part is syllables, rhyme, refrain or metre."""
        values = [getattr(line, part) for line in self.lines if getattr(line, part) is not None]
        return sum(values), len(values)


def _last_word(text: str):
    words = WORD.findall(text)
    return lookup(words[-1]) if words else None


def check_poem(text: str, spec: FormSpec, reading: PoemReading | None = None) -> FormCheck:
    """Check each line of `text` against the line of `spec` in the same place (a reading may be passed in)."""
    reading = reading or analyze_poem(text)
    lines = reading.lines
    ends = [_last_word(line.text) for line in lines]
    checks = []
    for goal, line in zip(spec.lines, lines):
        i = goal.index
        syllables = None if goal.syllables is None else abs(line.syllables - goal.syllables) <= SYLLABLE_SLACK
        source = spec.refrain_source(i)
        refrain = None if source is None else line.text.strip() == lines[source].text.strip()
        partners = spec.partners(i)
        rhyme = None
        if partners and source is None:
            a, b = ends[i], ends[partners[0]]
            rhyme = a is not None and b is not None and rhyme_kind(a, b) is not None
        metre = None if spec.foot is None else line.meter.startswith(spec.foot)
        checks.append(LineCheck(i, syllables, rhyme, refrain, metre))
    asked = "".join(g.group or "-" for g in spec.lines)
    read = "".join(line.letter if spec.lines[k].group else "-" for k, line in enumerate(lines[:len(spec.lines)]))
    asked_shape = relabel(list(asked.replace("-", ""))) if spec.lines else ""
    read_shape = relabel(list(read.replace("-", ""))) if lines else ""
    return FormCheck(checks, asked_shape, read_shape, max(0, len(spec.lines) - len(lines)))
