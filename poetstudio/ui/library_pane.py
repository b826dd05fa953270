"""The Library pane: saved poems newest first, search as you type, open, rename, delete and undo, export."""

from __future__ import annotations

import re

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Label, ListItem, ListView

from poetstudio.library import Library, SavedPoem
from poetstudio.library.export import blend_line, render
from poetstudio.paths import data_dir


class PoemItem(ListItem):
    """One saved poem in the list."""

    def __init__(self, poem: SavedPoem) -> None:
        star = "★ " if poem.favourite else ""
        super().__init__(Label(f"{star}{poem.title}  [dim]{blend_line(poem)}[/dim]"))
        self.poem = poem


class LibraryPane(Vertical):
    """Search box over a list of poems; the list's keys act on the highlighted poem."""

    BINDINGS = [
        Binding("enter", "open", "Open", show=False),
        Binding("f2", "rename", "Rename"),
        Binding("delete,d", "delete", "Delete"),
        Binding("u,ctrl+z", "undo", "Undo delete"),
        Binding("x", "export('md')", "Export .md"),
        Binding("t", "export('txt')", "Export .txt"),
        Binding("f", "favourite", "Favourite"),
    ]

    class Open(Message):
        """Open this poem in the studio."""

        def __init__(self, poem: SavedPoem) -> None:
            super().__init__()
            self.poem = poem

    def __init__(self, library: Library | None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.library = library
        self.deleted: list[int] = []

    def compose(self) -> ComposeResult:
        yield Input(placeholder="search title, text, poets…", id="search")
        yield ListView(id="poems")

    def on_mount(self) -> None:
        self.refresh_list()

    def refresh_list(self) -> None:
        """Re-run the search (or list all) and show the results."""
        if self.library is None:
            return
        query = self.query_one("#search", Input).value
        poems = self.library.search(query) if query.strip() else self.library.list()
        view = self.query_one("#poems", ListView)
        view.clear()
        view.extend(PoemItem(p) for p in poems)
        if poems:
            view.index = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "search":
            self.refresh_list()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "search":
            self.query_one("#poems", ListView).focus()

    def on_list_view_selected(self, event: ListView.Selected) -> None:
        if isinstance(event.item, PoemItem):
            self.post_message(self.Open(event.item.poem))

    @property
    def highlighted(self) -> SavedPoem | None:
        """The poem under the list cursor."""
        item = self.query_one("#poems", ListView).highlighted_child
        return item.poem if isinstance(item, PoemItem) else None

    def action_open(self) -> None:
        """Open the highlighted poem."""
        if self.highlighted:
            self.post_message(self.Open(self.highlighted))

    def action_rename(self) -> None:
        """Rename the highlighted poem."""
        from poetstudio.ui.modals import AskText

        poem = self.highlighted
        if poem is None:
            return

        def apply(title: str | None) -> None:
            if title and title.strip():
                self.library.rename(poem.id, title)
                self.refresh_list()
                self.app.notify(f"renamed to “{title.strip()}”")

        self.app.push_screen(AskText("New title:", poem.title), apply)

    def action_delete(self) -> None:
        """Delete the highlighted poem after confirmation (undo brings it back)."""
        from poetstudio.ui.modals import Confirm

        poem = self.highlighted
        if poem is None:
            return

        def apply(yes: bool | None) -> None:
            if yes:
                self.library.delete(poem.id)
                self.deleted.append(poem.id)
                self.refresh_list()
                self.app.notify(f"deleted “{poem.title}”; u undoes")

        self.app.push_screen(Confirm(f"Delete “{poem.title}”?"), apply)

    def action_undo(self) -> None:
        """Bring back the last deleted poem."""
        if not self.deleted:
            self.app.notify("nothing to undo")
            return
        poem = self.library.undelete(self.deleted.pop())
        self.refresh_list()
        self.app.notify(f"restored “{poem.title}”")

    def action_favourite(self) -> None:
        """Toggle the favourite mark."""
        poem = self.highlighted
        if poem:
            self.library.set_favourite(poem.id, not poem.favourite)
            self.refresh_list()

    def action_export(self, fmt: str) -> None:
        """Write the highlighted poem to the exports folder."""
        poem = self.highlighted
        if poem is None:
            return
        folder = data_dir() / "exports"
        folder.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "-", poem.title.lower()).strip("-")[:40] or "poem"
        path = folder / f"{poem.id}-{slug}.{fmt}"
        path.write_text(render(poem, fmt), encoding="utf-8")
        self.app.notify(f"exported to {path}")
