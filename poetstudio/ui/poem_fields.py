"""A saved poem's free-form fields (blend, sampling, seed, analysis) checked before the studio uses them: an
imported or hand-edited row may hold strings where numbers belong, and must open with defaults, not crash."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

from poetstudio.blend import checked_weights
from poetstudio.engine.sampling_settings import RULES, check_setting, parse_strength
from poetstudio.errors import UserError

SAVED_SETTINGS = [name for name in RULES if name != "seed"] + ["strength"]  # strength is saved beside them


def usable_setting(name: str, value) -> bool:
    """True when a saved sampling setting (or the style strength) passes the engine's own check."""
    try:
        if name == "strength":
            parse_strength(value if isinstance(value, (int, float)) and not isinstance(value, bool) else None)
        else:
            check_setting(name, value)
    except UserError:
        return False
    return True


@dataclass
class PoemFields:
    """The usable part of a saved poem's fields, and what was damaged (empty when nothing was)."""

    blend: dict[str, float] = field(default_factory=dict)
    sampling: dict = field(default_factory=dict)
    seed: int | None = None
    analysis: dict = field(default_factory=dict)
    damaged: list[str] = field(default_factory=list)


def check_fields(poem) -> PoemFields:
    """Keep what is well-formed; name each damaged field (blend, sampling, seed, analysis).

    The library reads a damaged row with its bad fields reset to defaults and the stored values kept in
    `raw`; those stored values are checked here, so the well-formed part of a field (a sampling dict's
    good settings) still opens."""
    out = PoemFields()
    raw = getattr(poem, "raw", None) or {}
    poem = SimpleNamespace(**{name: raw.get(name, getattr(poem, name))
                              for name in ("blend", "sampling", "seed", "analysis")})
    blend = poem.blend
    try:
        if not isinstance(blend, dict) or not all(isinstance(p, str) for p in blend):
            raise UserError("not a blend")
        out.blend = checked_weights(blend)
    except UserError:
        out.damaged.append("blend")
    sampling = poem.sampling
    if isinstance(sampling, dict):
        out.sampling = {k: v for k, v in sampling.items() if k in SAVED_SETTINGS and usable_setting(k, v)}
        if len(out.sampling) != len([k for k in sampling if k in SAVED_SETTINGS]):
            out.damaged.append("sampling")
    else:
        out.damaged.append("sampling")
    if usable_setting("seed", poem.seed):
        out.seed = poem.seed
    else:
        out.damaged.append("seed")
    if isinstance(poem.analysis, dict):
        out.analysis = poem.analysis
    else:
        out.damaged.append("analysis")
    return out


def blend_summary(blend: dict[str, float]) -> str:
    """'60% Emily Dickinson, 40% Edgar Allan Poe' for a checked blend."""
    total = sum(blend.values()) or 1.0
    return ", ".join(f"{round(100 * w / total)}% {p}" for p, w in sorted(blend.items(), key=lambda kv: -kv[1]))
