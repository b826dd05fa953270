"""General verse for pretraining a base model: Gutenberg books cut to their text, minus held-out poems."""

from __future__ import annotations

import re
from pathlib import Path

from poetstudio.corpus.poem import Poem

_START = re.compile(r"^\*\*\* ?START OF (THE|THIS) PROJECT GUTENBERG.*$", re.MULTILINE | re.IGNORECASE)
_END = re.compile(r"^\*\*\* ?END OF (THE|THIS) PROJECT GUTENBERG.*$", re.MULTILINE | re.IGNORECASE)
MIN_LINE_CHARS_FOR_MATCH = 16  # shorter lines ("O Love!") recur by chance and would drop innocent stanzas


def normalise_line(line: str) -> str:
    """Letters and digits only, lower case: how two printings of one line are compared."""
    return re.sub(r"[^a-z0-9]+", "", line.lower())


def strip_gutenberg(text: str) -> str:
    """Keep what lies between the Project Gutenberg start and end markers (all of it if they are missing)."""
    start, end = _START.search(text), _END.search(text)
    return text[start.end() if start else 0 : end.start() if end else len(text)]


def line_keys(poems: list[Poem]) -> set[str]:
    """The normalised long lines of some poems, to keep them out of other training text."""
    keys = set()
    for poem in poems:
        for line in poem.text.splitlines():
            key = normalise_line(line)
            if len(key) >= MIN_LINE_CHARS_FOR_MATCH:
                keys.add(key)
    return keys


def read_general_verse(paths: list[str | Path], exclude: set[str]) -> list[str]:
    """Stanza-sized blocks of text from Gutenberg .txt books (files or folders), dropping blocks with excluded lines."""
    files: list[Path] = []
    for path in map(Path, paths):
        files.extend(sorted(path.rglob("*.txt")) if path.is_dir() else [path])
    blocks: list[str] = []
    for file in files:
        text = strip_gutenberg(file.read_text(encoding="utf-8-sig", errors="replace")).replace("\r\n", "\n")
        for block in re.split(r"\n\s*\n", text):
            block = block.strip("\n")
            if not block.strip():
                continue
            if any(normalise_line(line) in exclude for line in block.splitlines()):
                continue
            blocks.append(block)
    return blocks
