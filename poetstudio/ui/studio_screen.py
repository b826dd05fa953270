"""The studio's main screen and its layouts: the 2x2 grid, compact below COMPACT_WIDTH, and the focused pane
alone below SINGLE_WIDTH x SINGLE_HEIGHT (classes on the screen; studio.tcss draws them)."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer

from poetstudio.ui.actions import ACTIONS

COMPACT_WIDTH = 120  # below this: short poet names, no input borders, a compact footer
SINGLE_WIDTH, SINGLE_HEIGHT = 70, 22  # below either: only the focused pane, full screen
PANES = ("poets", "prompt", "poem", "library")


class StudioScreen(Screen):
    """The studio's main screen; its footer lists the studio's keys before the focused pane's, so a narrow
    terminal still shows ctrl+g and Escape."""

    @property
    def active_bindings(self):
        """Active bindings with the app's own first, in ACTIONS order."""
        bindings = super().active_bindings
        order = list(ACTIONS)

        def place(key: str) -> int:
            action = bindings[key].binding.action
            return order.index(action) if action in order else len(order)

        studio = sorted((k for k, b in bindings.items() if b.node is self.app), key=place)
        return {**{k: bindings[k] for k in studio}, **bindings}


def lay_out(screen: Screen, width: int, height: int) -> None:
    """Set the screen's layout classes (-compact, -single) and the footer's compactness for this size."""
    screen.set_class(width < COMPACT_WIDTH, "-compact")
    screen.set_class(width < SINGLE_WIDTH or height < SINGLE_HEIGHT, "-single")
    for footer in screen.query(Footer):
        footer.compact = width < COMPACT_WIDTH
