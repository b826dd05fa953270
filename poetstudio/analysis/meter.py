"""Stress and metre: scan each line against the classic feet and name the poem's likeliest metre.

Each syllable gets a lexical weight: S (a word's main stress), W (an unstressed syllable of a longer
word), E (secondary stress: either), s / w (a content / function monosyllable: usually strong / weak).
A line is scanned by the template of strong (/) and weak (x) positions that costs least to fit.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass

from poetstudio.analysis.pronounce import Word, stress_digits

FEET = {"iambic": "x/", "trochaic": "/x", "anapestic": "xx/", "dactylic": "/xx"}
LINE_LENGTHS = {1: "monometer", 2: "dimeter", 3: "trimeter", 4: "tetrameter", 5: "pentameter",
                6: "hexameter", 7: "heptameter", 8: "octameter"}
# Cost of a syllable weight in a strong (/) or weak (x) position. A main stress in a weak position is the
# worst misfit; a monosyllable in the 'wrong' place is routine in real verse, so it costs a quarter.
COST = {("S", "x"): 1.0, ("W", "/"): 0.5, ("s", "x"): 0.25, ("w", "/"): 0.25}
VARIANT_COST = 0.25  # an inverted first foot is common but still a departure
MAX_READINGS = 64  # pronunciation combinations tried per line (words with two readings: 'fire', 'every')
REGULAR_FIT = 0.75  # a line fits a metre when its misfit cost is under a quarter per syllable
DOMINANT_SHARE = 0.6  # a poem has a metre when this share of its lines scan in the same foot
MIXED_SHARE = 0.35  # under this share of lines at one length, a loosely metrical poem is free verse
PREFER_BONUS = 0.1  # per syllable: a line that scans nearly as well in the poem's foot is read in it
LENGTH_BONUS = 0.05  # ... and a little more for the poem's usual line length ('every' in two syllables)


@dataclass(frozen=True)
class LineMeter:
    """How one line scans: weights per syllable, the template fitted, its foot and length, and how well."""

    weights: str
    scansion: str
    foot: str | None
    feet: int
    fit: float

    @property
    def syllables(self) -> int:
        """Syllables in the reading chosen."""
        return len(self.weights)

    @property
    def name(self) -> str:
        """'iambic pentameter', 'trochaic tetrameter', or 'irregular'."""
        if self.foot is None:
            return "irregular" if self.weights else ""
        return f"{self.foot} {LINE_LENGTHS.get(self.feet, f'{self.feet}-foot')}"


def word_weights(word: Word) -> list[str]:
    """The weight strings a word's pronunciations allow ('S', 'WS', 'SWW', ...), one per distinct reading."""
    options: list[str] = []
    for pron in word.prons:
        digits = stress_digits(pron)
        if len(digits) == 1:
            weights = "w" if word.function else "s"
        else:
            weights = "".join({"1": "S", "2": "E", "0": "W"}[d] for d in digits)
        if weights not in options:
            options.append(weights)
    return options or [""]


def templates(length: int) -> list[tuple[str, int, str, float]]:
    """(foot, feet, template, extra cost) for every template with `length` syllables: plain feet, a feminine
    ending, a headless (rising) or catalectic (falling) line, an inverted first iamb."""
    found = []
    for foot, unit in FEET.items():
        rising = unit.endswith("/")
        for feet in LINE_LENGTHS:
            plain = unit * feet
            variants = [(plain, 0.0)]
            if rising:
                variants += [(plain + "x", 0.0), (plain[1:], 0.0)]
            else:
                variants += [(plain[: len(plain) - k], 0.0) for k in range(1, len(unit))]
            if foot == "iambic":
                variants.append(("/x" + plain[2:], VARIANT_COST))
            found += [(foot, feet, t, extra) for t, extra in variants if len(t) == length]
    return found


def _cost(weights: str, template: str) -> float:
    return sum(COST.get((w, t), 0.0) for w, t in zip(weights, template))


def scan(words: list[Word], prefer: tuple[str, int] | None = None) -> LineMeter:
    """The best-fitting scansion of a line over its words' possible readings; templates in the `prefer`red
    (foot, feet) get a small bonus, so 'every' is read in two syllables where the poem's metre wants it."""
    options = [word_weights(w) for w in words]
    readings: list[str] = []
    for combo in itertools.islice(itertools.product(*options), MAX_READINGS):
        readings.append("".join(combo))
    best: tuple[float, int, LineMeter] | None = None
    order = list(FEET)
    for weights in dict.fromkeys(readings):
        if not weights:
            continue
        for foot, feet, template, extra in templates(len(weights)):
            cost = (_cost(weights, template) + extra) / len(weights)
            bonus = PREFER_BONUS if prefer and foot == prefer[0] else 0.0
            bonus += LENGTH_BONUS if (foot, feet) == prefer else 0.0
            key = (cost - bonus, order.index(foot))
            if best is None or key < best[:2]:
                best = (cost - bonus, order.index(foot), LineMeter(weights, template, foot, feet, 1.0 - cost))
    if best is None:
        weights = readings[0] if readings else ""
        return LineMeter(weights, "", None, 0, 0.0)
    meter = best[2]
    if meter.fit < REGULAR_FIT:
        return LineMeter(meter.weights, meter.scansion, None, 0, meter.fit)
    return meter


def dominant(lines: list[LineMeter]) -> tuple[str, int] | None:
    """The (foot, feet) most lines scan in, if a foot is shared by DOMINANT_SHARE of them."""
    scanned = [m for m in lines if m.foot]
    if not scanned or len(scanned) < DOMINANT_SHARE * len([m for m in lines if m.weights]):
        return None
    return Counter((m.foot, m.feet) for m in scanned).most_common(1)[0][0]


STANZA_METERS = {(4, 3, 4, 3): "common meter", (3, 3, 4, 3): "short meter"}  # hymn and ballad stanzas, in feet


def poem_meter(lines: list[LineMeter], stanzas: list[list[int]]) -> str:
    """The poem's likeliest metre: a hymn/ballad stanza (common or short meter), one foot and line length
    ('iambic pentameter'), one foot with mixed lengths, or free verse."""
    scanned = [m for m in lines if m.weights]
    if not scanned:
        return ""
    feet = Counter(m.foot for m in scanned)
    foot, count = feet.most_common(1)[0]
    if foot is None or count < DOMINANT_SHARE * len(scanned):
        return "free verse"
    quatrains = [s for s in stanzas if len(s) == 4]
    if foot == "iambic" and quatrains and len(quatrains) * 4 >= 0.5 * len(scanned):
        shapes = Counter(tuple(lines[i].feet for i in s) for s in quatrains)
        for shape, name in STANZA_METERS.items():
            if shapes[shape] * 2 >= len(quatrains):
                return name
    lengths = Counter(m.feet for m in scanned if m.foot == foot)
    feet_count, same = lengths.most_common(1)[0]
    if same >= DOMINANT_SHARE * count:
        return f"{foot} {LINE_LENGTHS.get(feet_count, f'{feet_count}-foot')}"
    if same >= MIXED_SHARE * count:
        return f"{foot}, mixed line lengths"
    return "free verse"
