"""The real engine behind the studio's `EnginePort`, created on first load so the studio opens without torch.

Importing this module imports no torch; the first `load` (on a worker thread) does.
"""

from __future__ import annotations

from collections.abc import Callable

from poetstudio.engine.api import (
    Attribution,
    EngineEvent,
    GeneratedPoem,
    Loaded,
    LoadFailed,
    PieceCallback,
    PoemRequest,
)
from poetstudio.errors import UserError
from poetstudio.model_spec import spec_from_names


class LazyEngine:
    """An `EnginePort` over `poetstudio.engine.engine.Engine`, imported and built on the first `load`."""

    def __init__(self, base: str | None, adapter: str | None, device: str, blend_mode: str, quantize: str,
                 balanced: bool = True, threads: int = 0):
        """`threads` 0 decodes on every core but one, which the studio's screen keeps."""
        self.names = (base or None, adapter or None)
        self.settings = dict(device=device, blend_mode=blend_mode, quantize=quantize, balanced=balanced,
                             threads=threads, spare_cores=1)
        self.engine = None

    def load(self, on_event: Callable[[EngineEvent], None]) -> None:
        """Import and load the engine; events report progress, failure and readiness."""
        from poetstudio.engine.engine import Engine

        try:
            engine = Engine(spec_from_names(*self.names), **self.settings)
        except UserError as exc:
            on_event(LoadFailed(str(exc)))
            return

        def relay(event: EngineEvent) -> None:
            if isinstance(event, Loaded):
                self.engine = engine  # before the studio hears 'ready' and asks for a poem
            on_event(event)

        engine.load_reporting(relay)

    def generate(self, request: PoemRequest, on_piece: PieceCallback) -> list[GeneratedPoem]:
        """Write the request's variations with the real engine."""
        if self.engine is None:
            raise UserError("the model has not loaded yet; wait for it, or see why it failed")
        return self.engine.generate_variations(request, on_piece)

    def attribute(self, text: str, title: str, mood: str | None) -> Attribution | None:
        """Attribution by the real engine, or None before it has loaded."""
        return self.engine.attribute(text, title, mood) if self.engine else None

    def cancel(self) -> None:
        """Stop the running generation."""
        if self.engine is not None:
            self.engine.cancel()
