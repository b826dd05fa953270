"""What a person asks the engine for, as plain data (no torch), so the UI can build requests freely."""

from __future__ import annotations

from dataclasses import dataclass, field

from poetstudio.engine.sampling_settings import UNGUIDED_STRENGTH, Sampling, parse_strength


@dataclass(frozen=True)
class PoemRequest:
    """A theme, optional opening lines, a blend {poet: weight}, an optional mood, sampling, a variation count
    and a style strength.

    `strength` is classifier-free guidance over the blend (`poetstudio.engine.sampling.guide`): 1 is the
    plain blend, above 1 pushes the voices further from verse with no poet named, 0 writes as no poet in
    particular. From 0 to MAX_STRENGTH; a bad value raises a one-line UserError when the request is made.
    """

    theme: str
    blend: dict[str, float]
    opening: str = ""
    mood: str | None = None
    sampling: Sampling = field(default_factory=Sampling)
    variations: int = 1
    form: str | None = None
    """The form to write to: a catalogue name or a spec (`poetstudio forms`); None writes free verse."""
    strength: float = UNGUIDED_STRENGTH

    def __post_init__(self) -> None:
        object.__setattr__(self, "strength", parse_strength(self.strength))
