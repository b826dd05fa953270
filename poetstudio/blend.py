"""Blends: parsed from what people write ("dickinson=0.7, poe=0.3"), their weights checked and normalised.

A weight is checked in one place, `weight_problem` (a finite number from 0 to MAX_WEIGHT, 1, for every weight a
person sets): the studio's weight dialog, `generate --blend`, the config file's weight steps and library import
all use it, so they say the same. A blend made in code (a PoemRequest) is relative, any finite weights of 0 or
more, checked by the same function (`checked_weights`) and normalised (`normalised`); mapping written names to a
model's poets is the model card's job (`ModelCard.resolve`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from poetstudio.errors import UserError

MAX_WEIGHT = 1.0  # a weight a person sets is a share of the blend: the Poets pane's bars run from 0 to this
WEIGHT_RULE = f"must be a number of 0 or more, at most {MAX_WEIGHT:g} (such as 0.4)"
"""The rule every weight a person sets keeps, in words (after 'weight for NAME')."""
RELATIVE = math.inf  # the ceiling of a blend's weights made in code (a PoemRequest): relative, normalised to sum 1


def weight_rule(ceiling: float = MAX_WEIGHT) -> str:
    """The rule of a weight with this ceiling, in words: WEIGHT_RULE, or any finite number of 0 or more."""
    return WEIGHT_RULE if ceiling == MAX_WEIGHT else (
        "must be a number of 0 or more (a finite one)" if math.isinf(ceiling) else
        f"must be a number of 0 or more, at most {ceiling:g}")


def _shown(value: object) -> str:
    """A value as an error message quotes it: text as typed, anything else as Python writes it, cut at 40."""
    shown = repr(value.strip() if isinstance(value, str) else value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def weight_number(value: object, typed: bool = False, ceiling: float = MAX_WEIGHT) -> float | None:
    """`value` as a weight: a finite float from 0 to `ceiling`; None otherwise (a bool, nan, inf, a negative or
    a larger number, and text, unless `typed`: then text that reads as such a number counts)."""
    kinds = (int, float, str) if typed else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) and 0 <= number <= ceiling else None


def weight_problem(value: object, typed: bool = False, ceiling: float = MAX_WEIGHT) -> str | None:
    """What is wrong with `value` as a weight (`typed`: text a person typed; `ceiling`: the largest it may be),
    as the end of a message after 'weight for NAME' (None: nothing); the one check of a weight."""
    if weight_number(value, typed, ceiling) is not None:
        return None
    return f"{weight_rule(ceiling)}; {_shown(value)} is not a number in that range"


def check_weight(name: str, value: object, typed: bool = False, ceiling: float = MAX_WEIGHT) -> float:
    """`value` (`typed`: text a person typed) as the weight of `name`, a finite float from 0 to `ceiling`;
    otherwise a one-line UserError 'weight for NAME must be a number of 0 or more, at most 1 ...'."""
    number = weight_number(value, typed, ceiling)
    if number is None:
        raise UserError(f"weight for {name} {weight_problem(value, typed, ceiling)}")
    return number


def checked_weights(blend: Mapping[str, object], ceiling: float = RELATIVE) -> dict[str, float]:
    """The blend with every weight a finite number from 0 to `ceiling` (as float; by default any finite one, as a
    blend made in code is relative); otherwise a one-line UserError from `check_weight`."""
    return {name: check_weight(name, weight, ceiling=ceiling) for name, weight in blend.items()}


def normalised(blend: Mapping[str, float]) -> dict[str, float]:
    """The poets with weight above 0, their weights scaled to sum to 1; all zero is a one-line UserError."""
    total = sum(w for w in blend.values() if w > 0)
    if total <= 0:
        raise UserError("set at least one poet's weight above 0")
    return {poet: w / total for poet, w in blend.items() if w > 0}


def parse_blend(text: str) -> dict[str, float]:
    """Parse 'Name=weight,Name=weight'; a bare name means weight 1. Raise UserError on bad weights (each one
    checked by `check_weight`) and on a name written twice."""
    blend: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, _, raw = part.partition("=")
        name = name.strip()
        if not name:
            raise UserError(f"'{part}' has no poet name; write it as Name=weight")
        if name in blend:
            raise UserError(f"{name} is in the blend twice; give each poet once, as {name}=0.5")
        blend[name] = check_weight(name, raw, typed=True) if raw.strip() else MAX_WEIGHT
    if not blend:
        raise UserError("empty blend; write it as 'Emily Dickinson=0.7,Edgar Allan Poe=0.3'")
    return blend
