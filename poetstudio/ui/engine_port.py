"""The studio's side of the engine: a small interface, and the real engine imported only when first used.

Importing this module does not import torch; the first `load` (run on a worker thread) does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from poetstudio.analysis.attribution import Attribution
from poetstudio.engine.events import EngineEvent
from poetstudio.engine.request import PoemRequest


class EnginePort(Protocol):
    """What the studio needs from an engine."""

    def load(self, on_event: Callable[[EngineEvent], None]) -> None:
        """Load the model (blocking; called on a worker thread), reporting events."""

    def poets(self) -> dict[str, dict]:
        """Poets the loaded adapter knows, with their counts."""

    def moods(self) -> list[str]:
        """Moods the loaded adapter knows."""

    def generate(self, request: PoemRequest, on_piece: Callable[[int, str], None]) -> list:
        """Generate the request's variations, streaming (variation index, piece)."""

    def attribute(self, text: str, title: str, mood: str | None) -> Attribution | None:
        """How much the text reads like each poet (blocking; on a worker thread); None without a model."""

    def cancel(self) -> None:
        """Stop the running generation within a token."""


def context_length(model) -> int | None:
    """The most tokens the model was trained to read at once (None when its config does not say)."""
    limit = getattr(getattr(model, "config", None), "max_position_embeddings", None)
    return limit if isinstance(limit, int) and limit > 0 else None


class LazyEngine:
    """The real engine, created on first load so the studio opens without importing torch."""

    def __init__(self, base: str | None, adapter: str | None, device: str, blend_mode: str, quantize: str):
        self.settings = dict(base=base or None, adapter=adapter, device=device, blend_mode=blend_mode, quantize=quantize)
        self.engine = None

    def load(self, on_event: Callable[[EngineEvent], None]) -> None:
        """Import and load the engine; events report progress, failure and readiness."""
        from poetstudio.engine.engine import Engine
        from poetstudio.engine.events import Loaded, LoadFailed
        from poetstudio.errors import UserError

        try:
            engine = Engine(**self.settings)
        except UserError as exc:
            on_event(LoadFailed(str(exc)))
            return
        def relay(event: EngineEvent) -> None:
            if isinstance(event, Loaded):
                self.engine = engine  # before the studio hears 'ready' and asks for poets
            on_event(event)

        engine.load_reporting(relay)

    def poets(self) -> dict[str, dict]:
        """Poets and counts from the adapter metadata."""
        return dict(self.engine.load().metadata.get("poets", {})) if self.engine else {}

    def moods(self) -> list[str]:
        """Moods from the adapter metadata."""
        return sorted(self.engine.load().metadata.get("moods", {})) if self.engine else []

    def generate(self, request: PoemRequest, on_piece: Callable[[int, str], None]) -> list:
        """Generate variations with the real engine; a prompt longer than the model's context is refused."""
        self.check_fits(request)
        return self.engine.generate_variations(request, on_piece)

    def check_fits(self, request: PoemRequest) -> None:
        """Raise UserError when the prompt alone fills the model's context: such a prompt would take minutes
        and gigabytes to read, and the model never saw a text that long."""
        from poetstudio.errors import UserError

        limit = context_length(self.engine.load().model)
        if limit is None:
            return
        prompts, _ = self.engine.prompts(request, self.engine.resolve_blend(request.blend))
        longest = max(len(p) for p in prompts)
        if longest >= limit:
            raise UserError(f"the theme and opening lines are {longest:,} tokens; this model reads at most "
                            f"{limit:,} ({len(request.opening):,} characters of opening lines now): "
                            "shorten the opening lines and try again")

    def attribute(self, text: str, title: str, mood: str | None) -> Attribution | None:
        """Attribution by the real engine, or None before it has loaded."""
        return self.engine.attribute(text, title, mood) if self.engine else None

    def cancel(self) -> None:
        """Stop the running generation."""
        if self.engine is not None:
            self.engine.cancel()
