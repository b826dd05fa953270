"""The library's schema as numbered migrations; PRAGMA user_version records how far a file has come."""

from __future__ import annotations

import sqlite3

MIGRATIONS: list[str] = [
    # 1: the first library: poems with how they were made.
    """
    CREATE TABLE poems (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        theme TEXT NOT NULL DEFAULT '',
        opening TEXT NOT NULL DEFAULT '',
        blend TEXT NOT NULL DEFAULT '{}',
        mood TEXT,
        sampling TEXT NOT NULL DEFAULT '{}',
        seed INTEGER,
        model TEXT NOT NULL DEFAULT '',
        adapter TEXT,
        created TEXT NOT NULL,
        updated TEXT NOT NULL
    );
    CREATE INDEX poems_created ON poems(created);
    """,
    # 2: favourites, soft delete (for undo), and full-text search over title, text and poets.
    """
    ALTER TABLE poems ADD COLUMN favourite INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE poems ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE poems ADD COLUMN poets TEXT NOT NULL DEFAULT '';
    UPDATE poems SET poets = (SELECT group_concat(key, ', ') FROM json_each(poems.blend));
    CREATE VIRTUAL TABLE poems_fts USING fts5(title, text, poets, content='poems', content_rowid='id',
                                             tokenize='unicode61 remove_diacritics 2');
    CREATE TRIGGER poems_ai AFTER INSERT ON poems BEGIN
        INSERT INTO poems_fts(rowid, title, text, poets) VALUES (new.id, new.title, new.text, new.poets);
    END;
    CREATE TRIGGER poems_ad AFTER DELETE ON poems BEGIN
        INSERT INTO poems_fts(poems_fts, rowid, title, text, poets)
            VALUES ('delete', old.id, old.title, old.text, old.poets);
    END;
    CREATE TRIGGER poems_au AFTER UPDATE OF title, text, poets ON poems BEGIN
        INSERT INTO poems_fts(poems_fts, rowid, title, text, poets)
            VALUES ('delete', old.id, old.title, old.text, old.poets);
        INSERT INTO poems_fts(rowid, title, text, poets) VALUES (new.id, new.title, new.text, new.poets);
    END;
    INSERT INTO poems_fts(poems_fts) VALUES ('rebuild');
    """,
    # 3: the poem's reading (rhyme, metre, form) and attribution, as JSON, kept with it.
    """
    ALTER TABLE poems ADD COLUMN analysis TEXT NOT NULL DEFAULT '{}';
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Apply the migrations a database lacks, each in its own transaction; returns the new version."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    for number in range(version + 1, target + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = conn.execute("PRAGMA user_version").fetchone()[0]
            if current < number:
                for statement in _statements(MIGRATIONS[number - 1]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return conn.execute("PRAGMA user_version").fetchone()[0]


def _statements(script: str) -> list[str]:
    """Split a migration into complete statements (triggers contain semicolons of their own)."""
    statements, current = [], ""
    for line in script.strip().splitlines():
        current += line + "\n"
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return statements
