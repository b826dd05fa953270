"""What the engine reports while it works, as plain values a UI can turn into messages (no torch here)."""

from __future__ import annotations

from dataclasses import dataclass, field

from poetstudio.model_info import ModelCard


@dataclass(frozen=True)
class LoadProgress:
    """A step of model loading, in words."""

    text: str


@dataclass(frozen=True)
class LoadFailed:
    """Loading failed; `message` is one line that says what to do."""

    message: str


@dataclass(frozen=True)
class Loaded:
    """The model is ready: what it is, where it runs, its card (the poets and moods it knows), and
    `warnings` the user should know (e.g. 4-bit fell back)."""

    base: str
    adapter: str | None
    device: str
    card: ModelCard = field(default_factory=ModelCard)
    warnings: tuple[str, ...] = ()
    context: int | None = None
    """The most tokens the model reads, prompt and poem together (None: no stated limit)."""


EngineEvent = LoadProgress | LoadFailed | Loaded
