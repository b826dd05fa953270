"""Faults the program meets in the world (issue 28): folders and files it cannot write, a library locked by
another writer, a full disk, a damaged or hand-edited draft. Each says so in one line and loses nothing.

Tests run as root here, where a chmod'ed folder is still writable, so the faults are simulated:
- a read-only folder: the write raises PermissionError (as mkstemp does in such a folder), or the library's
  connections are opened as SQLite opens them in a read-only folder (`read_only_folder`: a read-write open
  fails with SQLITE_READONLY_DIRECTORY 'attempt to write a readonly database', and so does a `mode=ro` open,
  which must make its shared-memory file beside the library; an `immutable` open reads). Checked by hand as an
  unprivileged user (runuser -u nobody) against a real chmod 555 folder: the same errors, the same messages.
- no data folder that can be made: POETSTUDIO_DATA_DIR under a plain file (real: ENOTDIR, even for root).
- a locked library: a second connection holds BEGIN IMMEDIATE (real), with the wait cut short.
- a full disk: /dev/full (real ENOSPC) or a write that raises OSError(ENOSPC) half way.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import threading

import pytest

from poetstudio.cli import main
from poetstudio.draft import Draft, read_draft, save_draft
from poetstudio.errors import FileWriteError, UserError
from poetstudio.library import Library, LibraryError, SavedPoem
from poetstudio.library import store as store_module
from poetstudio.library.export import print_export, render_all, write_export
from poetstudio.paths import draft_path, library_path
from poetstudio.ui.launch import build_app
from poetstudio.ui.poem_pane import PoemPane
from poetstudio.ui.poets_pane import PoetsPane
from poetstudio.ui.prompt_pane import PromptPane
from tests.conftest import StubEngine, wait_for

SIZE = (140, 40)


def a_poem(title: str = "Night Sea") -> SavedPoem:
    return SavedPoem(title=title, text="The tide comes in\n", blend={"Emily Dickinson": 1.0}, seed=7)


def saved_library(path) -> None:
    library = Library(path)
    library.save(a_poem())
    library.close()


def export_file(tmp_path) -> str:
    path = tmp_path / "export.json"
    path.write_text(json.dumps([a_poem("Imported").to_dict()]), encoding="utf-8")
    return str(path)


def readonly_error() -> sqlite3.OperationalError:
    error = sqlite3.OperationalError("attempt to write a readonly database")
    error.sqlite_errorname = "SQLITE_READONLY_DIRECTORY"
    return error


@pytest.fixture
def read_only_folder(monkeypatch):
    """Open every library as SQLite does in a folder this process cannot write (see the module's docstring)."""
    real = store_module.connect

    def connect(target, uri=False):
        if "immutable=1" in str(target):
            return real(target, uri)
        raise readonly_error()

    monkeypatch.setattr(store_module, "connect", connect)


@pytest.fixture
def read_only_file(monkeypatch):
    """Open every library as SQLite does a file it may not write in a folder it may: read-only, without a word;
    each write fails with 'attempt to write a readonly database'. os.access answers as root does (writable),
    so the first sign is the failed write."""
    real = store_module.connect

    def connect(target, uri=False):
        return real(target if uri else f"file:{target}?mode=ro", True)

    monkeypatch.setattr(store_module, "connect", connect)


async def settle(pilot, app):
    await wait_for(pilot, lambda: app.load_started, 20)
    await app.workers.wait_for_complete()
    await pilot.pause()


def messages(app) -> list[str]:
    return [n.message for n in app._notifications]


# 21: folders and files the program cannot write --------------------------------------------------------------


def test_a_sound_library_in_a_read_only_folder_is_read_not_called_damaged(tmp_path, read_only_folder):
    db = tmp_path / "lib.sqlite3"
    saved_library_writable(db)  # made while its folder could be written
    library = Library(db)
    assert library.read_only and [p.title for p in library.list()] == ["Night Sea"]
    with pytest.raises(LibraryError) as refused:
        library.save(a_poem("Another"))
    message = str(refused.value)
    assert "is read-only" in message and str(db) in message and "damaged" not in message and "move" not in message
    library.close()


def saved_library_writable(db) -> None:
    """Make a library with the real connection (the fixture only changes `store.connect`)."""
    conn = sqlite3.connect(db, isolation_level=None)
    from poetstudio.library.schema import migrate

    conn.execute("PRAGMA journal_mode = WAL")
    migrate(conn)
    conn.execute("INSERT INTO poems (title, text, blend, poets, created, updated) VALUES ('Night Sea', 'tide', "
                 "'{\"Emily Dickinson\": 1.0}', 'Emily Dickinson', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')")
    conn.close()


def test_importing_into_a_read_only_library_is_one_line(tmp_path, capsys, read_only_folder):
    db = tmp_path / "lib.sqlite3"
    saved_library_writable(db)
    assert main(["library", "--db", str(db), "list"]) == 0
    assert "Night Sea" in capsys.readouterr().out
    assert main(["library", "--db", str(db), "import", export_file(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is read-only" in err and str(db) in err


def test_a_write_refused_by_a_read_only_file_is_one_line(tmp_path, capsys, read_only_file):
    db = tmp_path / "lib.sqlite3"
    saved_library_writable(db)
    assert main(["library", "--db", str(db), "import", export_file(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is read-only" in err
    assert main(["library", "--db", str(db), "rename", "1", "New"]) == 2
    assert "is read-only" in capsys.readouterr().err


def test_no_library_can_be_made_in_a_read_only_folder(tmp_path, capsys, read_only_folder):
    assert main(["library", "--db", str(tmp_path / "new.sqlite3"), "list"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot make a library at" in err and "folder cannot be written" in err


def test_no_data_folder_that_can_be_made_is_one_line(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("POETSTUDIO_DATA_DIR", str(blocker / "data"))
    assert main(["library", "list"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot make the folder for the library" in err and "a file is in the way" in err


async def test_the_studio_opens_without_a_data_folder_and_says_why_once(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("POETSTUDIO_DATA_DIR", str(blocker / "data"))
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert app.library is None and any("cannot make the folder" in m for m in messages(app))
        app.save_draft_now()
        app.save_draft_now()
        await pilot.pause()
        told = [m for m in messages(app) if m.startswith("the draft is not being saved")]
        assert len(told) == 1 and "a file is in the way" in told[0]


async def test_a_read_only_data_folder_does_not_crash_the_autosave(monkeypatch):
    def refused(*_args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", kwargs.get("dir"))

    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        with monkeypatch.context() as patch:
            patch.setattr("poetstudio.atomic_file.tempfile.mkstemp", refused)
            await pilot.press("f6", *"tides")
            await pilot.press("ctrl+g")
            await settle(pilot, app)
            app.save_draft_now()
            await pilot.pause()
            assert app.is_running and app.query_one(PoemPane).text.strip()
            told = [m for m in messages(app) if m.startswith("the draft is not being saved")]
            assert len(told) == 1 and "permission denied" in told[0] and "save the poem to the library" in told[0]
        app.save_draft_now()  # the folder is writable again: saved, and a later failure is told again
        assert app.draft_save_error is None and draft_path().exists()


async def test_the_studio_reads_a_read_only_library_and_saving_says_where(read_only_folder):
    saved_library_writable(library_path_made())
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert app.library.read_only and [p.title for p in app.library.list()] == ["Night Sea"]
        assert any("is read-only" in m for m in messages(app))
        await pilot.press("ctrl+g")
        await settle(pilot, app)
        before = len(messages(app))
        await pilot.press("ctrl+s")
        await pilot.pause()
        said = messages(app)[before:]
        assert len(said) == 1 and "is read-only" in said[0] and str(library_path()) in said[0]
        assert len(app.screen_stack) == 1 and app.is_running  # no title asked for a save that cannot happen


def library_path_made():
    path = library_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


# 22: a library locked by another writer ----------------------------------------------------------------------


@pytest.fixture
def short_waits(monkeypatch):
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 100)


def hold_the_lock(db) -> sqlite3.Connection:
    """Another program writing the library: a connection in the middle of a write transaction."""
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_an_import_into_a_locked_library_waits_then_says_so_in_one_line(tmp_path, capsys, short_waits):
    db = tmp_path / "lib.sqlite3"
    saved_library(db)
    holder = hold_the_lock(db)
    try:
        assert main(["library", "--db", str(db), "import", export_file(tmp_path)]) == 2
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is locked: another poetstudio (or another program)" in err and "try again" in err
    assert main(["library", "--db", str(db), "import", export_file(tmp_path)]) == 0


def test_a_lock_let_go_during_the_retries_lets_the_import_through(tmp_path, capsys, short_waits):
    db = tmp_path / "lib.sqlite3"
    saved_library(db)
    holder = hold_the_lock(db)
    release = threading.Timer(0.15, lambda: holder.execute("COMMIT"))  # after the first wait, before the last
    release.start()
    try:
        assert main(["library", "--db", str(db), "import", export_file(tmp_path)]) == 0
    finally:
        release.join()
        holder.close()
    assert "imported 1 poem(s)" in capsys.readouterr().out


# 23: a full disk ---------------------------------------------------------------------------------------------


def test_an_export_to_a_full_disk_is_one_line(tmp_path):
    text = render_all([a_poem(), a_poem("Second")], "md")
    with open(os.devnull if not os.path.exists("/dev/full") else "/dev/full", "w", encoding="utf-8") as full:
        if full.name == os.devnull:
            pytest.skip("no /dev/full here")
        with pytest.raises(UserError, match="could not write the export to standard output: the disk is full"):
            print_export(text, full)


@pytest.mark.parametrize("mode", ["w", "a"])
def test_an_export_cut_short_by_a_full_disk_leaves_the_file_as_it_was(tmp_path, monkeypatch, mode):
    out = tmp_path / "all.md"
    out.write_text("kept from before\n", encoding="utf-8")
    real_write = os.write

    def half_then_full(fd, data):
        if len(data) > 10:
            real_write(fd, bytes(data[:10]))
            return 10
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("poetstudio.library.export.os.write", half_then_full)
    with open(out, mode, encoding="utf-8") as stream:
        with pytest.raises(UserError, match="the disk is full"):
            print_export(render_all([a_poem()], "md"), stream)
    assert out.read_text(encoding="utf-8") == ("kept from before\n" if mode == "a" else "")


def test_an_export_file_on_a_full_disk_is_one_line_and_no_half_file(tmp_path, monkeypatch):
    def full(_fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("poetstudio.atomic_file.os.fsync", full)
    with pytest.raises(FileWriteError, match="the disk is full") as failed:
        write_export(render_all([a_poem()], "json"), tmp_path / "all.json")
    assert failed.value.errno == errno.ENOSPC and isinstance(failed.value, OSError)
    assert list(tmp_path.iterdir()) == []


async def test_a_studio_export_on_a_full_disk_is_one_line_and_leaves_no_half_file(monkeypatch, user_dirs):
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f6", *"tides")
        await pilot.press("ctrl+g")
        await settle(pilot, app)

        def full(_fd):
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr("poetstudio.atomic_file.os.fsync", full)
        await pilot.press("f7", "x")
        await pilot.pause()
        told = [n.message for n in app._notifications if n.severity == "error"]
        assert len(told) == 1 and "the disk is full" in told[0] and app.is_running
        assert list((user_dirs / "data" / "exports").iterdir()) == []


# 26: the draft -----------------------------------------------------------------------------------------------


async def test_a_weight_written_as_text_in_the_draft_opens_the_studio(tmp_path):
    path = draft_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"theme": "tides", "blend": {"Emily Dickinson": "0.5", "Edgar Allan Poe": 0.5}}))
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert app.query_one(PromptPane).theme == "tides"
        assert app.query_one(PoetsPane).blend.active() == {"Edgar Allan Poe": 0.5}
        said = [m for m in messages(app) if "draft" in m]
        assert len(said) == 1 and "blend" in said[0] and "replaced by the defaults" in said[0]


async def test_a_corrupt_draft_is_kept_aside_and_the_studio_says_where_once():
    path = draft_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"theme": "half a dra')
    (path.parent / "draft.damaged").write_text("an earlier damaged draft")
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        kept = path.parent / "draft-2.damaged"
        assert kept.read_text() == '{"theme": "half a dra'
        assert (path.parent / "draft.damaged").read_text() == "an earlier damaged draft"
        said = [m for m in messages(app) if "draft" in m]
        assert len(said) == 1 and str(kept) in said[0]


BAD_FIELDS = [
    ("theme", 3, "theme", ""),
    ("opening", ["a"], "opening", ""),
    ("mood", {"x": 1}, "mood", None),
    ("blend", ["Emily Dickinson"], "blend", {}),
    ("blend", {"Emily Dickinson": True, "Edgar Allan Poe": 0.5}, "blend", {"Edgar Allan Poe": 0.5}),
    ("blend", {"Emily Dickinson": float("nan")}, "blend", {}),
    ("sampling", "hot", "sampling", {}),
    ("sampling", {"temperature": "0.8", "top_k": 40}, "sampling", {"top_k": 40}),
    ("sampling", {"top_k": 4.5, "pinned": "yes", "form": 3}, "sampling", {}),
    ("sampling", {"seed": 2**70, "strength": -1, "word_repeats": -2}, "sampling", {}),
    ("poems", "a poem", "poems", []),
    ("poems", ["a poem", 7], "poems", ["a poem"]),
    ("seeds", ["7"], "poems", ["a poem"]),
]


@pytest.mark.parametrize("name, value, replaced, expected", BAD_FIELDS)
def test_every_field_of_the_draft_is_checked_with_a_fallback(tmp_path, name, value, replaced, expected):
    path = tmp_path / "draft.json"
    good = {"theme": "tides", "poems": ["a poem"], "seeds": [7], "sampling": {"temperature": 0.8, "future": [1]}}
    path.write_text(json.dumps({**good, name: value}))
    loaded = read_draft(path)
    assert getattr(loaded.draft, name if name != "seeds" else "poems") == expected
    assert loaded.note and replaced in loaded.note and path.exists()
    if name not in ("sampling", "theme"):
        assert loaded.draft.theme == "tides" and loaded.draft.sampling == good["sampling"]  # unknown keys kept


def test_a_sound_draft_loads_whole_and_says_nothing(tmp_path):
    path = tmp_path / "draft.json"
    draft = Draft(theme="tides", opening="The sea", blend={"Emily Dickinson": 0.5}, mood="Fear",
                  sampling={"temperature": 0.8, "seed": None, "pinned": False, "form": None}, poems=["p"], seeds=[3])
    save_draft(draft, path)
    loaded = read_draft(path)
    assert loaded.draft == draft and loaded.note is None and loaded.writable


def test_a_draft_that_cannot_be_read_is_not_saved_over(tmp_path, monkeypatch):
    path = tmp_path / "draft.json"
    path.write_text('{"theme": "mine"}')

    def refused(*_args, **_kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("pathlib.Path.read_text", refused)
    loaded = read_draft(path)
    assert not loaded.writable and "could not read the draft" in loaded.note and loaded.draft == Draft()


def test_library_export_all_to_a_full_disk_is_one_line_from_the_command(tmp_path):
    import subprocess
    import sys

    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    db = tmp_path / "library.sqlite3"
    saved_library(db)
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "poetstudio", "library", "--db", str(db), "export", "--all"],
                              stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1 and "disk is full" in lines[0] and "Traceback" not in done.stderr


async def test_changing_a_read_only_library_from_the_studio_says_why_and_keeps_the_studio(read_only_folder):
    from poetstudio.ui.library_pane import LibraryPane

    saved_library_writable(library_path_made())
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        pane = app.query_one(LibraryPane)
        await pilot.press("f8")
        await pilot.pause()
        before = len(messages(app))
        await pane.action_favourite()
        await pilot.pause()
        said = messages(app)[before:]
        assert app.is_running and len(said) == 1 and "is read-only" in said[0]
        assert [p.favourite for p in app.library.list()] == [False]
