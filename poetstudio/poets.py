"""The poets poetstudio knows by name: one canonical name each, with the aliases people type."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Poet:
    """A poet with a canonical display name, a short name for tight spaces, aliases, and copyright status."""

    name: str
    short: str
    aliases: tuple[str, ...] = ()
    public_domain: bool = True


STUDIO_POETS: tuple[Poet, ...] = (
    Poet("William Shakespeare", "Shakespeare", ("shakespeare", "the bard", "w shakespeare")),
    Poet("Walt Whitman", "Whitman", ("whitman", "walter whitman")),
    Poet("John Donne", "Donne", ("donne",)),
    Poet("Edgar Allan Poe", "Poe", ("poe", "edgar poe", "e a poe")),
    Poet("Emily Dickinson", "Dickinson", ("dickinson", "emily elizabeth dickinson")),
    Poet("E. E. Cummings", "Cummings", ("cummings", "edward estlin cummings", "e estlin cummings")),
    Poet(
        "Elizabeth Barrett Browning",
        "E. B. Browning",
        ("e b browning", "ebb", "elizabeth browning", "barrett browning", "browning"),
    ),
    Poet("A. E. Stallings", "Stallings", ("stallings", "alicia stallings", "alicia e stallings"), public_domain=False),
    Poet("W. B. Yeats", "Yeats", ("william butler yeats", "yeats", "william yeats")),
    Poet("Wallace Stevens", "Stevens", ("stevens",)),
)


def alias_key(name: str) -> str:
    """Reduce a written name to a comparison key: lower case, no dots, single spaces."""
    key = name.lower().replace(".", " ").replace("_", " ")
    return re.sub(r"\s+", " ", key).strip()


_BY_KEY: dict[str, str] = {}
for _poet in STUDIO_POETS:
    for _alias in (_poet.name, _poet.short, *_poet.aliases):
        _BY_KEY[alias_key(_alias)] = _poet.name


def canonical_poet(name: str) -> str:
    """Return the canonical name for a poet; names poetstudio does not know are tidied and kept."""
    cleaned = re.sub(r"\s+", " ", name).strip()
    return _BY_KEY.get(alias_key(cleaned), cleaned)


def studio_poet(name: str) -> Poet | None:
    """Return the studio poet a canonical name refers to, or None for other poets."""
    for poet in STUDIO_POETS:
        if poet.name == name:
            return poet
    return None


def resolve_poet(written: str, known: list[str], unknown_hint: str | None = None) -> str:
    """Match what a user wrote (alias or unambiguous part) to one of `known`; raise ValueError if not. A name
    that matches none ends its message with `unknown_hint` (default: every known poet, listed)."""
    canonical = canonical_poet(written)
    if canonical in known:
        return canonical
    key = alias_key(written)
    matches = [name for name in known if key and key in alias_key(name)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise ValueError(f"'{written}' matches several poets ({', '.join(matches)}); write more of the name")
    raise ValueError(f"unknown poet '{written}'; {unknown_hint or 'known poets: ' + ', '.join(known)}")
