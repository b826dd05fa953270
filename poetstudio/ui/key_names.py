"""Key strings as Textual names them ("ctrl+g", "full_stop", "shift+right"): checking one, and showing it
readably ("ctrl+g", ".", "shift+→")."""

from __future__ import annotations

from textual.keys import KEY_DISPLAY_ALIASES, Keys, format_key, key_to_character

MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")
NAMED_KEYS = ({k.value.rpartition("+")[2] for k in Keys} | set(KEY_DISPLAY_ALIASES)
              | {"space", "enter", "tab", "backspace", "plus", "minus"})


WORDS = {"enter": "enter", "backspace": "backspace"}  # clearer in help than ⏎ and ⌫
LAST_KEYBOARD_CHARACTER = 0x2000  # names past this are emoji and symbols no keyboard has a key for


def _typable(character: str | None) -> bool:
    return character is not None and character.isprintable() and ord(character) < LAST_KEYBOARD_CHARACTER


def key_problem(keys: str) -> str | None:
    """Why a key string (one key, or several separated by commas) cannot be pressed; None when it can."""
    for key in (k.strip() for k in keys.split(",")):
        *mods, base = key.split("+")
        bad = [m for m in mods if m not in MODIFIERS]
        if not key or bad or len(set(mods)) != len(mods):
            return f"'{key}' is not a key (modifiers are {', '.join(MODIFIERS)}, joined by +)"
        if not base or (len(base) > 1 and base not in NAMED_KEYS and not _typable(key_to_character(base))):
            return f"'{key}' is not a key (use a letter, a name like f5, enter, pageup, full_stop, or ctrl+g)"
    return None


def display_key(keys: str) -> str:
    """A key string as a person reads it: 'full_stop' as '.', 'shift+right' as 'shift+→'; commas as ' / '."""
    shown = []
    for key in keys.split(","):
        *mods, base = key.strip().split("+")
        shown.append("+".join([*mods, WORDS.get(base) or format_key(base)]))
    return " / ".join(shown)
