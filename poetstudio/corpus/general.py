"""General verse for pretraining a base model: Gutenberg books cut to their text, minus held-out poems.

`read_general_verse` is the old stanza reader of raw/ books; `read_general_corpus` reads the `general/`
folder through poetstudio.corpus.cleaning, cached.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
from pathlib import Path

from poetstudio.corpus import cleaning
from poetstudio.corpus.cleaning import CLEANING_VERSION, MANIFEST, CleanResult, clean_general
from poetstudio.corpus.poem import Poem
from poetstudio.errors import CorpusError

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


def corpus_fingerprint(folder: Path, extra: list[str]) -> str:
    """A key for what cleaning reads: the manifest, each book's name, size and modification time, the
    cleaning version and code, and `extra` (the poems kept out and put in)."""
    digest = hashlib.sha256(f"cleaning-{CLEANING_VERSION}".encode())
    digest.update(Path(cleaning.__file__).read_bytes())  # a rule edited without a version bump still misses
    digest.update((folder / MANIFEST).read_bytes())
    for file in sorted(folder.rglob("*.txt")):
        stat = file.stat()
        digest.update(f"{file.relative_to(folder)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    for item in extra:
        digest.update(item.encode() + b"\n")
    return digest.hexdigest()[:16]


def read_general_corpus(folder: str | Path, heldout: list[Poem], train_poems: list[Poem] | None = None,
                        cache_dir: str | Path | None = None) -> CleanResult:
    """The cleaned `general/` corpus (see poetstudio.corpus.cleaning), from a cache when one matches."""
    folder = Path(folder)
    if not (folder / MANIFEST).exists():
        raise CorpusError(f"{folder}: no {MANIFEST} there; point it at the shared corpus's general/ folder")
    extra = ["heldout"] + sorted(p.key for p in heldout) + ["train"] + sorted(p.key for p in train_poems or [])
    cache = Path(cache_dir) / f"general-{corpus_fingerprint(folder, extra)}.pkl" if cache_dir else None
    if cache is not None and cache.exists():
        try:
            with cache.open("rb") as handle:
                return pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
            pass  # a broken or stale cache is rebuilt below
    result = clean_general(folder, heldout, train_poems)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as handle:
            pickle.dump(result, handle, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(cache)
    return result
