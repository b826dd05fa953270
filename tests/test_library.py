"""The saved-poem library: save and search, migrations, damaged and newer files, concurrent and killed writers."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from poetstudio.cli import main
from poetstudio.library import Library, LibraryError, SavedPoem
from poetstudio.library.export import render
from poetstudio.library.schema import MIGRATIONS, SCHEMA_VERSION, migrate


def poem(title="Night Sea", text="The tide comes in\nand takes the light", **kw) -> SavedPoem:
    return SavedPoem(title=title, text=text, theme="the sea at night",
                     blend=kw.pop("blend", {"Emily Dickinson": 0.7, "Edgar Allan Poe": 0.3}), seed=7, **kw)


@pytest.fixture
def library(tmp_path):
    lib = Library(tmp_path / "library.sqlite3")
    yield lib
    lib.close()


def test_save_keeps_everything_and_lists_newest_first(library):
    first = library.save(poem("First", mood="Fear", sampling={"temperature": 0.8}, model="m", adapter="a"))
    second = library.save(poem("Second"))
    assert [p.title for p in library.list()] == ["Second", "First"]
    again = library.get(first.id)
    assert again.mood == "Fear" and again.sampling == {"temperature": 0.8} and again.blend["Emily Dickinson"] == 0.7
    assert again.created and again.updated and again.seed == 7 and second.id != first.id


def test_search_over_title_text_and_poets_as_you_type(library):
    library.save(poem("Night Sea"))
    library.save(poem("Orchard", "Apples fall\nin the grass", blend={"W. B. Yeats": 1.0}))
    assert [p.title for p in library.search("orch")] == ["Orchard"]
    assert [p.title for p in library.search("apples gra")] == ["Orchard"]
    assert [p.title for p in library.search("yeats")] == ["Orchard"]
    assert [p.title for p in library.search("dickinson tide")] == ["Night Sea"]
    assert library.search('"unbalanced (quote') == []
    assert len(library.search("")) == 2


def test_rename_delete_and_undo(library):
    saved = library.save(poem())
    assert library.rename(saved.id, "Harbour").title == "Harbour"
    assert [p.title for p in library.search("harbour")] == ["Harbour"]
    library.delete(saved.id)
    assert library.list() == [] and library.search("harbour") == []
    library.undelete(saved.id)
    assert [p.title for p in library.list()] == ["Harbour"]


def old_library(path, version: int) -> Library:
    """A library file made by an older poetstudio (schema `version`) holding one Donne poem, then opened."""
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, target=version)
    conn.execute("INSERT INTO poems (title, text, blend, created, updated) VALUES "
                 "('Old', 'an old poem', '{\"John Donne\": 1.0}', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')")
    if version >= 2:
        conn.execute("UPDATE poems SET poets = 'John Donne'")
    conn.close()
    return Library(path)


@pytest.mark.parametrize("version", [1, 2])
def test_migrates_an_old_library_without_losing_poems(tmp_path, version):
    library = old_library(tmp_path / "old.sqlite3", version)
    assert library.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == len(MIGRATIONS)
    assert [p.title for p in library.search("donne")] == ["Old"]
    assert library.get(1).favourite is False and library.get(1).analysis == {}
    library.close()


def test_newer_library_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "new.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(LibraryError, match="newer poetstudio"):
        Library(path)
    assert path.read_bytes() == before


def test_damaged_library_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "broken.sqlite3"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    before = path.read_bytes()
    with pytest.raises(LibraryError, match="left untouched"):
        Library(path)
    assert path.read_bytes() == before


WRITER = textwrap.dedent("""
    import sys
    from poetstudio.library import Library, SavedPoem
    lib = Library(sys.argv[1])
    for i in range(int(sys.argv[3])):
        lib.save(SavedPoem(title=f"{sys.argv[2]} {i}", text="line", blend={"John Donne": 1.0}))
        if sys.argv[4] == "hang" and i == 4:
            print("saved", flush=True)
            import time; time.sleep(60)
""")


def test_two_writers_at_once_do_not_corrupt_the_library(tmp_path):
    path = tmp_path / "shared.sqlite3"
    Library(path).close()
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), name, "40", "run"]) for name in "ab"]
    assert [w.wait(120) for w in writers] == [0, 0]
    library = Library(path)
    assert library.count() == 80
    assert library.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    library.close()


def test_a_killed_writer_loses_nothing_committed(tmp_path):
    path = tmp_path / "killed.sqlite3"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), "k", "10", "hang"], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout.readline().strip() == "saved"
    writer.kill()
    writer.wait()
    library = Library(path)
    assert library.count() == 5
    library.close()


def test_headless_library_commands(tmp_path, capsys):
    db = str(tmp_path / "lib.sqlite3")
    library = Library(db)
    saved = library.save(poem())
    library.close()
    assert main(["library", "--db", db, "list"]) == 0
    assert "Night Sea" in capsys.readouterr().out
    main(["library", "--db", db, "search", "tide"])
    assert "Night Sea" in capsys.readouterr().out
    main(["library", "--db", db, "export", str(saved.id), "--format", "md"])
    assert capsys.readouterr().out.startswith("# Night Sea\n\nThe tide comes in  \nand takes the light")
    main(["library", "--db", db, "export", str(saved.id), "--format", "json"])
    exported = tmp_path / "one.json"
    exported.write_text(capsys.readouterr().out)
    assert json.loads(exported.read_text())["blend"] == {"Emily Dickinson": 0.7, "Edgar Allan Poe": 0.3}
    assert main(["library", "--db", db, "import", str(exported)]) == 0
    assert "imported 0 poem(s); skipped 1 already in the library" in capsys.readouterr().out
    other = str(tmp_path / "other.sqlite3")
    assert main(["library", "--db", other, "import", str(exported)]) == 0
    assert "imported 1 poem(s)" in capsys.readouterr().out
    main(["library", "--db", other, "list"])
    assert capsys.readouterr().out.count("Night Sea") == 1
    assert main(["library", "--db", db, "show", "999"]) == 2
    assert "no poem with id 999" in capsys.readouterr().err


def test_a_poem_keeps_its_analysis(library):
    analysis = {"reading": {"scheme": "AA", "meter": "iambic pentameter", "form": "rhyming couplets", "lines": []},
                "attribution": {"shares": {"John Donne": 0.8, "Walt Whitman": 0.2}, "loglik": {}, "tokens": 20}}
    saved = library.save(poem("Kept", analysis=analysis))
    assert library.get(saved.id).analysis == analysis
    assert library.get(library.save(poem("Bare")).id).analysis == {}
    updated = library.set_analysis(saved.id, {"reading": {"scheme": "AB"}})
    assert updated.analysis == {"reading": {"scheme": "AB"}}
    assert "AA · iambic pentameter · rhyming couplets" in render(saved, "md")

