"""Keys handled in the order typed, each before the next, as in any editor.

Textual hands a key to the focused widget's own message queue. Keys a widget binds (Home, Backspace, ctrl+k in a
text box; `=` in the Poets pane) then bubble up to the app, whose queue already holds the keys typed after them:
a fast typist's `abc` Home `X` came out `abcX`, `=` then `0.4` reached the Poets pane before its dialog opened,
and ctrl+a ctrl+k before a theme left the box empty. Here the app takes each key itself, from its own queue,
in order: the focused text field types it (its own handler, called now), else a binding runs it now; only a
key nobody takes goes on the usual way.

Keys that arrive while a dialog opens wait (`KeyQueue`) until it is ready (poetstudio.ui.modals.KeepsEarlyKeys),
then go one per turn of the app's queue, so what a key sets off (a dialog's answer, handed back on the app's
next turn) is done before the next key is read: Enter in a list, then ctrl+s, saves the poem Enter chose.

This reaches into three of Textual's private hooks (`_check_bindings`, a field's `_on_key`/`_on_paste`, and
a message's `_stop_propagation`); pyproject keeps textual below 9, and tests/test_studio_input.py holds the order.
"""

from __future__ import annotations

import inspect
from collections import deque

from textual.app import App
from textual.events import Event, Key, Paste
from textual.widgets import Input, TextArea

TEXT_FIELDS = (Input, TextArea)


class KeyQueue:
    """The keys and pastes waiting for a dialog to open, and those typed after them, in order."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.waiting: deque[Event] = deque()
        self.replaying: Event | None = None
        self.scheduled = False

    def blocked(self) -> bool:
        """True while the screen on top is a dialog that is still opening."""
        return not getattr(self.app.screen, "keys_ready", True)

    async def take(self, event: Event) -> bool:
        """Handle a key or paste from the terminal now, or keep it for its turn; True when taken (the caller
        passes anything else on to Textual as usual)."""
        if not isinstance(event, (Key, Paste)) or event.is_forwarded or not self.app._screen_stack:
            return False
        if event is not self.replaying and (self.waiting or self.blocked()):
            self.waiting.append(event)
            if not self.blocked():
                self.schedule()
            return True
        return await handle_now(self.app, event)

    def schedule(self) -> None:
        """Give the next waiting key a turn of the app's queue (a dialog calls this once it is ready)."""
        if not self.scheduled:
            self.scheduled = True
            self.app.call_later(self._next)

    async def _next(self) -> None:
        """Hand the oldest waiting key to the app, as if it had just arrived; the rest wait for later turns."""
        self.scheduled = False
        if not self.waiting or self.blocked():
            return
        self.replaying = self.waiting.popleft()
        try:
            await self.app.on_event(self.replaying)
        finally:
            self.replaying = None
        if self.waiting:
            self.schedule()


async def handle_now(app: App, event: Event) -> bool:
    """A key or paste done now: a priority binding, else the focused text field's own typing, else a binding
    along the focus chain. False when none of them took it."""
    focused = app.focused
    if isinstance(event, Paste):
        if isinstance(focused, TEXT_FIELDS):
            await _dispatch(focused, event, "on_paste")
            return True
        return False
    if await app._check_bindings(event.key, priority=True):
        return True
    if isinstance(focused, TEXT_FIELDS):
        await _dispatch(focused, event, "on_key")
        if event._stop_propagation:
            return True
    return await app._check_bindings(event.key)


async def _dispatch(widget, event: Event, name: str) -> None:
    """Run `widget`'s handlers for `event` as Textual would (each class's `_on_x`/`on_x`, most derived first,
    until one prevents the default), awaiting those that are coroutines: a subclass's handler that passes a
    one-line paste on still reaches Input's own."""
    for _cls, method in widget._get_dispatch_methods(name, event):
        result = method(event)
        if inspect.isawaitable(result):
            await result
