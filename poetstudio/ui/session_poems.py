"""This sitting's poems: every generation that wrote something, kept (with the request and prompt that made
it) until the studio closes, so a person can step back to an earlier poem and save it, as chat tools keep a
conversation. `h` in the Poem pane lists them."""

from __future__ import annotations

import time
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from poetstudio.engine.request import PoemRequest
from poetstudio.ui.modals import KeepsEarlyKeys

MAX_SESSION_POEMS = 500  # generations kept in one sitting: text only, well under a megabyte; the oldest go first
FIRST_LINE_CELLS = 40  # how much of a poem's first line its row in the list shows


@dataclass(frozen=True)
class SessionPoem:
    """One generation of this sitting: its variations and their seeds, the request, and the prompt as typed
    (theme and opening lines) when it was asked for, and when it was written (HH:MM)."""

    request: PoemRequest
    poems: tuple[str, ...]
    seeds: tuple[int, ...]
    theme: str
    opening: str
    written: str

    @property
    def first_line(self) -> str:
        """The first line with words in it, of the first variation."""
        return next((line.strip() for line in self.poems[0].splitlines() if line.strip()), "")

    def row(self, number: int) -> str:
        """Its line in the list: number, time, theme, the blend, and how it begins."""
        blend = ", ".join(f"{poet.split()[-1]} {weight:g}" for poet, weight in self.request.blend.items())
        variations = f" · {len(self.poems)} variations" if len(self.poems) > 1 else ""
        line = self.first_line
        line = line if len(line) <= FIRST_LINE_CELLS else line[:FIRST_LINE_CELLS - 1] + "…"
        return f"{number:>3}. {self.written}  {self.request.theme} · {blend}{variations} · “{line}”"


class SessionPoems:
    """The sitting's generations, oldest first, at most MAX_SESSION_POEMS."""

    def __init__(self) -> None:
        self.entries: list[SessionPoem] = []

    def add(self, request: PoemRequest, poems: list[str], seeds: list[int], theme: str, opening: str) -> None:
        """Keep a generation that wrote something (variations with no words are left out)."""
        kept = [(text, seed) for text, seed in zip(poems, seeds, strict=False) if text.strip()]
        if not kept:
            return
        self.entries.append(SessionPoem(request, tuple(t for t, _ in kept), tuple(s for _, s in kept), theme,
                                        opening, time.strftime("%H:%M")))
        del self.entries[:-MAX_SESSION_POEMS]

    def __len__(self) -> int:
        return len(self.entries)


class SessionPicker(KeepsEarlyKeys, ModalScreen[int | None]):
    """The sitting's poems, newest first; Enter shows the one under the cursor, Escape closes."""

    BINDINGS = [Binding("escape,h", "close", "Close"), Binding("enter", "choose", "Show", priority=True)]
    DEFAULT_CSS = """
    SessionPicker { align: center middle; }
    SessionPicker > Vertical { width: 100; max-width: 100%; height: auto; max-height: 90%; border: thick $accent;
                               padding: 0 1; background: $surface; }
    SessionPicker OptionList { height: auto; max-height: 20; }
    """
    AUTO_FOCUS = "OptionList"

    def __init__(self, poems: SessionPoems, shown: int | None) -> None:
        super().__init__()
        self.poems = poems
        self.shown = shown

    def compose(self) -> ComposeResult:
        count = len(self.poems)
        with Vertical():
            yield Label(f"This sitting's poems ({count}; Enter shows one, Escape closes):")
            options = [Option(("▶ " if i == self.shown else "  ") + entry.row(i + 1), id=str(i))
                       for i, entry in reversed(list(enumerate(self.poems.entries)))]
            yield OptionList(*options)

    def on_mount(self) -> None:
        """Put the cursor on the poem on screen (else the newest)."""
        shown = self.shown if self.shown is not None else len(self.poems) - 1
        self.query_one(OptionList).highlighted = len(self.poems) - 1 - shown

    def action_choose(self) -> None:
        """Show the poem under the cursor. A binding of the dialog's own, run as the key comes (the list's own
        Enter posts a message that keys typed next, such as ctrl+s, would overtake)."""
        option = self.query_one(OptionList).highlighted_option
        if option is not None:
            self.dismiss(int(option.id))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """A click on a poem shows it."""
        if self.is_current:
            self.dismiss(int(event.option.id))

    def action_close(self) -> None:
        """Close without changing the poem on screen."""
        self.dismiss(None)
