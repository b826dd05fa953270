"""Typed modal screens: ask for a line of text, confirm an action, show every key."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


class AskText(ModalScreen[str | None]):
    """Ask for one line of text; Enter returns it, Escape returns None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
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

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Return what was typed."""
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        """Return nothing."""
        self.dismiss(None)


class Confirm(ModalScreen[bool]):
    """Ask yes or no; y/Enter confirms, n/Escape declines."""

    BINDINGS = [Binding("y,enter", "answer(True)", "Yes"), Binding("n,escape", "answer(False)", "No")]
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
        """Buttons answer too."""
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        """Answer by key."""
        self.dismiss(answer)


class HelpScreen(ModalScreen[None]):
    """Every key of the studio, by pane."""

    BINDINGS = [Binding("escape,f1,q", "close", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical { width: 80; height: 90%; border: thick $accent; padding: 1 2; background: $surface; overflow-y: auto; }
    """

    def __init__(self, sections: dict[str, list[tuple[str, str]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        lines = ["[b]poetstudio keys[/b]  (Escape closes; keys can be changed in [keys] of the config file)", ""]
        for section, keys in self.sections.items():
            lines.append(f"[b]{section}[/b]")
            lines.extend(f"  {key:18} {text}" for key, text in keys)
            lines.append("")
        with Vertical():
            yield Static("\n".join(lines), id="help-text")

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
