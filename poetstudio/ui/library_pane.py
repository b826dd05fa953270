"""The Library pane: saved poems newest first, search as you type, open, rename, delete and undo, export.

Letters typed while the list has focus go to the search box (the README promises "type to search"), so
the list's own keys are keys no one types into a search: Enter, F2, Delete, ctrl+z, ctrl+f, ctrl+e, ctrl+t.
"""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import Key
from textual.message import Message
from textual.widgets import Input, Label, ListItem, ListView
from textual.widgets.input import Selection

from poetstudio.errors import UserError
from poetstudio.library import Library, SavedPoem
from poetstudio.ui.exporting import export_poem
from poetstudio.ui.poem_fields import blend_summary, check_fields


class PoemItem(ListItem):
    """One saved poem in the list; a row with damaged fields says so instead of failing."""

    def __init__(self, poem: SavedPoem) -> None:
        fields = check_fields(poem)
        label = Text("★ " if poem.favourite else "")
        label.append(str(poem.title))
        if fields.damaged:
            label.append(f"  ⚠ damaged: {', '.join(fields.damaged)}", style="bold red")
        else:
            label.append(f"  {blend_summary(fields.blend)}", style="dim")
        super().__init__(Label(label))
        self.poem = poem


class SearchBox(Input):
    """The library's search box; Down moves to the list. Focus selects the old query (typing replaces it),
    except when the focus came from typing in the list."""

    BINDINGS = [Binding("down", "to_list", "To the list", show=False)]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.typed_from_list = False

    def type_from_list(self, character: str | None) -> None:
        """Take focus with a key typed in the list: insert it (None: delete left) and keep the cursor at the end."""
        self.typed_from_list = True
        self.screen.set_focus(self)  # now, not after a refresh: the keys typed next must land here
        if character is None:
            self.action_delete_left()
        else:
            self.insert_text_at_cursor(character)

    def _on_focus(self, _event) -> None:
        if self.typed_from_list:  # after Input's own focus handler has selected the query
            self.typed_from_list = False
            self.call_next(lambda: setattr(self, "selection", Selection.cursor(len(self.value))))

    def action_to_list(self) -> None:
        """Move focus to the list of poems."""
        self.screen.set_focus(self.screen.query_one("#poems", ListView))  # now: Enter typed next opens


class PoemList(ListView):
    """The list of poems; typing goes to the search box, the keys below act on the highlighted poem."""

    BINDINGS = [
        Binding("enter", "app.open_highlighted", "Open", show=False, tooltip="open", id="library_open"),
        Binding("f2", "pane('rename')", "Rename", tooltip="rename", id="library_rename"),
        Binding("delete", "pane('delete')", "Delete", tooltip="delete", id="library_delete"),
        Binding("ctrl+z", "pane('undo')", "Undo delete", tooltip="undo delete", id="library_undo"),
        Binding("ctrl+f", "pane('favourite')", "Favourite", tooltip="favourite", id="library_favourite"),
        Binding("ctrl+e", "pane('export(\"md\")')", "Export .md", tooltip="export Markdown", id="library_export_md"),
        Binding("ctrl+t", "pane('export(\"txt\")')", "Export .txt", tooltip="export text", id="library_export_txt"),
    ]

    async def action_pane(self, action: str) -> None:
        """Run a Library pane action on the highlighted poem."""
        await self.parent.run_action(action)

    def on_key(self, event: Key) -> None:
        """A printable key or Backspace edits the search instead."""
        search = self.screen.query_one("#search", SearchBox)
        if event.is_printable and event.character:
            search.type_from_list(event.character)
        elif event.key == "backspace":
            search.type_from_list(None)
        else:
            return
        event.stop()
        event.prevent_default()


class LibraryPane(Vertical):
    """Search box over a list of poems; the list's keys act on the highlighted poem."""

    class Open(Message):
        """Open this poem in the studio."""

        def __init__(self, poem: SavedPoem) -> None:
            super().__init__()
            self.poem = poem

    class Renamed(Message):
        """A saved poem has a new title (the studio retitles it if it is on screen)."""

        def __init__(self, poem: SavedPoem) -> None:
            super().__init__()
            self.poem = poem

    def __init__(self, library: Library | None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.library = library
        self.deleted: list[int] = []

    def compose(self) -> ComposeResult:
        yield SearchBox(placeholder="search title, text, poets…", id="search")
        yield PoemList(id="poems")

    async def on_mount(self) -> None:
        await self.refresh_list()

    async def refresh_list(self, keep: int | None = None) -> None:
        """Re-run the search (or list all); the highlight stays on poem `keep` (or the highlighted poem), else
        on the same row."""
        if self.library is None:
            return
        view = self.query_one("#poems", ListView)
        if keep is None and self.highlighted is not None:
            keep = self.highlighted.id
        row = view.index or 0
        query = self.query_one("#search", Input).value
        try:
            poems = self.library.search(query) if query.strip() else self.library.list()
        except Exception as exc:  # a damaged library must not take the studio down; the message says what failed
            self.app.notify(f"the library could not be read: {exc}", severity="error")
            return
        await view.clear()
        await view.extend(PoemItem(p) for p in poems)
        ids = [p.id for p in poems]
        view.index = ids.index(keep) if keep in ids else (min(row, len(poems) - 1) if poems else None)

    @on(Input.Changed, "#search")
    async def search_changed(self, _event: Input.Changed) -> None:
        await self.refresh_list()

    @on(Input.Submitted, "#search")
    def search_submitted(self, _event: Input.Submitted) -> None:
        self.screen.set_focus(self.query_one("#poems", ListView))

    @on(ListView.Selected, "#poems")
    def poem_selected(self, event: ListView.Selected) -> None:
        if isinstance(event.item, PoemItem):
            self.post_message(self.Open(event.item.poem))

    @property
    def highlighted(self) -> SavedPoem | None:
        """The poem under the list cursor."""
        item = self.query_one("#poems", ListView).highlighted_child
        return item.poem if isinstance(item, PoemItem) else None

    def changed(self, change, *args) -> tuple[bool, object]:
        """Make one change to the library: (True, its result), or (False, None) with the reason as a notification
        where the library cannot be changed (read-only, locked by another program, a full disk)."""
        try:
            return True, change(*args)
        except UserError as exc:
            self.app.notify(str(exc), severity="error")
            return False, None

    def action_rename(self) -> None:
        """Rename the highlighted poem."""
        from poetstudio.ui.modals import AskTitle

        poem = self.highlighted
        if poem is None:
            return

        async def apply(title: str | None) -> None:
            if title and title.strip() and self.changed(self.library.rename, poem.id, title)[0]:
                await self.refresh_list(poem.id)
                self.post_message(self.Renamed(replace(poem, title=title.strip())))
                self.app.notify(f"renamed to “{title.strip()}”")

        self.app.push_screen(AskTitle("New title:", poem.title), apply)

    def action_delete(self) -> None:
        """Delete the highlighted poem after confirmation (undo brings it back)."""
        from poetstudio.ui.modals import Confirm

        poem = self.highlighted
        if poem is None:
            return

        async def apply(yes: bool | None) -> None:
            if yes and self.changed(self.library.delete, poem.id)[0]:
                self.deleted.append(poem.id)
                await self.refresh_list()
                self.app.notify(f"deleted “{poem.title}”; ctrl+z in the list undoes")

        self.app.push_screen(Confirm(f"Delete “{poem.title}”?"), apply)

    async def action_undo(self) -> None:
        """Bring back the last deleted poem (and highlight it)."""
        if not self.deleted:
            self.app.notify("nothing to undo")
            return
        done, poem = self.changed(self.library.undelete, self.deleted[-1])
        if not done:
            return
        self.deleted.pop()
        await self.refresh_list(poem.id)
        self.app.notify(f"restored “{poem.title}”")

    async def action_favourite(self) -> None:
        """Toggle the favourite mark."""
        poem = self.highlighted
        if poem and self.changed(self.library.set_favourite, poem.id, not poem.favourite)[0]:
            await self.refresh_list(poem.id)

    def action_export(self, fmt: str) -> None:
        """Write the highlighted poem to the exports folder."""
        poem = self.highlighted
        if poem is None:
            return
        try:
            path = export_poem(poem, fmt)
        except (TypeError, ValueError, AttributeError, OSError) as exc:
            self.app.notify(f"could not export “{poem.title}”: {exc}", severity="error")
            return
        self.app.notify(f"exported to {path}")
