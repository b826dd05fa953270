"""Write a poem (saved or not) to the exports folder as Markdown or text."""

from __future__ import annotations

from pathlib import Path

from poetstudio.library import SavedPoem
from poetstudio.library.export import render, title_slug, write_export
from poetstudio.paths import data_dir


def export_poem(poem: SavedPoem, fmt: str) -> Path:
    """The file written: exports/<id or 'unsaved'>-<title slug>.<fmt>; an unsaved poem never overwrites one.
    Written whole or not at all: a full disk or a folder that cannot be written is a one-line FileWriteError
    (an OSError)."""
    folder = data_dir() / "exports"
    slug = title_slug(poem.title)
    stem = f"{poem.id}-{slug}" if poem.id is not None else f"unsaved-{slug}"
    path = folder / f"{stem}.{fmt}"
    number = 2
    while poem.id is None and path.exists():
        path = folder / f"{stem}-{number}.{fmt}"
        number += 1
    write_export(render(poem, fmt), path)
    return path
