"""Saved poems as Markdown, plain text or JSON, and JSON back in (for backups and scripts)."""

from __future__ import annotations

import json
import os
import stat
import unicodedata
from pathlib import Path
from typing import TextIO

from poetstudio.analysis.report import summary_line
from poetstudio.atomic_file import write_problem, write_text_atomic
from poetstudio.errors import UserError
from poetstudio.library.record import SavedPoem, poem_from_import

FORMATS = ("md", "txt", "json")
SLUG_LENGTH = 40  # characters of a title kept in an export's file name
NO_BREAK_SPACE = "\u00a0"  # Markdown keeps these where it drops (or reads as code) a line's leading spaces
TAB_WIDTH = 4  # spaces a leading tab is worth in a Markdown export


def title_slug(title: str, length: int = SLUG_LENGTH) -> str:
    """A title as part of a file name: its words of letters, marks and digits in any script, lower-cased and
    joined by hyphens ('Stillé Wäter 🌊 night' -> 'stillé-wäter-night'); everything else (spaces, emoji,
    punctuation, / \\ : * ? " < > |) is a break between words. 'poem' when no word is left."""
    text = "".join(ch if unicodedata.category(ch)[0] in "LMN" else " " for ch in unicodedata.normalize("NFC", title))
    return "-".join(text.lower().split())[:length].strip("-") or "poem"


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
    if poem.damaged:
        about.append(f"damaged: {poem.damage}")
    reading = poem.analysis.get("reading") or {}
    form = summary_line(*(reading.get(k) or "" for k in ("scheme", "meter", "form")))
    if form:
        about.append(form)
    if fmt == "md":
        body = "  \n".join(markdown_line(line) for line in poem.text.rstrip("\n").split("\n"))
        footer = "; ".join(about + ([str(poem.created)] if poem.created else []))
        return f"# {poem.title}\n\n{body}\n\n---\n\n*{footer}*\n"
    if fmt == "txt":
        return f"{poem.title}\n\n{poem.text.rstrip()}\n\n-- {'; '.join(about)}\n"
    raise UserError(f"unknown export format '{fmt}'; use one of {', '.join(FORMATS)}")


def render_all(poems: list[SavedPoem], fmt: str) -> str:
    """Many poems in one export: a JSON list, or each rendered in turn (as `library export --all` writes)."""
    if fmt == "json":
        return json.dumps([p.to_dict() for p in poems], indent=2, ensure_ascii=False) + "\n"
    return "\n".join(render(p, fmt) for p in poems)


def write_export(text: str, path: Path) -> None:
    """Write an export to a file whole (a temporary file renamed over it): a full disk, a read-only folder or
    no permission is a one-line FileWriteError (a UserError), and no half-written file is left."""
    write_text_atomic(path, text)


def print_export(text: str, stream: TextIO) -> None:
    """Write an export to standard output (`stream`); a write that fails (disk full, read-only, no permission) is
    a one-line UserError, and when the output is a file, what was written of it is taken back, so no half export
    is left: the file is as it was before."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (captured in tests): write it plainly
        fd = None
    try:
        stream.flush()
        if fd is None:
            stream.write(text)
            stream.flush()
            return
        _write_all(fd, text.encode(getattr(stream, "encoding", None) or "utf-8"))
    except OSError as exc:
        raise UserError(f"could not write the export to standard output: {write_problem(exc, Path('-'), 'the output')}"
                        "; nothing was written") from None


def _write_all(fd: int, data: bytes) -> None:
    """Write every byte to `fd`; on an error, a regular file is cut back to its length before the write."""
    start = _end_before_write(fd)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except OSError:
        if start is not None:
            os.ftruncate(fd, start)
            os.lseek(fd, start, os.SEEK_SET)
        raise


def _end_before_write(fd: int) -> int | None:
    """Where the next write to `fd` lands when it is a regular file (the end, for a file opened to append, as
    `>>` does); None for a pipe, a terminal or a device, which cannot be cut back."""
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        return None
    try:
        import fcntl
    except ImportError:  # Windows: no way to ask whether the file appends
        return None
    return info.st_size if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_APPEND else os.lseek(fd, 0, os.SEEK_CUR)


def markdown_line(line: str) -> str:
    """A poem's line for Markdown: its indentation (a tab as TAB_WIDTH spaces) as no-break spaces, which a
    renderer keeps (plain leading spaces are dropped, and four start a code block); a blank line stays blank,
    so stanzas stay apart."""
    if not line.strip():
        return ""
    words = line.lstrip(" \t")
    indent = line[: len(line) - len(words)].expandtabs(TAB_WIDTH)
    return NO_BREAK_SPACE * len(indent) + words


def read_import(path: Path) -> list[SavedPoem]:
    """Poems from a JSON export (one object or a list), or from every *.json file in a folder; anything
    wrong is one UserError naming the file and record, and then nothing is imported."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".json" and p.is_file())
        if not files:
            raise UserError(f"{path} is a folder with no .json files; give a file made by "
                            "`poetstudio library export --format json`, or a folder of them")
        return [poem for file in files for poem in _read_file(file)]
    return _read_file(path)


def _read_file(path: Path) -> list[SavedPoem]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not a poetstudio JSON export ({exc}); export with --format json") from None
    records = data if isinstance(data, list) else [data]
    poems = []
    for index, record in enumerate(records, start=1):
        try:
            poems.append(poem_from_import(record))
        except ValueError as exc:
            title = record.get("title") if isinstance(record, dict) else None
            name = f"record {index}" + (f" (“{title}”)" if isinstance(title, str) and title else "")
            raise UserError(f"{path}: {name}: {exc}; nothing was imported: fix it and import again") from None
    return poems
