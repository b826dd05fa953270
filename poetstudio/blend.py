"""Blends as people write them ("dickinson=0.7, poe=0.3") parsed into {written name: weight}."""

from __future__ import annotations

import math

from poetstudio.errors import UserError


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
