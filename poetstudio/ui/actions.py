"""The studio's actions: default keys, palette commands, the ids a config [keys] table rebinds, and the
check that a [keys] table names only real actions and pressable keys."""

from __future__ import annotations

from pathlib import Path

from poetstudio.errors import UserError
from poetstudio.ui.key_names import display_key, key_problem

# In footer order: the keys a person needs first come first, so a narrow footer still shows them.
ACTIONS = {
    "generate": ("ctrl+g", "Generate", "Write a poem from the blend and prompt (a new seed unless one is pinned)"),
    "stop": ("escape", "Stop", "Stop writing (when no dialog is open); the partial poem stays"),
    "save": ("ctrl+s", "Save", "Save the poem on screen to the library"),
    "regenerate": ("ctrl+r", "New seed", "Write again with a new random seed, even if one is pinned"),
    "help": ("f1", "Help", "Every key (F1 or Escape closes it)"),
    "focus_pane('poets')": ("f5", "Poets", "Go to the poets pane"),
    "focus_pane('prompt')": ("f6", "Prompt", "Go to the prompt pane"),
    "focus_pane('poem')": ("f7", "Poem", "Go to the poem pane"),
    "focus_pane('library')": ("f8", "Library", "Go to the library pane"),
    "quit": ("ctrl+q", "Quit", "Leave (the draft is kept)"),
}
NOT_PRIORITY = ("stop",)  # Escape reaches an open dialog or the palette first; it stops a poem only when none is open



def palette_commands(bindings, pane: str) -> list[tuple[str, str]]:
    """(palette title, action) for each binding that carries a palette title: 'Poets: solo', ..."""
    return [(f"{pane}: {b.tooltip}", b.action) for b in bindings if b.tooltip]


def binding_id(action: str) -> str:
    """The id a config [keys] entry uses for a studio action: generate, focus_poets, ..."""
    return action.replace("focus_pane('", "focus_").replace("')", "")


def pane_binding_ids() -> dict[str, str]:
    """Every rebindable pane key: its [keys] id (poets_solo, library_rename, ...) and what it does."""
    from poetstudio.ui.library_pane import LibraryPane, PoemList
    from poetstudio.ui.poem_pane import PoemPane
    from poetstudio.ui.poets_pane import PoetsPane

    return {b.id: b.description for cls in (PoetsPane, PoemPane, PoemList, LibraryPane) for b in cls.BINDINGS if b.id}


def check_keymap(keys: dict[str, str], path: Path | None) -> None:
    """Raise UserError (one line naming the file) for a [keys] entry that names no action or no pressable key."""
    studio = {binding_id(a) for a in ACTIONS}
    panes = pane_binding_ids()
    for name, key in keys.items():
        if name not in studio and name not in panes:
            raise UserError(f"{path}: [keys] {name} is not a studio action; the actions are "
                            f"{', '.join(sorted(studio | set(panes)))}")
        problem = key_problem(key)
        if problem:
            raise UserError(f"{path}: [keys] {name} = {key!r}: {problem}")


def help_rows(bindings, keymap: dict[str, str]) -> list[tuple[str, str]]:
    """(readable keys, what they do) for a pane's bindings, as rebound by the config."""
    return [(display_key(keymap.get(b.id, b.key) if b.id else b.key), named(b.description, b.id)) for b in bindings]


def named(text: str, binding: str | None) -> str:
    """A help line with the name [keys] rebinds it by: 'Solo  [poets_solo]'."""
    return f"{text}  [{binding}]" if binding else text
