"""The studio's draft (prompt, blend, settings, unsaved poem), saved atomically as JSON as you go."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from poetstudio.atomic_file import write_text_atomic


@dataclass
class Draft:
    """Everything on the studio's screen that is not yet in the library."""

    theme: str = ""
    opening: str = ""
    blend: dict[str, float] = field(default_factory=dict)
    mood: str | None = None
    sampling: dict = field(default_factory=dict)
    poems: list[str] = field(default_factory=list)
    seeds: list[int] = field(default_factory=list)


def save_draft(draft: Draft, path: Path) -> None:
    """Write to a temporary file and rename over the old draft: a crash leaves the old or the new, never half."""
    write_text_atomic(path, json.dumps(asdict(draft), ensure_ascii=False, indent=1))


def load_draft(path: Path) -> Draft:
    """The saved draft, or an empty one; a damaged draft is kept aside as .damaged, not deleted."""
    if not path.exists():
        return Draft()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        known = {k: v for k, v in data.items() if k in Draft.__dataclass_fields__}
        return Draft(**known)
    except (json.JSONDecodeError, TypeError, UnicodeDecodeError, AttributeError):
        os.replace(path, path.with_suffix(".damaged"))
        return Draft()
