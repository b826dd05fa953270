"""The Poem pane: the poem streaming in with live tokens, tokens/s and elapsed time; variations to flip;
once read, each line annotated with its rhyme letter and syllables, and the scheme, metre and form below."""

from __future__ import annotations

import time
from enum import StrEnum

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Static

from poetstudio.analysis.report import PoemReading
from poetstudio.forms.catalogue import FormSpecError, resolve_form
from poetstudio.forms.spec import FormSpec
from poetstudio.ui.gutter import annotated


class PoemState(StrEnum):
    """Where the Poem pane is: its value is the word the status line shows."""

    IDLE = "idle"
    WRITING = "writing"
    STOPPING = "stopping"
    DONE = "done"
    STOPPED = "stopped"
    FAILED = "failed"
    REFUSED = "refused"
    OPENED = "opened"
    RESTORED = "draft restored"


STREAMING = (PoemState.WRITING, PoemState.STOPPING)
KEEPS_EARLIER = (PoemState.STOPPED, PoemState.FAILED, PoemState.REFUSED)  # ended before a word: the earlier poem stays
REFRESH_SECONDS = 1 / 30  # redraw at most 30 times a second, however fast tokens come: the GIL is shared with decoding
STATUS_PRIORITY = (0, 1, 2, 4, 3)  # after the state word: variation, seed, tokens, elapsed time, tokens/s


def fitted(parts: list[str], priority: tuple[int, ...], width: int) -> list[str]:
    """The parts that fit in `width` columns, taken in order of `priority` (each a rank; 0 first) and kept in
    their own order; a part that does not fit is left out whole, never cut. A width of 0 or less (not laid out
    yet) keeps them all."""
    if width <= 0:
        return parts
    kept: set[int] = set()
    for index in sorted(range(len(parts)), key=lambda i: priority[i]):
        if len(parts[index]) <= width:
            kept.add(index)
            width -= len(parts[index])
    return [part for index, part in enumerate(parts) if index in kept]


class PoemPane(Vertical, can_focus=True):
    """Shows variation `shown` of the current poems and the live status line."""

    BINDINGS = [
        Binding("right,n", "flip(1)", "Next variation", tooltip="next variation", id="poem_next"),
        Binding("left,p", "flip(-1)", "Prev variation", tooltip="previous variation", id="poem_previous"),
        Binding("a", "toggle_annotations", "Rhyme/syllable gutter on/off", tooltip="rhyme/syllable gutter on/off",
                id="poem_gutter"),
        Binding("c", "copy", "Copy poem", tooltip="copy to the clipboard", id="poem_copy"),
        Binding("s", "pin_seed", "Pin seed", tooltip="pin this poem's seed", id="poem_pin_seed"),
        Binding("x", "export('md')", "Export .md (unsaved too)", show=False, tooltip="export Markdown (without saving)",
                id="poem_export_md"),
        Binding("t", "export('txt')", "Export .txt (unsaved too)", show=False, tooltip="export text (without saving)",
                id="poem_export_txt"),
        Binding("h", "app.session_poems", "This sitting's poems", show=False, tooltip="this sitting's earlier poems",
                id="poem_history"),
        Binding("up", "scroll('up')", "Scroll up", show=False),
        Binding("down", "scroll('down')", "Scroll down", show=False),
        Binding("pageup", "scroll('page_up')", "Page up", show=False),
        Binding("pagedown,space", "scroll('page_down')", "Page down", show=False),
        Binding("home", "scroll('home')", "Top of the poem", show=False),
        Binding("end", "scroll('end')", "End of the poem", show=False),
    ]

    class Shown(Message):
        """A finished poem is on screen (streamed, flipped to, opened, restored): the app reads it."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class PinSeed(Message):
        """Pin this seed in the Prompt pane, so ctrl+g writes this poem again."""

        def __init__(self, seed: int) -> None:
            super().__init__()
            self.seed = seed

    class Export(Message):
        """Export the poem on screen (saved or not) in this format."""

        def __init__(self, fmt: str) -> None:
            super().__init__()
            self.fmt = fmt

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.poems: list[str] = []
        self.opened_label = ""
        self.seeds: list[int] = []
        self.shown = 0
        self.tokens = 0
        self.started = 0.0
        self.finished_at: float | None = None
        self.state = PoemState.IDLE
        self.dirty = False
        self.reading: PoemReading | None = None
        self.annotate = True
        self.heading = ""
        self.before: tuple | None = None
        self.kept_earlier = False  # the poem shown is the one from before a request that wrote nothing
        self.next_poem = False  # stopping so that another poem can start (ctrl+g while writing)
        self.waiting_for_model = False  # a poem was asked for while the model loads
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

    def start(self, variations: int, seeds: list[int] | None = None, form: str | None = None) -> None:
        """A generation begins: clear and start the clock; `seeds` are the variations' seeds, shown at once;
        `form` is the form asked for (its marks go in the gutter)."""
        self.before = (self.poems, self.seeds, self.shown, self.heading, self.form)
        self.kept_earlier = self.next_poem = self.waiting_for_model = False
        self.set_form(form)
        self.poems = [""] * variations
        self.seeds = list(seeds or [])
        self.shown = 0
        self.tokens = 0
        self.started = time.perf_counter()
        self.finished_at = None
        self.state = PoemState.WRITING
        self.heading = ""
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

    def finish(self, state: PoemState, tokens: int | None = None, seeds: list[int] | None = None) -> bool:
        """The generation ended (DONE, STOPPED, FAILED, or REFUSED by the engine); keep whatever was written.
        One that was stopped, failed or refused before writing anything brings back the poem that was on
        screen, its status saying so (and returns True)."""
        self.next_poem = False
        if state in KEEPS_EARLIER and not any(p.strip() for p in self.poems) and self.before is not None:
            self.restore_earlier(state)
            return True
        self.dirty = False
        self.finished_at = time.perf_counter()
        self.state = PoemState(state)
        if tokens is not None:
            self.tokens = tokens
        if seeds:
            self.seeds = seeds
        self.reading = None
        self._show(top=True)
        self._announce()
        return False

    def restore_earlier(self, state: PoemState) -> None:
        """Show again the poem that was on screen before a request that wrote nothing; the status says what
        became of the request (`state`) and that the poem below is the earlier one."""
        self.poems, self.seeds, self.shown, self.heading, self.form = self.before
        self.before = None
        self.dirty = False
        self.finished_at = time.perf_counter()
        self.state = PoemState(state)
        self.kept_earlier = any(p.strip() for p in self.poems)
        self._show(top=True)
        self._announce()

    def refuse(self) -> None:
        """A poem asked for was refused before it was started (a bad setting, a theme too long): the status
        says so above the poem on screen, which stays as it was (nothing happens while one is being written)."""
        if self.streaming:
            return
        self.state = PoemState.REFUSED
        self.kept_earlier = bool(self.text.strip())
        self._show()

    def wait_for_model(self, waiting: bool) -> None:
        """A poem was asked for while the model loads (or no longer is): the empty pane says when it starts."""
        self.waiting_for_model = waiting
        self._show()

    def stopping(self, next_poem: bool = False) -> None:
        """Escape (or, with `next_poem`, ctrl+g for another poem) was pressed: say so at once (the engine stops
        within a token)."""
        if self.streaming:
            self.state = PoemState.STOPPING
            self.next_poem = next_poem
            self._show()

    def load(self, poems: list[str], seeds: list[int] | None = None, state: PoemState = PoemState.OPENED,
             heading: str = "", form: str | None = None, label: str = "") -> None:
        """Show poems that were not streamed (draft, library), from their top; `label` says which in the status
        line ('opened #12'), `heading` names an opened poem, `form` the form it was asked to meet."""
        self.set_form(form)
        self.before = None
        self.kept_earlier = self.next_poem = self.waiting_for_model = False
        self.poems = poems or [""]
        self.seeds = seeds or []
        self.shown = 0
        self.tokens = 0
        self.finished_at = self.started = time.perf_counter()
        self.state = PoemState(state)
        self.opened_label = label
        self.heading = heading
        self.reading = None
        self._show(top=True)
        self._announce()

    def retitle(self, heading: str) -> None:
        """A new heading for the poem on screen (its title changed in the library)."""
        self.heading = heading
        self._status()

    def show_reading(self, text: str, reading: PoemReading) -> None:
        """Annotate the poem on screen with its reading (ignored if another poem is on screen by now)."""
        if text == self.text and not self.streaming:
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
    def streaming(self) -> bool:
        """True while a poem is being written (or is stopping)."""
        return self.state in STREAMING

    @property
    def text(self) -> str:
        """The poem on screen."""
        return self.poems[self.shown] if self.poems else ""

    def action_flip(self, delta: int) -> None:
        """Show the next or previous variation."""
        if len(self.poems) > 1:
            self.shown = (self.shown + delta) % len(self.poems)
            self.reading = None
            self._show(top=True)
            if not self.streaming:
                self._announce()

    def action_scroll(self, where: str) -> None:
        """Scroll the poem by keyboard: up, down, page_up, page_down, home, end."""
        scroll = self.query_one("#poem-scroll", VerticalScroll)
        moves = {"up": scroll.scroll_up, "down": scroll.scroll_down, "page_up": scroll.scroll_page_up,
                 "page_down": scroll.scroll_page_down, "home": scroll.scroll_home, "end": scroll.scroll_end}
        moves[where](animate=False)

    def action_copy(self) -> None:
        """Copy the poem on screen to the clipboard (through the terminal)."""
        if not self.text.strip():
            self.app.notify("no poem to copy yet", severity="warning")
            return
        self.app.copy_to_clipboard(self.text)
        self.app.notify("poem copied to the clipboard (if your terminal allows programs to set it)")

    @property
    def seed(self) -> int | None:
        """The seed of the poem on screen, when known."""
        return self.seeds[self.shown] if self.shown < len(self.seeds) else None

    def action_pin_seed(self) -> None:
        """Ask the studio to pin the seed of the poem on screen."""
        if self.seed is None:
            self.app.notify("this poem's seed is not known", severity="warning")
            return
        self.post_message(self.PinSeed(self.seed))

    def action_export(self, fmt: str) -> None:
        """Ask the studio to export the poem on screen."""
        if not self.text.strip():
            self.app.notify("no poem to export yet", severity="warning")
            return
        self.post_message(self.Export(fmt))

    def _elapsed(self) -> float:
        end = self.finished_at if self.finished_at is not None else time.perf_counter()
        return max(0.0, end - self.started) if self.started else 0.0

    def _tick(self) -> None:
        if self.dirty:
            self.dirty = False
            self._show()
        elif self.streaming:
            self._status()

    def _status(self) -> None:
        elapsed = self._elapsed()
        rate = self.tokens / elapsed if elapsed > 0 else 0.0
        variation = f" · variation {self.shown + 1}/{len(self.poems)}" if len(self.poems) > 1 else ""
        seed = f" · seed {self.seed}" if self.seed is not None else ""
        heading = f" {self.heading}" if self.heading else ""
        line = Text()
        if self.state in (PoemState.IDLE, PoemState.OPENED, PoemState.RESTORED):
            if self.state != PoemState.IDLE:
                line.append(self.opened_label or self.state, style="bold")
                line.append(f"{heading}{variation}{seed}")
        elif self.kept_earlier or (self.state in KEEPS_EARLIER and not self.text.strip()):
            line.append(self.state, style="bold" if self.state == PoemState.STOPPED else "bold red")
            line.append(" · nothing was written")
            if self.kept_earlier:
                line.append(f"; the earlier poem stays below{heading}{variation}{seed}")
        else:
            line.append(self.state, style="bold")
            parts = [variation, seed, f" · {self.tokens} tokens", f" · {rate:.0f} tok/s", f" · {elapsed:.1f}s"]
            status = self.query_one("#poem-status", Static)
            line.append("".join(fitted(parts, STATUS_PRIORITY, status.size.width - len(self.state))))
        self.query_one("#poem-status", Static).update(line)

    def on_resize(self) -> None:
        self._status()  # what fits on the status line depends on the width
        if self.reading is not None and self.annotate:
            self.call_after_refresh(self._show)  # the gutter wraps long lines to the width the poem gets

    def placeholder(self) -> str:
        """What the body says while there is no poem to show: a poem starting, stopping, or none yet."""
        if self.state == PoemState.WRITING or (self.state == PoemState.STOPPING and self.next_poem):
            return "(starting the poem: the model is reading the prompt…)"
        if self.state == PoemState.STOPPING:
            return "(stopping…)"
        if self.waiting_for_model:
            return "(the poem will start once the model has loaded)"
        return "(no poem yet: write a theme, then ctrl+g)"

    def _show(self, top: bool = False) -> None:
        """Redraw; while writing, follow the end; `top` scrolls to the poem's first line."""
        reading = self.reading if self.annotate else None
        plain = self.text or self.placeholder()
        width = self.query_one("#poem-scroll", VerticalScroll).scrollable_content_region.width
        body = annotated(self.text, reading, self.form, width) if reading and reading.lines else plain
        self.query_one("#poem-text", Static).update(body)
        self.query_one("#poem-reading", Static).update(reading.summary if reading else "")
        self._status()
        scroll = self.query_one("#poem-scroll", VerticalScroll)
        if self.streaming:
            scroll.scroll_end(animate=False)
        elif top:
            scroll.scroll_home(animate=False)
