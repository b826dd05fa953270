"""Write a poem (saved or not) to the exports folder as Markdown or text."""

from __future__ import annotations

from pathlib import Path

from poetstudio.library import SavedPoem
from poetstudio.library.export import render, title_slug
from poetstudio.paths import data_dir


def export_poem(poem: SavedPoem, fmt: str) -> Path:
    """The file written: exports/<id or 'unsaved'>-<title slug>.<fmt>; an unsaved poem never overwrites one."""
    folder = data_dir() / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    slug = title_slug(poem.title)
    stem = f"{poem.id}-{slug}" if poem.id is not None else f"unsaved-{slug}"
    path = folder / f"{stem}.{fmt}"
    number = 2
    while poem.id is None and path.exists():
        path = folder / f"{stem}-{number}.{fmt}"
        number += 1
    path.write_text(render(poem, fmt), encoding="utf-8")
    return path
