"""The Poem pane: the poem streaming in with live tokens, tokens/s and elapsed time; variations to flip;
once read, each line annotated with its rhyme letter and syllables, and the scheme, metre and form below."""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Static

from poetstudio.analysis.report import PoemReading
from poetstudio.forms.catalogue import FormSpecError, resolve_form
from poetstudio.forms.check import check_poem
from poetstudio.forms.spec import FormSpec


REFRESH_SECONDS = 1 / 30  # redraw at most 30 times a second, however fast tokens come: the GIL is shared with decoding
LETTER_STYLES = ("bold cyan", "bold magenta", "bold yellow", "bold green", "bold blue", "bold red")


def annotated(text: str, reading: PoemReading, form: FormSpec | None = None) -> Text:
    """The poem with a gutter per line: rhyme letter (~ marks a slant rhyme) and syllable count, and with a
    form asked for, whether the line meets it (✓, or what it missed: syl, rhy, ref, met)."""
    out = Text()
    lines = iter(reading.lines)
    marks = iter([c.mark for c in check_poem(text, form, reading).lines] if form and not form.free else [])
    for raw in text.rstrip("\n").split("\n"):
        line = next(lines, None) if raw.strip() else None
        if line is None:
            out.append("        ")
        else:
            style = LETTER_STYLES[(ord(line.letter[0]) - 65) % len(LETTER_STYLES)] if line.letter else ""
            out.append(f"{line.letter:>2}", style=style)
            out.append("~" if line.rhyme == "slant" else " ", style="dim")
            out.append(f"{line.syllables:>3} ", style="dim")
            mark = next(marks, None)
            if mark is not None:
                out.append(f"{mark:>3} ", style="green" if mark == "\u2713" else "bold red")
            out.append("│ ", style="dim")
        out.append(raw + "\n")
    return out


class PoemPane(Vertical, can_focus=True):
    """Shows variation `shown` of the current poems and the live status line."""

    BINDINGS = [
        Binding("right,n", "flip(1)", "Next variation"),
        Binding("left,p", "flip(-1)", "Prev variation"),
        Binding("a", "toggle_annotations", "Rhyme/syllable gutter on/off"),
    ]

    class Shown(Message):
        """A finished poem is on screen (streamed, flipped to, opened, restored): the app reads it."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.poems: list[str] = []
        self.seeds: list[int] = []
        self.shown = 0
        self.tokens = 0
        self.started = 0.0
        self.finished_at: float | None = None
        self.state = "idle"
        self.dirty = False
        self.reading: PoemReading | None = None
        self.annotate = True
        self.form: FormSpec | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="poem-status")
        with VerticalScroll(id="poem-scroll"):
            yield Static("", id="poem-text", markup=False)
        yield Static("", id="poem-reading", markup=False)

    def on_mount(self) -> None:
        self.set_interval(REFRESH_SECONDS, self._tick)

    def set_form(self, form: str | None) -> None:
        """The form the poem on screen was asked to meet (None, or one that no longer parses: no marks)."""
        try:
            self.form = resolve_form(form) if form else None
        except FormSpecError:
            self.form = None

    def start(self, variations: int, form: str | None = None) -> None:
        """A generation begins: clear and start the clock."""
        self.set_form(form)
        self.poems = [""] * variations
        self.seeds = []
        self.shown = 0
        self.tokens = 0
        self.started = time.perf_counter()
        self.finished_at = None
        self.state = "writing"
        self.reading = None
        self._show()

    def add(self, index: int, piece: str) -> None:
        """Append streamed text to a variation (and show it if it is the one on screen)."""
        while len(self.poems) <= index:
            self.poems.append("")
        self.poems[index] += piece
        self.tokens += 1
        if index != self.shown and not self.poems[self.shown].strip():
            self.shown = index
        self.dirty = self.dirty or index == self.shown

    def finish(self, state: str, tokens: int | None = None, seeds: list[int] | None = None) -> None:
        """The generation ended ('done' or 'stopped'); keep whatever was written."""
        self.dirty = False
        self.finished_at = time.perf_counter()
        self.state = state
        if tokens is not None:
            self.tokens = tokens
        if seeds:
            self.seeds = seeds
        self.reading = None
        self._show()
        self._announce()

    def load(self, poems: list[str], seeds: list[int] | None = None, state: str = "opened",
             form: str | None = None) -> None:
        """Show poems that were not streamed (draft, library)."""
        self.set_form(form)
        self.poems = poems or [""]
        self.seeds = seeds or []
        self.shown = 0
        self.tokens = 0
        self.finished_at = self.started = time.perf_counter()
        self.state = state
        self.reading = None
        self._show()
        self._announce()

    def show_reading(self, text: str, reading: PoemReading) -> None:
        """Annotate the poem on screen with its reading (ignored if another poem is on screen by now)."""
        if text == self.text and self.state != "writing":
            self.reading = reading
            self._show()

    def action_toggle_annotations(self) -> None:
        """Show or hide the rhyme letters and syllable counts."""
        self.annotate = not self.annotate
        self._show()

    def _announce(self) -> None:
        if self.text.strip():
            self.post_message(self.Shown(self.text))

    @property
    def text(self) -> str:
        """The poem on screen."""
        return self.poems[self.shown] if self.poems else ""

    def action_flip(self, delta: int) -> None:
        """Show the next or previous variation."""
        if len(self.poems) > 1:
            self.shown = (self.shown + delta) % len(self.poems)
            self.reading = None
            self._show()
            if self.state != "writing":
                self._announce()

    def _elapsed(self) -> float:
        end = self.finished_at if self.finished_at is not None else time.perf_counter()
        return max(0.0, end - self.started) if self.started else 0.0

    def _tick(self) -> None:
        if self.dirty:
            self.dirty = False
            self._show()
        elif self.state == "writing":
            self._status()

    def _status(self) -> None:
        elapsed = self._elapsed()
        rate = self.tokens / elapsed if elapsed > 0 else 0.0
        variation = f" · variation {self.shown + 1}/{len(self.poems)}" if len(self.poems) > 1 else ""
        seed = f" · seed {self.seeds[self.shown]}" if self.shown < len(self.seeds) else ""
        if self.state in ("idle", "opened", "draft restored") or self.state.startswith("opened"):
            line = f"[b]{self.state}[/b]{variation}{seed}" if self.state != "idle" else ""
        else:
            line = f"[b]{self.state}[/b] · {self.tokens} tokens · {rate:.0f} tok/s · {elapsed:.1f}s{variation}{seed}"
        self.query_one("#poem-status", Static).update(line)

    def _show(self) -> None:
        reading = self.reading if self.annotate else None
        body = annotated(self.text, reading, self.form) if reading and reading.lines else (self.text or "(no poem yet: write a theme, then ctrl+g)")
        self.query_one("#poem-text", Static).update(body)
        self.query_one("#poem-reading", Static).update(reading.summary if reading else "")
        self._status()
        self.query_one("#poem-scroll", VerticalScroll).scroll_end(animate=False)
