"""Saved poems as Markdown, plain text or JSON, and JSON back in (for backups and scripts)."""

from __future__ import annotations

import json
from pathlib import Path

from poetstudio.errors import UserError
from poetstudio.library.store import SavedPoem

FORMATS = ("md", "txt", "json")


def blend_line(poem: SavedPoem) -> str:
    """'60% Emily Dickinson, 40% Edgar Allan Poe'."""
    total = sum(poem.blend.values()) or 1.0
    return ", ".join(f"{round(100 * w / total)}% {p}" for p, w in sorted(poem.blend.items(), key=lambda kv: -kv[1]))


def render(poem: SavedPoem, fmt: str) -> str:
    """One poem in the given format."""
    if fmt == "json":
        return json.dumps(poem.to_dict(), indent=2, ensure_ascii=False) + "\n"
    about = [f"blend: {blend_line(poem)}"] + ([f"mood: {poem.mood}"] if poem.mood else [])
    about.append(f"seed: {poem.seed}")
    reading = poem.analysis.get("reading") or {}
    form = " · ".join(reading.get(k, "") for k in ("scheme", "meter", "form") if reading.get(k))
    if form:
        about.append(form)
    if fmt == "md":
        body = "  \n".join(poem.text.rstrip("\n").split("\n"))
        return f"# {poem.title}\n\n{body}\n\n---\n\n*{'; '.join(about)}; {poem.created}*\n"
    if fmt == "txt":
        return f"{poem.title}\n\n{poem.text.rstrip()}\n\n-- {'; '.join(about)}\n"
    raise UserError(f"unknown export format '{fmt}'; use one of {', '.join(FORMATS)}")


def read_import(path: Path) -> list[SavedPoem]:
    """Poems from a JSON export (one object or a list); bad files are one-line errors naming the file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not a poetstudio JSON export ({exc}); export with --format json") from None
    records = data if isinstance(data, list) else [data]
    poems = []
    for index, record in enumerate(records, start=1):
        if not isinstance(record, dict) or not isinstance(record.get("text"), str) or not record.get("title"):
            raise UserError(f"{path}: record {index} needs at least 'title' and 'text'")
        fields = {k: v for k, v in record.items() if k in SavedPoem.__dataclass_fields__ and k != "id"}
        poems.append(SavedPoem(**fields))
    return poems
