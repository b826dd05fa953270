"""Readers for the three corpus formats: JSONL records, the published model's CSV, folders of .txt files."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from poetstudio.corpus.poem import Poem, ReadReport
from poetstudio.errors import CorpusError
from poetstudio.poets import canonical_poet

CSV_POEM_COLUMNS = ("poem", "text", "content")
CSV_POET_COLUMNS = ("poet", "author")
CSV_TITLE_COLUMNS = ("title",)
CSV_MOOD_COLUMNS = ("emotion", "mood")

_GLUED_LINE = re.compile(r"(?<=[a-z,;:.!?’'\"”)–—])(?=[A-Z‘“(])")
_SPACED_LINE = re.compile(r"(?<=[,;:.!?’'\"”a-z]) {2,}(?=\S)")
_PUNCTUATED_LINE = re.compile(r"(?<=[,;:.!?]) (?=[A-Z‘“][a-z’'])(?!I[ ’'])")


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8 and try again") from None
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read it ({exc.strerror})") from None


def _clean_text(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip("\n")


def restore_line_breaks(flat: str) -> str:
    """Guess the line breaks a flattened poem lost: a capital glued to the previous word, or a run of spaces."""
    text = _SPACED_LINE.sub("\n", flat.strip())
    text = _GLUED_LINE.sub("\n", text)
    text = _PUNCTUATED_LINE.sub("\n", text)
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


def read_jsonl(path: Path) -> ReadReport:
    """Read `{poet, title, text, mood|emotion?}` records, one per line; malformed lines are skipped and counted."""
    report = ReadReport()
    for number, line in enumerate(_read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            report.skipped.append(f"{path.name}:{number}: not valid JSON ({exc.msg})")
            continue
        if not isinstance(record, dict):
            report.skipped.append(f"{path.name}:{number}: not a JSON object")
            continue
        poet, text = record.get("poet"), record.get("text")
        if not isinstance(poet, str) or not poet.strip() or not isinstance(text, str) or not text.strip():
            report.skipped.append(f"{path.name}:{number}: needs non-empty 'poet' and 'text'")
            continue
        mood = record.get("mood") or record.get("emotion")
        title = record.get("title") if isinstance(record.get("title"), str) else ""
        cleaned = _clean_text(text)
        report.poems.append(
            Poem(
                poet=canonical_poet(poet),
                title=(title or cleaned.split("\n", 1)[0]).strip(),
                text=cleaned,
                mood=mood.strip().capitalize() if isinstance(mood, str) and mood.strip() else None,
                source=f"{path.name}:{number}",
            )
        )
    return report


def _pick_column(header: list[str], names: tuple[str, ...]) -> str | None:
    lowered = {column.strip().lower(): column for column in header}
    return next((lowered[name] for name in names if name in lowered), None)


def read_csv(path: Path) -> ReadReport:
    """Read a CSV with Poem and Poet columns (Title, Emotion optional), restoring lost line breaks."""
    text = _read_text(path)
    rows = csv.DictReader(text.splitlines(keepends=True))
    header = rows.fieldnames or []
    poem_col, poet_col = _pick_column(header, CSV_POEM_COLUMNS), _pick_column(header, CSV_POET_COLUMNS)
    if poem_col is None or poet_col is None:
        raise CorpusError(
            f"{path}: unknown column layout {header}; a poem CSV needs 'Poem' and 'Poet' columns "
            "(optional 'Title', 'Emotion')"
        )
    title_col, mood_col = _pick_column(header, CSV_TITLE_COLUMNS), _pick_column(header, CSV_MOOD_COLUMNS)
    report = ReadReport()
    for number, row in enumerate(rows, start=2):
        poem, poet = (row.get(poem_col) or "").strip(), (row.get(poet_col) or "").strip()
        if not poem or not poet or None in row:
            report.skipped.append(f"{path.name}: row {number}: needs a poem and a poet in the right columns")
            continue
        restored = restore_line_breaks(poem) if "\n" not in poem else _clean_text(poem)
        mood = (row.get(mood_col) or "").strip() if mood_col else ""
        title = (row.get(title_col) or "").strip() if title_col else ""
        report.poems.append(
            Poem(
                poet=canonical_poet(poet),
                title=title or restored.split("\n", 1)[0],
                text=restored,
                mood=mood.capitalize() or None,
                source=f"{path.name}:row {number}",
            )
        )
    return report


def read_txt_folder(path: Path) -> ReadReport:
    """Read a folder with one sub-folder per poet, each holding one poem per .txt file (title = file name)."""
    report = ReadReport()
    for poet_dir in sorted(p for p in path.iterdir() if p.is_dir()):
        for file in sorted(poet_dir.glob("*.txt")):
            text = _clean_text(_read_text(file))
            if not text.strip():
                report.skipped.append(f"{poet_dir.name}/{file.name}: empty file")
                continue
            title = file.stem.replace("_", " ").strip()
            report.poems.append(
                Poem(canonical_poet(poet_dir.name), title, text, source=f"{poet_dir.name}/{file.name}")
            )
    return report


def read_path(path: str | Path) -> ReadReport:
    """Read one corpus file or folder, choosing the reader from its form; raise CorpusError if nothing is usable."""
    path = Path(path)
    if not path.exists():
        raise CorpusError(f"{path}: no such file or folder")
    if path.is_dir():
        report = read_txt_folder(path)
    elif path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        report = read_jsonl(path)
    elif path.suffix.lower() in (".csv", ".tsv"):
        report = read_csv(path)
    else:
        raise CorpusError(f"{path}: unknown corpus format; give a .jsonl, a .csv, or a folder of poet folders")
    if not report.poems:
        raise CorpusError(f"{path}: no usable poem in it ({len(report.skipped)} rows skipped)")
    return report


def read_corpus(paths: list[str | Path]) -> ReadReport:
    """Read several corpus files or folders into one report."""
    report = ReadReport()
    for path in paths:
        report.extend(read_path(path))
    return report
