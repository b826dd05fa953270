"""The saved-poem library: save and search, migrations, damaged and newer files, concurrent and killed writers."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from poetstudio.cli import main
from poetstudio.errors import UserError
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



def test_undelete_of_a_poem_not_in_the_trash_says_so_in_one_line(tmp_path, capsys):
    db = str(tmp_path / "lib.sqlite3")
    library = Library(db)
    saved = library.save(poem())
    with pytest.raises(UserError, match="not in the trash"):
        library.undelete(saved.id)
    library.close()
    assert main(["library", "--db", db, "undelete", str(saved.id)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and f"poem {saved.id} is not in the trash" in err
    assert main(["library", "--db", db, "undelete", "999"]) == 2
    assert "no poem with id 999" in capsys.readouterr().err
    main(["library", "--db", db, "delete", str(saved.id)])
    assert main(["library", "--db", db, "undelete", str(saved.id)]) == 0
    assert "restored" in capsys.readouterr().out


ID_COMMANDS = [["show"], ["export"], ["rename", "{id}", "New"], ["delete"], ["undelete"]]


@pytest.mark.parametrize("bad", ["99999999999999999999", "9223372036854775808", "-99999999999999999999", "0"])
@pytest.mark.parametrize("command", ID_COMMANDS, ids=lambda c: c[0])
def test_every_id_argument_is_checked_against_the_sqlite_range(tmp_path, capsys, command, bad):
    args = [part.replace("{id}", bad) for part in command] if "{id}" in command else command + [bad]
    with pytest.raises(SystemExit) as exit_:
        main(["library", "--db", str(tmp_path / "lib.sqlite3"), *args])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.count("\n") == 1 and "must be a poem id from 1 to 9223372036854775807" in err


@pytest.mark.parametrize("limit", ["9223372036854775807", "99999999999999999999"])
def test_a_limit_past_what_sqlite_counts_is_one_line(tmp_path, capsys, limit):
    with pytest.raises(SystemExit) as exit_:
        main(["library", "--db", str(tmp_path / "lib.sqlite3"), "list", "--limit", limit])
    assert exit_.value.code == 2 and "--limit: must be from 0 (no limit)" in capsys.readouterr().err


def test_the_largest_id_is_looked_up_not_refused(tmp_path, capsys):
    assert main(["library", "--db", str(tmp_path / "lib.sqlite3"), "show", "9223372036854775807"]) == 2
    assert "no poem with id 9223372036854775807" in capsys.readouterr().err


def test_a_folder_given_as_the_library_is_one_line(tmp_path, capsys):
    assert main(["library", "--db", str(tmp_path), "list"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is a folder, not a library file; name a file" in err


def test_markdown_export_keeps_a_poem_s_indentation_and_stanzas():
    saved = poem(text="The tide comes in\n    and takes the light\n\n\tthe gulls\nreturn")
    body = render(saved, "md").split("\n\n---")[0]
    nbsp = "\u00a0"
    assert body == (f"# Night Sea\n\nThe tide comes in  \n{nbsp * 4}and takes the light  \n  \n"
                    f"{nbsp * 4}the gulls  \nreturn")
    assert "\n    " not in body  # four plain spaces would start a code block


def test_an_export_file_name_keeps_letters_in_any_script():
    from poetstudio.library.export import title_slug

    assert title_slug("Stillé Wäter 🌊 night") == "stillé-wäter-night"
    assert title_slug("हिन्दी कविता") == "हिन्दी-कविता" and title_slug("夜の海") == "夜の海"
    assert title_slug('a/b\\c:d*e?f"g<h>i|j') == "a-b-c-d-e-f-g-h-i-j"
    assert title_slug("🌊 … 🌊") == "poem" and len(title_slug("wäter " * 20)) <= 40


def test_list_columns_line_up_for_wide_titles(tmp_path, capsys):
    from rich.cells import cell_len

    db = str(tmp_path / "lib.sqlite3")
    library = Library(db)
    for title in ("Plain", "Stillé Wäter 🌊 night", "夜の海と月", "🌊" * 30, "Two\nlines"):
        library.save(poem(title))
    library.close()
    assert main(["library", "--db", db, "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5
    assert {cell_len(line.split("70% Emily Dickinson")[0]) for line in lines} == {cell_len(lines[0].split("70%")[0])}


def test_an_export_with_a_byte_order_mark_imports(tmp_path, capsys):
    exported = tmp_path / "marked.json"
    exported.write_bytes(b"\xef\xbb\xbf" + json.dumps(poem().to_dict()).encode("utf-8"))
    assert main(["library", "--db", str(tmp_path / "lib.sqlite3"), "import", str(exported)]) == 0
    assert "imported 1 poem(s)" in capsys.readouterr().out


def test_an_export_names_free_verse_once():
    reading = {"scheme": "ABC", "meter": "free verse", "form": "free verse"}
    text = render(poem(analysis={"reading": reading}), "txt")
    assert "; ABC · free verse\n" in text and "free verse · free verse" not in text
