"""Blends: parsed from what people write ("dickinson=0.7, poe=0.3"), their weights checked and normalised.

These are the only places a blend's weights are checked (`checked_weights`) and normalised (`normalised`);
mapping written names to a model's poets is the model card's job (`ModelCard.resolve`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from poetstudio.errors import UserError


def checked_weights(blend: Mapping[str, object]) -> dict[str, float]:
    """The blend with every weight a finite number of 0 or more (as float); otherwise a one-line UserError."""
    checked: dict[str, float] = {}
    for name, weight in blend.items():
        number = isinstance(weight, (int, float)) and not isinstance(weight, bool)
        good = number and math.isfinite(weight) and weight >= 0
        if not good:
            raise UserError(f"weight for {name} must be a number of 0 or more, not {weight!r}")
        checked[name] = float(weight)
    return checked


def normalised(blend: Mapping[str, float]) -> dict[str, float]:
    """The poets with weight above 0, their weights scaled to sum to 1; all zero is a one-line UserError."""
    total = sum(w for w in blend.values() if w > 0)
    if total <= 0:
        raise UserError("set at least one poet's weight above 0")
    return {poet: w / total for poet, w in blend.items() if w > 0}


def parse_blend(text: str) -> dict[str, float]:
    """Parse 'Name=weight,Name=weight'; a bare name means weight 1. Raise UserError on bad weights."""
    blend: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, _, raw = part.partition("=")
        name = name.strip()
        if not name:
            raise UserError(f"'{part}' has no poet name; write it as Name=weight")
        try:
            weight = float(raw) if raw.strip() else 1.0
        except ValueError:
            raise UserError(f"weight '{raw.strip()}' for {name} is not a number; write it as {name}=0.5") from None
        if weight < 0 or not math.isfinite(weight):
            raise UserError(f"weight for {name} must be 0 or more, not {raw.strip()}")
        blend[name] = blend.get(name, 0.0) + weight
    if not blend:
        raise UserError("empty blend; write it as 'Emily Dickinson=0.7,Edgar Allan Poe=0.3'")
    return blend
