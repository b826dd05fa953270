"""Fit an adapter's poet balance, so that equal weights in a blend are heard as equal.

A blend decodes from the weighted sum of its poets' log-probabilities, and in that product of experts some
voices carry further than others: at 0.5 each, the judge hears Whitman, Poe and Yeats more than Dickinson,
Shakespeare and Donne (docs/blending.md, The blend balance), because a product keeps what both poets accept
and one poet's markers (Dickinson's dash) are what the other rejects. The balance gives each poet a gain: the
engine weighs a row by weight x gain, renormalised (ModelCard.row_weights), so a single poet is unchanged and
sweeps still rise with the weight.

`poetstudio train --recipe balance --output ADAPTER` (poetstudio/commands/balance.py) fits the gains by ear,
with a reader that shares nothing with the model and is not the judge that measures blends (trainer/stylometry.py):
  1. write `balance_poems` half-and-half poems for every pair of the poets the reader knows (its own themes and
     seeds, none of the judge bench's), at the studio's default strength, with the current gains;
  2. read each with the reader: logit of the first poet's mean share within the pair, L_ab;
  3. fit L_ab = loud_a - loud_b + slope (g_a - g_b) by least squares over every round so far (g = log gain;
     the slope is PRIOR_SLOPE until a second round can measure it), and set g = -loud / slope;
  4. repeat for `balance_rounds` rounds, then write the gains into the adapter's poetstudio.json.
"""

from __future__ import annotations

import itertools
import json
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from poetstudio.atomic_file import write_text_atomic
from poetstudio.model_info import METADATA_FILE, read_metadata

PRIOR_SLOPE = 2.5  # logit of a reader's share per logit of weight, read off 0.5 and 0.6 blends of the shipped model
SLOPE_RANGE = (1.0, 6.0)  # a fitted slope outside this is noise: a gain can move a voice, but not by nothing or all
MAX_GAIN = 4.0  # no poet is weighed more than four times another's equal share
SHARE_CLIP = (0.03, 0.97)  # a pair's mean share is clipped before its logit: one unanimous pair must not dominate
NEW_TOKENS = 120  # the judge bench's poem length
THEMES = ("the moon over water", "an empty chair", "autumn leaves", "a ship leaving harbour", "the smell of bread",
          "a sleepless night", "the first snow", "a broken clock", "children in the street", "the hill at evening",
          "a grave in the rain", "a lover's quarrel", "the harvest", "a lighthouse", "memory", "the north wind")
# 16 themes of the balance's own: none is bench/judge.py's, so the judge measures the balance on poems it never shaped
PoemWriter = Callable[[dict[str, float], str, int], str]
"""Writes one poem of a blend (weights as the rows get them, no balance of its own) on a theme with a seed:
the command layer gives the engine's, at the studio's default strength and NEW_TOKENS new tokens."""


@dataclass
class Reading:
    """One pair's half-and-half poems as read: the pair, the log-gain difference they were written at, and
    the logit of the first poet's mean share within the pair."""

    first: str
    second: str
    offset: float
    logit_share: float


@dataclass
class BalanceFit:
    """The fitted gains and how they were reached: every reading, the slope, and each round's mean distance
    of the reader's share from one half."""

    gains: dict[str, float]
    slope: float
    readings: list[Reading] = field(default_factory=list)
    distance_by_round: list[float] = field(default_factory=list)


def logit(share: float) -> float:
    """log(p / (1 - p)) of a share clipped to SHARE_CLIP."""
    share = min(max(share, SHARE_CLIP[0]), SHARE_CLIP[1])
    return math.log(share / (1 - share))


def share_within(shares: dict[str, float], first: str, second: str) -> float:
    """`first`'s share of the pair (first, second) in a reader's shares."""
    total = shares.get(first, 0.0) + shares.get(second, 0.0)
    return shares.get(first, 0.0) / total if total else 0.5


def fit_loudness(readings: list[Reading], poets: list[str],
                 slope: float | None = None) -> tuple[dict[str, float], float]:
    """Least squares for L_ab = loud_a - loud_b + slope * offset_ab over `readings`, the louds summing to 0:
    (loudness per poet, slope). With `slope` given, or with every offset equal (nothing to measure it by), the
    slope is not fitted (PRIOR_SLOPE where none is given); a fitted one is held to SLOPE_RANGE."""
    index = {p: i for i, p in enumerate(poets)}
    offsets = {round(r.offset, 9) for r in readings}  # 9 places: equal offsets that float sums made unequal
    fit_slope = slope is None and len(offsets) > 1
    slope = PRIOR_SLOPE if slope is None else slope
    rows, targets = [], []
    for r in readings:
        row = np.zeros(len(poets) + fit_slope)
        row[index[r.first]], row[index[r.second]] = 1.0, -1.0
        if fit_slope:
            row[-1] = r.offset
        rows.append(row)
        targets.append(r.logit_share - (0.0 if fit_slope else slope * r.offset))
    rows.append(np.concatenate([np.ones(len(poets)), np.zeros(int(fit_slope))]))  # the louds sum to 0
    targets.append(0.0)
    solution = np.linalg.lstsq(np.array(rows), np.array(targets), rcond=None)[0]
    if fit_slope:
        slope = float(min(max(solution[-1], SLOPE_RANGE[0]), SLOPE_RANGE[1]))
        if slope != solution[-1]:
            return fit_loudness(readings, poets, slope)
    return {p: float(solution[index[p]]) for p in poets}, slope


def gains_from(loudness: dict[str, float], slope: float) -> dict[str, float]:
    """The gains that cancel each poet's loudness: exp(-loud / slope), geometric mean 1. Where the largest is
    more than MAX_GAIN times the smallest, the log-gains are first held to a span of log(MAX_GAIN) around the
    middle of their range; gains already within it are left as fitted."""
    logs = {p: -loud / slope for p, loud in loudness.items()}
    low, high = min(logs.values()), max(logs.values())
    span = math.log(MAX_GAIN)
    if high - low > span:
        middle = (high + low) / 2
        logs = {p: min(max(g, middle - span / 2), middle + span / 2) for p, g in logs.items()}
    centre = statistics.fmean(logs.values())
    return {p: math.exp(g - centre) for p, g in logs.items()}


def pair_weights(gains: dict[str, float], first: str, second: str) -> dict[str, float]:
    """A half-and-half blend of the pair as the engine would weigh it with `gains`."""
    total = gains[first] + gains[second]
    return {first: gains[first] / total, second: gains[second] / total}


def read_pairs(write: PoemWriter, reader, pairs: list[tuple[str, str]], gains: dict[str, float], poems: int,
               seed: int) -> list[Reading]:
    """Have `write` make `poems` half-and-half poems per pair at `gains` (poem i: theme THEMES[i], seed
    seed + i) and read them."""
    readings = []
    for first, second in pairs:
        blend = pair_weights(gains, first, second)
        shares = [share_within(reader.probabilities(write(blend, THEMES[i % len(THEMES)], seed + i)), first, second)
                  for i in range(poems)]
        offset = math.log(gains[first]) - math.log(gains[second])
        readings.append(Reading(first, second, offset, logit(statistics.fmean(shares))))
    return readings


def mean_distance(readings: list[Reading]) -> float:
    """The mean distance of the readings' shares from one half."""
    return statistics.fmean(abs(1 / (1 + math.exp(-r.logit_share)) - 0.5) for r in readings)


def fit_balance(write: PoemWriter, reader, poets: list[str], poems: int, rounds: int, seed: int,
                report=print) -> BalanceFit:
    """The balance of `poets` over `rounds` rounds of every pair's half-and-half poems (see the module doc)."""
    pairs = list(itertools.combinations(poets, 2))
    gains = {p: 1.0 for p in poets}
    fit = BalanceFit(dict(gains), PRIOR_SLOPE)
    for number in range(1, rounds + 1):
        started = time.perf_counter()
        readings = read_pairs(write, reader, pairs, gains, poems, seed)
        fit.readings += readings
        fit.distance_by_round.append(mean_distance(readings))
        loudness, fit.slope = fit_loudness(fit.readings, poets)
        gains = gains_from(loudness, fit.slope)
        report(f"round {number}/{rounds}: {len(pairs)} pairs x {poems} poems read, the 0.5 blends "
               f"{fit.distance_by_round[-1]:.2f} from half on average; slope {fit.slope:.2f}; gains "
               + ", ".join(f"{p.split()[-1]} {g:.2f}" for p, g in gains.items())
               + f" [{time.perf_counter() - started:.0f} s]")
    fit.gains = gains
    return fit


def write_balance(adapter: Path, fit: BalanceFit, details: dict) -> Path:
    """Put the gains and how they were fitted into the adapter's poetstudio.json (written whole, then renamed
    over the old file, so an interruption leaves the old one)."""
    meta_file = adapter / METADATA_FILE
    metadata = read_metadata(meta_file)
    # gains to 4 places (far finer than the reader can hear), slope and distances to 3, for a readable file
    metadata["balance"] = {"gains": {p: round(g, 4) for p, g in fit.gains.items()}, "slope": round(fit.slope, 3),
                           "distance_by_round": [round(d, 3) for d in fit.distance_by_round], **details}
    write_text_atomic(meta_file, json.dumps(metadata, indent=2, ensure_ascii=False) + "\n")
    return meta_file
