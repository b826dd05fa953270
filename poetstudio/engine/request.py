"""What a person asks the engine for, as plain data (no torch), so the UI can build requests freely."""

from __future__ import annotations

from dataclasses import dataclass, field

from poetstudio.engine.sampling_settings import Sampling


@dataclass(frozen=True)
class PoemRequest:
    """A theme, optional opening lines, a blend {poet: weight}, an optional mood, sampling and a variation count."""

    theme: str
    blend: dict[str, float]
    opening: str = ""
    mood: str | None = None
    sampling: Sampling = field(default_factory=Sampling)
    variations: int = 1
    form: str | None = None
    """The form to write to: a catalogue name or a spec (`poetstudio forms`); None writes free verse."""
