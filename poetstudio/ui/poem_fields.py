"""A saved poem's free-form fields (blend, sampling, seed, analysis) checked before the studio uses them: an
imported or hand-edited row may hold strings where numbers belong, and must open with defaults, not crash."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from types import SimpleNamespace

from poetstudio.engine.sampling_settings import MAX_STRENGTH, Sampling

SAMPLING_TYPES = {
    **{f.name: (float if f.type in ("float", float) else int) for f in fields(Sampling) if f.name != "seed"},
    "strength": float,  # style strength is saved beside the sampling settings
}


def _number(value, kind) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and (kind is float or isinstance(value, int))


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
    poem = SimpleNamespace(**{name: raw.get(name, getattr(poem, name)) for name in ("blend", "sampling", "seed", "analysis")})
    blend = poem.blend
    if isinstance(blend, dict) and all(isinstance(p, str) and _number(w, float) and w >= 0 for p, w in blend.items()):
        out.blend = {p: float(w) for p, w in blend.items()}
    else:
        out.damaged.append("blend")
    sampling = poem.sampling
    if isinstance(sampling, dict):
        out.sampling = {k: v for k, v in sampling.items() if k in SAMPLING_TYPES and _number(v, SAMPLING_TYPES[k])}
        if "strength" in out.sampling and not 0 <= out.sampling["strength"] <= MAX_STRENGTH:
            del out.sampling["strength"]  # out of range: damaged, and the poem opens at the plain blend
        if len(out.sampling) != len([k for k in sampling if k in SAMPLING_TYPES]):
            out.damaged.append("sampling")
    else:
        out.damaged.append("sampling")
    if poem.seed is None or _number(poem.seed, int):
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
