"""Metre while a line is written: whether a word's stresses fit the foot at its place, and the misfit cost
the analyzer's scan would charge for it (`poetstudio.analysis.meter`)."""

from __future__ import annotations

from functools import lru_cache

from poetstudio.analysis.meter import COST, FEET, VARIANT_COST, word_weights
from poetstudio.analysis.pronounce import Word

# misfit a line may carry per syllable (the scan allows 0.25, but a looser line often scans as anapests):
# ten syllables, two monosyllables off the beat
METRE_SLACK = 0.05


def weights_fit(options, position: int, foot: str | None) -> bool:
    """Stress weights (one string per reading, as `meter.word_weights` gives them) starting at syllable
    `position` fit the foot unless a main stress of a longer word falls on a weak beat (the first syllable
    may be inverted, as the metre scan allows)."""
    if foot is None:
        return True
    unit = FEET[foot]
    for weights in options:
        if len(weights) < 2 or all(w != "S" or unit[(position + k) % len(unit)] == "/" or position + k == 0
                                   for k, w in enumerate(weights)):
            return True
    return False


def stress_fits(word: Word, position: int, foot: str | None) -> bool:
    """`weights_fit` for a word's readings."""
    return weights_fit(word_weights(word), position, foot)


def stress_cost(word: Word, position: int, foot: str | None) -> float:
    """The metre scan's misfit cost of a word starting at syllable `position` in lines of `foot` (the
    cheapest of its readings; a stressed first syllable is the scan's inverted first foot)."""
    if foot is None:
        return 0.0
    unit = FEET[foot]
    best = None
    for weights in word_weights(word):
        cost = 0.0
        for k, weight in enumerate(weights):
            beat = unit[(position + k) % len(unit)]
            variant = position + k == 0 and weight == "S" and beat == "x"
            cost += VARIANT_COST if variant else COST.get((weight, beat), 0.0)
        best = cost if best is None else min(best, cost)
    return best or 0.0


@lru_cache(maxsize=8)
def fitter(foot: str | None):
    """`weights_fit` for one foot as a function of (readings, position), keyed by the foot for caches."""

    def fits(options, position: int) -> bool:
        return weights_fit(options, position, foot)

    fits.key = foot
    return fits
