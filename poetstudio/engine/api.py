"""The engine's contract: every type the studio and the commands exchange with an engine, and the protocol
an engine implements. Importing this module imports no torch.

How it fits together (the studio's side; the commands call `poetstudio.engine.engine.Engine` directly):

1. `EnginePort.load(on_event)` runs on a worker thread. It reports `LoadProgress` lines, then either
   `LoadFailed` (one line saying what to do) or `Loaded`, which carries the `ModelCard`: the poets the model
   writes as (with counts, thin ones, and why the others are unavailable), its moods and its blend mode.
2. A `PoemRequest` holds a theme, opening lines, a blend as written (`ModelCard.resolve` maps it to the
   model's poets and normalises it), a mood, one `Sampling` (validated when made), a variation count, a
   style strength and a form. Bad values raise `UserError` when the request is made or resolved.
3. `EnginePort.generate(request, on_piece)` (on a worker thread) streams `(variation, piece)` and returns one
   `GeneratedPoem` per variation; `cancel()` (from any thread) stops within a token, keeping what was written.
4. `EnginePort.attribute(text, title, mood)` says which poets a text reads like (`Attribution`).

Every failure an engine expects is a `UserError` with a one-line message; the studio handles all worker
errors in one place (`StudioApp.on_worker_state_changed`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from poetstudio.analysis.attribution import Attribution
from poetstudio.engine.events import EngineEvent, Loaded, LoadFailed, LoadProgress
from poetstudio.engine.request import PoemRequest
from poetstudio.engine.sampling_settings import DEFAULT_STRENGTH, UNGUIDED_STRENGTH, Sampling, parse_strength
from poetstudio.forms.writer import LineOutcome
from poetstudio.model_info import ModelCard, PoetCard

__all__ = [
    "DEFAULT_STRENGTH",
    "UNGUIDED_STRENGTH",
    "Attribution",
    "DecodeResult",
    "EngineEvent",
    "EnginePort",
    "GeneratedPoem",
    "LoadFailed",
    "LoadProgress",
    "Loaded",
    "ModelCard",
    "PieceCallback",
    "PoemRequest",
    "PoetCard",
    "Sampling",
    "parse_strength",
]


@dataclass
class DecodeResult:
    """What one decode produced: the new text and token ids, timings, and how it ended."""

    text: str
    token_ids: list[int]
    first_token_s: float
    total_s: float
    finished: bool
    cancelled: bool

    @property
    def tokens_per_s(self) -> float:
        """Generated tokens per second after the first token."""
        decode_time = self.total_s - self.first_token_s
        return (len(self.token_ids) - 1) / decode_time if len(self.token_ids) > 1 and decode_time > 0 else 0.0


@dataclass
class GeneratedPoem:
    """A finished (or stopped) poem with everything needed to reproduce it: the normalised blend it was
    written in, the seed and sampling actually used, the style strength asked for and the one the decode
    guided at (`guidance`: lifted in a form, see `guidance_strength`; None where not recorded), the form
    asked for and how each line met it, the decode's statistics (`result`) and warnings (thin poets)."""

    text: str
    blend: dict[str, float]
    mood: str | None
    seed: int
    sampling: Sampling
    result: DecodeResult
    warnings: list[str] = field(default_factory=list)
    strength: float = UNGUIDED_STRENGTH
    form: str | None = None
    form_lines: list[LineOutcome] = field(default_factory=list)
    guidance: float | None = None

    @property
    def cancelled(self) -> bool:
        """True when the poem was stopped before it ended by itself."""
        return self.result.cancelled


PieceCallback = Callable[[int, str], None]
"""Called with (variation index, text piece) as a poem streams."""


class EnginePort(Protocol):
    """What the studio needs from an engine. `load`, `generate` and `attribute` block and run on worker
    threads; `cancel` may be called from any thread."""

    def load(self, on_event: Callable[[EngineEvent], None]) -> None:
        """Load the model, reporting `LoadProgress`, then `LoadFailed` or `Loaded` (with the model card)."""

    def generate(self, request: PoemRequest, on_piece: PieceCallback) -> list[GeneratedPoem]:
        """Write the request's variations, streaming pieces; a request the model cannot take is a UserError."""

    def attribute(self, text: str, title: str, mood: str | None) -> Attribution | None:
        """How much the text reads like each poet; None before a model is loaded."""

    def cancel(self) -> None:
        """Stop the running generation within a token; what was written is kept."""
