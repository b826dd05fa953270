"""Saved poems in SQLite: save, list newest first, search as you type, rename, delete with undo, export."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from pathlib import Path

from poetstudio.errors import UserError
from poetstudio.library.record import SavedPoem, poem_from_stored, problems
from poetstudio.library.schema import SCHEMA_VERSION, migrate

BUSY_TIMEOUT_MS = 5000  # another studio's write holds the lock for milliseconds; wait rather than fail
MAX_ID = 2**63 - 1  # SQLite's largest integer: no poem id (nor a LIMIT) can be larger


class LibraryError(UserError):
    """The library file cannot be used (damaged, newer schema, unreadable); it is left untouched."""


_COLUMNS = ("id, title, text, theme, opening, blend, mood, sampling, seed, model, adapter, favourite, analysis, "
            "created, updated")


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + f".{int(time.time() * 1e6) % 1_000_000:06d}Z"


_NAMES = tuple(name.strip() for name in _COLUMNS.split(","))


def _row_to_poem(row: tuple) -> SavedPoem:
    """Never raises: a row with fields of the wrong type comes back marked damaged (see SavedPoem)."""
    return poem_from_stored(dict(zip(_NAMES, row)))


def _missing(poem_id: int) -> UserError:
    """The error for an id no poem in the library has."""
    return UserError(f"no poem with id {poem_id} in the library; `poetstudio library list` shows the ids")


def fts_query(text: str) -> str:
    """Turn what a person types into an FTS5 query: every word must match, the last one as a prefix."""
    words = re.findall(r"\w+", text.lower())
    return " ".join(f'"{w}"*' for w in words)


class Library:
    """One library file. Every write is its own transaction, so a killed process loses nothing committed."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._check_existing()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                                    check_same_thread=False)
        self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = NORMAL")
        migrate(self.conn)

    def _check_existing(self) -> None:
        """Refuse (without writing) a folder, a damaged file or one made by a newer poetstudio."""
        if self.path.is_dir():
            raise LibraryError(f"{self.path} is a folder, not a library file; name a file (a new name starts a new "
                               "library)")
        if not self.path.exists():
            return
        try:
            probe = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
            try:
                version = probe.execute("PRAGMA user_version").fetchone()[0]
                ok = probe.execute("PRAGMA quick_check").fetchone()[0]
            finally:
                probe.close()
        except sqlite3.DatabaseError as exc:
            raise LibraryError(f"{self.path} is damaged or not a poetstudio library ({exc}); it was left untouched: "
                               "move it aside to start a new one") from None
        if ok != "ok":
            raise LibraryError(f"{self.path} is damaged ({ok}); it was left untouched: "
                               "restore a backup or move it aside")
        if version > SCHEMA_VERSION:
            raise LibraryError(f"{self.path} was made by a newer poetstudio (schema {version}, this one knows "
                               f"{SCHEMA_VERSION}); upgrade poetstudio. The file was left untouched")

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def save(self, poem: SavedPoem) -> SavedPoem:
        """Insert a poem; returns it with id and times set. A field of the wrong type is a UserError."""
        with self._write():
            poem_id = self._insert(poem)
        return self.get(poem_id)

    def import_poems(self, poems: list[SavedPoem]) -> tuple[int, int]:
        """Add poems in one transaction, skipping any already here (same title and text, and the same
        `created` when the poem has one); returns (added, skipped)."""
        added = skipped = 0
        with self._write():
            for poem in poems:
                if self._has(poem):
                    skipped += 1
                else:
                    self._insert(poem)
                    added += 1
        return added, skipped

    def _has(self, poem: SavedPoem) -> bool:
        query = "SELECT 1 FROM poems WHERE deleted = 0 AND title = ? AND text = ?"
        params: tuple = (poem.title, poem.text)
        if poem.created:
            query, params = query + " AND created = ?", params + (poem.created,)
        return self.conn.execute(query + " LIMIT 1", params).fetchone() is not None

    def _insert(self, poem: SavedPoem) -> int:
        found = problems(poem.__dict__)
        if found:
            raise UserError(f"cannot save “{poem.title}”: {found[0]}")
        now = _now()
        cursor = self.conn.execute(
            "INSERT INTO poems (title, text, theme, opening, blend, mood, sampling, seed, model, adapter,"
            " favourite, analysis, poets, created, updated) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (poem.title, poem.text, poem.theme, poem.opening, json.dumps(poem.blend), poem.mood,
             json.dumps(poem.sampling), poem.seed, poem.model, poem.adapter, int(poem.favourite),
             json.dumps(poem.analysis), ", ".join(poem.blend), poem.created or now, now),
        )
        return cursor.lastrowid

    def get(self, poem_id: int) -> SavedPoem:
        """One poem by id; a missing id is a UserError."""
        row = self.conn.execute(f"SELECT {_COLUMNS} FROM poems WHERE id = ? AND deleted = 0", (poem_id,)).fetchone()
        if row is None:
            raise _missing(poem_id)
        return _row_to_poem(row)

    def list(self, limit: int = 200) -> list[SavedPoem]:
        """Poems, newest first; `limit` -1 means all. A bad row comes back marked damaged, never raises."""
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM poems WHERE deleted = 0 ORDER BY created DESC, id DESC LIMIT ?", (limit,)
        )
        return [_row_to_poem(r) for r in rows]

    def search(self, text: str, limit: int = 200) -> list[SavedPoem]:
        """Poems whose title, text or poets match every word typed (as prefixes), newest saved first;
        `limit` -1 means all."""
        query = fts_query(text)
        if not query:
            return self.list(limit)
        rows = self.conn.execute(
            f"SELECT {', '.join('p.' + c.strip() for c in _COLUMNS.split(','))} FROM poems_fts f "
            "JOIN poems p ON p.id = f.rowid WHERE poems_fts MATCH ? AND p.deleted = 0 "
            "ORDER BY f.rowid DESC LIMIT ?",  # FTS5 walks rowids backwards and stops at the limit: no sort
            (query, limit),
        )
        return [_row_to_poem(r) for r in rows]

    def rename(self, poem_id: int, title: str) -> SavedPoem:
        """Give a poem a new title."""
        if not title.strip():
            raise UserError("a title cannot be empty")
        self.get(poem_id)
        with self._write():
            self.conn.execute("UPDATE poems SET title = ?, updated = ? WHERE id = ?", (title.strip(), _now(), poem_id))
        return self.get(poem_id)

    def set_analysis(self, poem_id: int, analysis: dict) -> SavedPoem:
        """Keep a poem's analysis (computed after it was saved, or again by a newer poetstudio)."""
        self.get(poem_id)
        with self._write():
            self.conn.execute("UPDATE poems SET analysis = ? WHERE id = ?", (json.dumps(analysis), poem_id))
        return self.get(poem_id)

    def set_favourite(self, poem_id: int, favourite: bool) -> SavedPoem:
        """Mark or unmark a favourite."""
        with self._write():
            self.conn.execute(
                "UPDATE poems SET favourite = ?, updated = ? WHERE id = ?", (int(favourite), _now(), poem_id)
            )
        return self.get(poem_id)

    def delete(self, poem_id: int) -> None:
        """Delete a poem, recoverably: `undelete` brings it back."""
        self.get(poem_id)
        with self._write():
            self.conn.execute("UPDATE poems SET deleted = 1, updated = ? WHERE id = ?", (_now(), poem_id))

    def undelete(self, poem_id: int) -> SavedPoem:
        """Undo a delete; a poem that is not in the trash (never deleted, or restored already) or no poem at all
        is a UserError."""
        row = self.conn.execute("SELECT deleted FROM poems WHERE id = ?", (poem_id,)).fetchone()
        if row is None:
            raise _missing(poem_id)
        if not row[0]:
            raise UserError(f"poem {poem_id} is not in the trash (it was never deleted, or is restored already); "
                            f"`poetstudio library show {poem_id}` shows it")
        with self._write():
            self.conn.execute("UPDATE poems SET deleted = 0 WHERE id = ?", (poem_id,))
        return self.get(poem_id)

    def count(self) -> int:
        """How many poems are saved."""
        return self.conn.execute("SELECT count(*) FROM poems WHERE deleted = 0").fetchone()[0]

    def _write(self):
        return _Transaction(self.conn)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on error: the write lock is taken up front, so no deadlock."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self):
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, *_):
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
        return False
