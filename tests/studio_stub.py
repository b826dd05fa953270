"""A deterministic stand-in for the engine (the studio's EnginePort), for Pilot tests that must not depend on
model timing: it loads at once (or when told, or fails), and writes a poem made from the request's seed."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from poetstudio.analysis.attribution import Attribution
from poetstudio.engine.events import Loaded, LoadFailed, LoadProgress
from poetstudio.errors import UserError
from poetstudio.poets import STUDIO_POETS


@dataclass
class Result:
    token_ids: list = field(default_factory=list)
    cancelled: bool = False


@dataclass
class StubPoem:
    text: str
    seed: int
    result: Result


class StubEngine:
    """`load_gate`: an Event the load waits for; `load_error`: raised by load; `hold`: generation streams until
    cancelled; `lines`: lines per poem; `context`: a prompt (theme + opening) of this many characters is refused."""

    def __init__(self, load_gate: threading.Event | None = None, load_error: Exception | None = None,
                 fail_message: str | None = None, hold: bool = False, lines: int = 4, context: int | None = None,
                 generate_error: Exception | None = None):
        self.load_gate = load_gate
        self.load_error = load_error
        self.fail_message = fail_message
        self.hold = hold
        self.lines = lines
        self.context = context
        self.generate_error = generate_error
        self.requests = []
        self.cancelled = threading.Event()
        self.started = threading.Event()

    def load(self, on_event):
        on_event(LoadProgress("loading the stand-in model"))
        if self.load_gate is not None:
            self.load_gate.wait(10)
        if self.load_error is not None:
            raise self.load_error
        if self.fail_message is not None:
            on_event(LoadFailed(self.fail_message))
            return
        on_event(Loaded("/models/stub-base", "/models/stub-adapter", "cpu"))

    def poets(self):
        return {p.name: {"poems": 100} for p in STUDIO_POETS if p.public_domain}

    def moods(self):
        return ["Fear", "Joy"]

    def poem_text(self, seed: int) -> str:
        return "".join(f"Line {n} of the poem seeded {seed},\n" for n in range(1, self.lines + 1))

    def generate(self, request, on_piece):
        self.requests.append(request)
        self.cancelled.clear()
        if self.generate_error is not None:
            raise self.generate_error
        if self.context is not None and len(request.theme) + len(request.opening) > self.context:
            raise UserError("the prompt is longer than the model's context")
        poems = []
        for index in range(request.variations):
            seed = request.sampling.seed + index
            text = self.poem_text(seed)
            on_piece(index, text)
            self.started.set()
            if self.hold:
                self.cancelled.wait(10)
            cancelled = self.cancelled.is_set()
            poems.append(StubPoem(text, seed, Result(list(range(10)), cancelled)))
            if cancelled:
                break
        return poems

    def attribute(self, text, title, mood):
        shares = {poet: 0.0 for poet in self.poets()}
        shares.update({"Emily Dickinson": 0.6, "Edgar Allan Poe": 0.4})
        return Attribution(shares, {}, 30)

    def cancel(self):
        self.cancelled.set()
