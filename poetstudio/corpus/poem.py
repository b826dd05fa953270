"""The Poem record every reader produces, and the report of what a read skipped."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Poem:
    """One poem: canonical poet, title, text with its line breaks, optional mood, and where it came from."""

    poet: str
    title: str
    text: str
    mood: str | None = None
    source: str = ""

    @property
    def key(self) -> str:
        """A stable identity for the poem, used for the held-out split and de-duplication."""
        digest = hashlib.sha1(f"{self.poet}\x00{self.title}\x00{self.text}".encode())
        return digest.hexdigest()

    @property
    def line_count(self) -> int:
        """Number of non-blank lines."""
        return sum(1 for line in self.text.splitlines() if line.strip())


@dataclass
class ReadReport:
    """What reading one or more files gave: the poems and every skipped row with its reason."""

    poems: list[Poem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def extend(self, other: ReadReport) -> None:
        """Add another report's poems and skipped rows to this one."""
        self.poems.extend(other.poems)
        self.skipped.extend(other.skipped)
