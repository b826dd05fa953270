"""Typed modal screens: ask for a line of text (or a title, never empty), confirm an action, show every key."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


class KeepsEarlyKeys:
    """A dialog that keeps the keys typed while it opens. A terminal delivers a fast typist's keys in bursts: the
    ones after the key that opened a dialog arrive before the dialog has mounted and focused its field, and would
    be dropped (`=` then `0.4` typed at once left the weight unchanged). While `keys_ready` is False the app holds
    them (poetstudio.ui.key_order.KeyQueue); once the dialog is drawn and its field focused, they follow in order."""

    keys_ready: bool = False

    def on_mount(self) -> None:
        self.call_after_refresh(self._ready)  # once every mount handler has run and the dialog is drawn

    def _ready(self) -> None:
        """Focus the field now (not after a refresh) and let the keys typed meanwhile through."""
        if self.focused is None:
            target = next((w for w in self.query(self.AUTO_FOCUS or "*") if w.focusable), None)
            if target is not None:
                self.set_focus(target)
        self.keys_ready = True
        queue = getattr(self.app, "key_queue", None)
        if queue is not None:
            queue.schedule()


class AskText(KeepsEarlyKeys, ModalScreen[str | None]):
    """Ask for one line of text; Enter returns it, Escape returns None. Both answer as the key comes (priority
    bindings of the dialog's own), so keys typed after Enter reach what is behind the dialog, not its field."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("enter", "answer", "OK", priority=True)]
    DEFAULT_CSS = """
    AskText { align: center middle; }
    AskText > Vertical { width: 60; height: auto; border: thick $accent; padding: 1 2; background: $surface; }
    """

    def __init__(self, question: str, default: str = "") -> None:
        super().__init__()
        self.question = question
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            yield Input(value=self.default, id="answer")

    def action_answer(self) -> None:
        """Return what was typed."""
        self.answer(self.query_one(Input).value)

    def answer(self, text: str) -> None:
        """Close with `text` as the answer (subclasses may refuse it and stay open)."""
        if self.is_current:
            self.dismiss(text)

    def action_cancel(self) -> None:
        """Return nothing."""
        if self.is_current:
            self.dismiss(None)


class AskTitle(AskText):
    """Ask for a poem's title (save, rename): an empty one is refused with a message and the dialog stays
    open (Escape cancels), as the library and the CLI refuse it."""

    def answer(self, text: str) -> None:
        """Return the title typed, trimmed; refuse an empty one."""
        if not text.strip():
            self.app.notify("a title cannot be empty: type one, or press Escape to cancel", severity="error")
            return
        super().answer(text.strip())


class Confirm(KeepsEarlyKeys, ModalScreen[bool]):
    """Ask yes or no; y/Enter confirms, n/Escape declines."""

    BINDINGS = [Binding("y,enter", "answer(True)", "Yes", priority=True),
                Binding("n,escape", "answer(False)", "No", priority=True)]
    DEFAULT_CSS = """
    Confirm { align: center middle; }
    Confirm > Vertical { width: 60; height: auto; border: thick $error; padding: 1 2; background: $surface; }
    """

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            yield Button("Yes (y)", variant="error", id="yes")
            yield Button("No (n)", id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Buttons answer too (a click)."""
        self.action_answer(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        """Answer by key, as it comes."""
        if self.is_current:
            self.dismiss(answer)


class HelpScreen(KeepsEarlyKeys, ModalScreen[None]):
    """Every key of the studio, by pane; scrolls by keyboard, and F1, Escape or q closes it."""

    BINDINGS = [Binding("escape,f1,q", "close", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 84; max-width: 100%; height: 90%; border: thick $accent; padding: 0 1;
                                  background: $surface; }
    """

    def __init__(self, sections: dict[str, list[tuple[str, str]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        text = Text()
        text.append("poetstudio keys", style="bold")
        text.append("  (↑/↓, PgUp/PgDn, Home/End scroll; F1 or Escape closes; keys can be changed in [keys] "
                    "of the config file by the [names] below, see `poetstudio config`)\n\n")
        for section, keys in self.sections.items():
            text.append(f"{section}\n", style="bold")
            for key, what in keys:
                text.append(f"  {key:20} {what}\n")
            text.append("\n")
        with VerticalScroll(id="help-scroll"):
            yield Static(text, id="help-text", markup=False)

    AUTO_FOCUS = "#help-scroll"

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
