"""The Poem pane: the poem streaming in with live tokens, tokens/s and elapsed time; variations to flip."""

from __future__ import annotations

import time

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static


REFRESH_SECONDS = 1 / 30  # redraw at most 30 times a second, however fast tokens come: the GIL is shared with decoding


class PoemPane(Vertical, can_focus=True):
    """Shows variation `shown` of the current poems and the live status line."""

    BINDINGS = [
        Binding("right,n", "flip(1)", "Next variation"),
        Binding("left,p", "flip(-1)", "Prev variation"),
    ]

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

    def compose(self) -> ComposeResult:
        yield Static("", id="poem-status")
        with VerticalScroll(id="poem-scroll"):
            yield Static("", id="poem-text", markup=False)

    def on_mount(self) -> None:
        self.set_interval(REFRESH_SECONDS, self._tick)

    def start(self, variations: int) -> None:
        """A generation begins: clear and start the clock."""
        self.poems = [""] * variations
        self.seeds = []
        self.shown = 0
        self.tokens = 0
        self.started = time.perf_counter()
        self.finished_at = None
        self.state = "writing"
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
        self._show()

    def load(self, poems: list[str], seeds: list[int] | None = None, state: str = "opened") -> None:
        """Show poems that were not streamed (draft, library)."""
        self.poems = poems or [""]
        self.seeds = seeds or []
        self.shown = 0
        self.tokens = 0
        self.finished_at = self.started = time.perf_counter()
        self.state = state
        self._show()

    @property
    def text(self) -> str:
        """The poem on screen."""
        return self.poems[self.shown] if self.poems else ""

    def action_flip(self, delta: int) -> None:
        """Show the next or previous variation."""
        if len(self.poems) > 1:
            self.shown = (self.shown + delta) % len(self.poems)
            self._show()

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
        self.query_one("#poem-text", Static).update(self.text or "(no poem yet: write a theme, then ctrl+g)")
        self._status()
        self.query_one("#poem-scroll", VerticalScroll).scroll_end(animate=False)
