"""Saved poems in SQLite: save, list newest first, search as you type, rename, delete with undo, export."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path

from poetstudio.atomic_file import write_problem
from poetstudio.errors import UserError
from poetstudio.library.record import SavedPoem, poem_from_stored, problems
from poetstudio.library.schema import SCHEMA_VERSION, migrate

BUSY_TIMEOUT_MS = 10_000  # another studio's write holds the lock for milliseconds; an import for longer: wait
WRITE_ATTEMPTS = 3  # a write still locked out after the wait is tried again this many times in all, then refused
MAX_ID = 2**63 - 1  # SQLite's largest integer: no poem id (nor a LIMIT) can be larger


class LibraryError(UserError):
    """The library file cannot be used (damaged, newer schema, unreadable), or a write to it failed (read-only,
    locked by another program, disk full); it is left untouched, and the message is one line."""


READ_ONLY_ERRORS = ("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")
"""SQLite's error names (and their extended forms) for a file or folder this process cannot write."""


def _error_name(exc: sqlite3.Error) -> str:
    """SQLite's name for an error ('SQLITE_BUSY', 'SQLITE_READONLY_DIRECTORY'), read from the message when the
    error does not carry it."""
    name = getattr(exc, "sqlite_errorname", None)
    if name:
        return name
    text = str(exc).lower()
    for words, guess in (("locked", "SQLITE_BUSY"), ("readonly", "SQLITE_READONLY"), ("read-only", "SQLITE_READONLY"),
                         ("unable to open", "SQLITE_CANTOPEN"), ("disk is full", "SQLITE_FULL"),
                         ("disk i/o", "SQLITE_IOERR")):
        if words in text:
            return guess
    return "SQLITE_ERROR"


def _cannot_write(exc: sqlite3.Error) -> bool:
    """Whether an error says the library's file or folder cannot be written (as opposed to damaged)."""
    return _error_name(exc).startswith(READ_ONLY_ERRORS)


def _locked(exc: sqlite3.Error) -> bool:
    """Whether an error says another connection holds the write lock."""
    return _error_name(exc).startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))


def read_only_message(path: Path) -> str:
    """What a write to a read-only library says (the studio and the commands alike)."""
    return (f"the library {path} is read-only (its file or folder cannot be written): its poems can be read, "
            "not saved or changed; make it writable, or name another library with --db or POETSTUDIO_DATA_DIR")


def locked_message(path: Path) -> str:
    """What a write says when another program kept the library locked through every wait."""
    return (f"the library {path} is locked: another poetstudio (or another program) is writing to it; "
            "nothing was changed: try again when it has finished")


def write_failure(exc: sqlite3.Error, path: Path) -> LibraryError:
    """A failed write to the library as one line: read-only, locked, disk full, or what SQLite said."""
    name = _error_name(exc)
    if _cannot_write(exc):
        return LibraryError(read_only_message(path))
    if _locked(exc):
        return LibraryError(locked_message(path))
    if name.startswith("SQLITE_FULL"):
        return LibraryError(f"the disk holding the library {path} is full; nothing was changed: free some space "
                            "and try again")
    return LibraryError(f"could not write to the library {path} ({exc}); nothing was changed")


def connect(target: str | Path, uri: bool = False) -> sqlite3.Connection:
    """Open a connection (every connection of the library is opened here)."""
    return sqlite3.connect(target, uri=uri, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                           check_same_thread=False)


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection: `mode=ro` where SQLite can keep its shared-memory file beside the library, else
    `immutable` (a folder that cannot be written: nothing else can be writing there either)."""
    try:
        conn = connect(f"file:{path}?mode=ro", uri=True)
        conn.execute("PRAGMA user_version").fetchone()
        return conn
    except sqlite3.OperationalError as exc:
        if not _cannot_write(exc):
            raise
    return connect(f"file:{path}?mode=ro&immutable=1", uri=True)


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
        self.read_only = False  # True: a sound library this process cannot write; its poems are read, not changed
        self._check_existing()
        self._make_folder()
        try:
            self.conn = self._open_writable()
        except sqlite3.OperationalError as exc:
            if not (_cannot_write(exc) and self.path.exists()):
                raise self._open_failure(exc) from None
            self.conn = self._open_read_only()
        else:  # SQLite opens a file it may not write read-only, without a word: say so before the first save
            self.read_only = not os.access(self.path, os.W_OK)

    def _check_existing(self) -> None:
        """Refuse (without writing) a folder, a damaged file or one made by a newer poetstudio."""
        if self.path.is_dir():
            raise LibraryError(f"{self.path} is a folder, not a library file; name a file (a new name starts a new "
                               "library)")
        if not self.path.exists():
            return
        try:
            probe = connect_read_only(self.path)
            try:
                version = probe.execute("PRAGMA user_version").fetchone()[0]
                ok = probe.execute("PRAGMA quick_check").fetchone()[0]
            finally:
                probe.close()
        except sqlite3.DatabaseError as exc:
            if _locked(exc):
                raise LibraryError(locked_message(self.path)) from None
            if _cannot_write(exc):  # not damage: this process may not read it (or make SQLite's files beside it)
                raise LibraryError(f"cannot read the library {self.path} ({exc}); check its permissions and its "
                                   "folder's; it was left untouched") from None
            raise LibraryError(f"{self.path} is damaged or not a poetstudio library ({exc}); it was left untouched: "
                               "move it aside to start a new one") from None
        if ok != "ok":
            raise LibraryError(f"{self.path} is damaged ({ok}); it was left untouched: "
                               "restore a backup or move it aside")
        if version > SCHEMA_VERSION:
            raise LibraryError(f"{self.path} was made by a newer poetstudio (schema {version}, this one knows "
                               f"{SCHEMA_VERSION}); upgrade poetstudio. The file was left untouched")

    def _make_folder(self) -> None:
        """Make the library's folder; one that cannot be made is a LibraryError saying where and why."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LibraryError(f"cannot make the folder for the library {self.path}: {write_problem(exc, self.path)}; "
                               "or name another library with --db or POETSTUDIO_DATA_DIR") from None

    def _open_writable(self) -> sqlite3.Connection:
        """Open for reading and writing: WAL, and the migrations the file lacks."""
        conn = connect(self.path)
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            migrate(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _open_read_only(self) -> sqlite3.Connection:
        """Open a sound library that cannot be written: read it, refuse every change (`read_only`)."""
        try:
            conn = connect_read_only(self.path)
        except sqlite3.Error as exc:
            raise self._open_failure(exc) from None
        if conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
            conn.close()
            raise LibraryError(f"{self.path} was made by an older poetstudio and must be upgraded, but it is "
                               "read-only (its file or folder cannot be written); make it writable and open it again")
        self.read_only = True
        return conn

    def _open_failure(self, exc: sqlite3.Error) -> LibraryError:
        """Why the library could not be opened, in one line: locked, no file that can be made, or SQLite's word."""
        if _locked(exc):
            return LibraryError(locked_message(self.path))
        if _cannot_write(exc) and not self.path.exists():
            return LibraryError(f"cannot make a library at {self.path}: its folder cannot be written; make it "
                                "writable, or name another library with --db or POETSTUDIO_DATA_DIR")
        return LibraryError(f"cannot open the library {self.path} ({exc}); it was left untouched")

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

    @contextmanager
    def _write(self):
        """BEGIN IMMEDIATE ... COMMIT, rolled back on error: the write lock is taken up front, so no deadlock.
        A read-only library, a lock held through every wait, a full disk: one-line LibraryError, nothing changed."""
        if self.read_only:
            raise LibraryError(read_only_message(self.path))
        self._begin()
        try:
            yield self.conn
        except BaseException as exc:
            self._roll_back()
            if isinstance(exc, sqlite3.OperationalError):
                raise write_failure(exc, self.path) from None
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            self._roll_back()
            raise write_failure(exc, self.path) from None

    def _begin(self) -> None:
        """Take the write lock, waiting BUSY_TIMEOUT_MS each time, WRITE_ATTEMPTS times, while another holds it."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not _locked(exc) or attempt == WRITE_ATTEMPTS:
                    raise write_failure(exc, self.path) from None

    def _roll_back(self) -> None:
        """Undo the open transaction (SQLite may have undone it already)."""
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
