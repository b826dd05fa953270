"""What the help screen (F1) lists: every key by pane, readable, as the config's [keys] rebinds them."""

from __future__ import annotations

from poetstudio.ui.actions import ACTIONS, binding_id, help_rows, named
from poetstudio.ui.key_names import display_key
from poetstudio.ui.library_pane import PoemList
from poetstudio.ui.poem_pane import PoemPane
from poetstudio.ui.poets_pane import PoetsPane


def key_sections(keymap: dict[str, str]) -> dict[str, list[tuple[str, str]]]:
    """(keys, what they do) by section: the studio's, then each pane's, the Prompt pane and search box included."""
    studio = [(display_key(keymap.get(binding_id(a), key)), named(text, binding_id(a)))
              for a, (key, _, text) in ACTIONS.items()]
    generate = display_key(keymap.get("generate", ACTIONS["generate"][0]))
    return {
        "Studio (anywhere)": studio + [("tab / shift+tab", "Next / previous field"),
                                       ("ctrl+p", "Command palette: every action, colour themes")],
        "Poets pane": help_rows(PoetsPane.BINDINGS, keymap),
        "Prompt pane": [("enter (theme box)", f"Generate, as {generate} does"),
                        ("↑ / ↓ (theme box)", "Earlier / later themes you wrote"),
                        ("opening lines", "The poem starts with these lines; enter is a new line; F6 / F7 "
                                          "still jump panes"),
                        ("seed box", "Empty: a new poem each time; a number pins it (s in the Poem pane pins "
                                     "the poem on screen)"),
                        ("max tok", "Longest poem in tokens; the prompt must fit the model's context")],
        "Poem pane": help_rows(PoemPane.BINDINGS, keymap),
        "Library search box": [("typing", "Search title, text and poets"), ("↓ / enter", "Go to the list")],
        "Library list": [("typing / backspace", "Edits the search (letters never act on a poem)"),
                         ("↑ / ↓", "Choose a poem")] + help_rows(PoemList.BINDINGS, keymap),
    }
