"""Messages from worker threads to the studio (posting a message is thread-safe in Textual)."""

from __future__ import annotations

from textual.message import Message

from poetstudio.analysis.report import PoemReading
from poetstudio.engine.api import Attribution, EngineEvent, GeneratedPoem


class EngineStatus(Message):
    """An engine event: loading progress, failure, or ready."""

    def __init__(self, event: EngineEvent) -> None:
        super().__init__()
        self.event = event


class PoemPiece(Message):
    """A piece of streamed text for variation `index`."""

    def __init__(self, index: int, text: str) -> None:
        super().__init__()
        self.index = index
        self.text = text


class GenerationDone(Message):
    """A generation ended: `poems` as returned by the engine, or `error` (one line); `refused`: the error is
    the engine's refusal of the request (a UserError: a prompt too long, a form the opening lines fill), not
    a failure."""

    def __init__(self, poems: list[GeneratedPoem], error: str | None = None, refused: bool = False) -> None:
        super().__init__()
        self.poems = poems
        self.error = error
        self.refused = refused


class BlendChanged(Message):
    """The poets pane changed the blend or mood."""


class AnalysisReady(Message):
    """A poem was read: its rhyme/metre reading, and (once the model has scored it) its attribution."""

    def __init__(self, text: str, reading: PoemReading | None, attribution: Attribution | None = None,
                 error: str | None = None) -> None:
        super().__init__()
        self.text = text
        self.reading = reading
        self.attribution = attribution
        self.error = error
