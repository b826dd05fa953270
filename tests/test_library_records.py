"""Library records from the outside world: typed import, damaged rows read without crashing, folders,
duplicates, and the CLI's rename, delete and --limit."""

from __future__ import annotations

import json

import pytest

from poetstudio.cli import main
from poetstudio.errors import UserError
from poetstudio.library import Library, SavedPoem

GOOD = {"title": "Night Sea", "text": "The tide comes in\n", "blend": {"Emily Dickinson": 0.5, "Edgar Allan Poe": 0.5},
        "sampling": {"temperature": 0.8, "top_k": 40, "seed": 7}, "seed": 7, "created": "2026-01-01T00:00:00Z"}


def write(path, data):
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def count(db) -> int:
    library = Library(db)
    try:
        return library.count()
    finally:
        library.close()


@pytest.mark.parametrize("field, value, message", [
    ("blend", {"Emily Dickinson": "0.5"}, "blend: weight of 'Emily Dickinson' must be a number"),
    ("blend", ["Emily Dickinson"], "blend: must be an object"),
    ("sampling", "hot", "sampling: must be an object"),
    ("sampling", {"temperature": "0.8"}, "sampling: 'temperature' must be a number"),
    ("sampling", {"strength": "2"}, "sampling: 'strength' must be a number of 0 or more"),
    ("sampling", {"strength": True}, "sampling: 'strength' must be a number of 0 or more"),
    ("sampling", {"real_words": "no"}, "sampling: 'real_words' must be true or false"),
    ("sampling", {"tidy_lines": 1}, "sampling: 'tidy_lines' must be true or false"),
    ("sampling", {"echo_penalty": -1}, "sampling: 'echo_penalty' must be a number of 0 or more"),
    ("sampling", {"echo_penalty": True}, "sampling: 'echo_penalty' must be a number of 0 or more"),
    ("sampling", {"word_repeats": -1}, "sampling: 'word_repeats' must be a whole number of 0 or more"),
    ("sampling", {"word_repeats": 2.5}, "sampling: 'word_repeats' must be a whole number of 0 or more"),
    ("text", 42, "text: must be text"),
    ("title", "", "title: must not be empty"),
    ("seed", "7", "seed: must be a whole number"),
    ("mood", 3, "mood: must be text or null"),
    ("favourite", "yes", "favourite: must be true or false"),
    ("analysis", {"reading": []}, "analysis: 'reading' must be an object"),
])
def test_import_refuses_a_record_of_the_wrong_type_in_one_line(tmp_path, capsys, field, value, message):
    db = str(tmp_path / "lib.sqlite3")
    bad = write(tmp_path / "bad.json", [GOOD, {**GOOD, "title": "Second", field: value}])
    assert main(["library", "--db", db, "import", bad]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.json: record 2" in err and message in err and "nothing was imported" in err
    assert count(db) == 0


def test_import_refuses_what_is_not_a_record(tmp_path, capsys):
    db = str(tmp_path / "lib.sqlite3")
    assert main(["library", "--db", db, "import", write(tmp_path / "a.json", ["just text"])]) == 2
    assert "record 1: must be an object" in capsys.readouterr().err
    assert main(["library", "--db", db, "import", write(tmp_path / "b.json", {"title": "x"})]) == 2
    assert "record 1 (“x”): needs 'text'" in capsys.readouterr().err


def damaged_library(path) -> int:
    """A library holding one good poem and rows another tool wrote badly; returns the bad blend row's id."""
    library = Library(path)
    library.save(SavedPoem(**GOOD))
    rows = [("Strings", '{"Emily Dickinson": "0.5"}', '{}', "{}"),
            ("Sampling text", '{"John Donne": 1.0}', '"hot"', "{}"),
            ("Not JSON", "{oops", "{}", '{"reading": ["x"]}')]
    ids = []
    for title, blend, sampling, analysis in rows:
        cursor = library.conn.execute(
            "INSERT INTO poems (title, text, blend, sampling, analysis, created, updated) VALUES (?, 'a line', ?, ?, ?,"
            " '2026-02-01T00:00:00Z', '2026-02-01T00:00:00Z')", (title, blend, sampling, analysis))
        ids.append(cursor.lastrowid)
    library.close()
    return ids[0]


def test_readers_return_a_bad_row_marked_damaged_instead_of_raising(tmp_path):
    path = tmp_path / "lib.sqlite3"
    bad_id = damaged_library(path)
    library = Library(path)
    poems = {p.title: p for p in library.list()}
    assert not poems["Night Sea"].damaged and poems["Night Sea"].damage == ""
    strings = library.get(bad_id)
    assert strings.damaged and strings.blend == {} and "weight of 'Emily Dickinson'" in strings.damage
    assert strings.raw == {"blend": {"Emily Dickinson": "0.5"}}
    sampling = poems["Sampling text"]
    assert sampling.damaged and sampling.sampling == {} and sampling.damage.startswith("sampling: must be an object")
    broken = poems["Not JSON"]
    assert broken.blend == {} and broken.analysis == {} and "blend: not valid JSON" in broken.damage
    assert {p.title for p in library.search("line")} == {"Strings", "Sampling text", "Not JSON"}
    library.close()


def test_list_show_and_export_survive_a_damaged_row(tmp_path, capsys):
    db = str(tmp_path / "lib.sqlite3")
    bad_id = damaged_library(db)
    assert main(["library", "--db", db, "list"]) == 0
    captured = capsys.readouterr()
    line = next(line for line in captured.out.splitlines() if "Strings" in line)
    assert " ! " in line and "damaged: blend: weight of 'Emily Dickinson'" in line
    assert "50% Emily Dickinson" in captured.out and "3 damaged poem(s)" in captured.err
    assert main(["library", "--db", db, "show", str(bad_id)]) == 0
    assert "damaged: blend" in capsys.readouterr().out
    assert main(["library", "--db", db, "export", str(bad_id), "--format", "json"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported["blend"] == {"Emily Dickinson": "0.5"} and exported["damaged"].startswith("blend:")
    assert main(["library", "--db", db, "export", "--all", "--format", "md"]) == 0


def test_save_refuses_a_poem_of_the_wrong_type(tmp_path):
    library = Library(tmp_path / "lib.sqlite3")
    with pytest.raises(UserError, match="sampling: must be an object"):
        library.save(SavedPoem(title="t", text="x", sampling="hot"))
    assert library.count() == 0
    library.close()


def test_import_a_folder_takes_every_json_file_in_it(tmp_path, capsys):
    db = str(tmp_path / "lib.sqlite3")
    folder = tmp_path / "backup"
    folder.mkdir()
    write(folder / "one.json", GOOD)
    write(folder / "two.json", [{**GOOD, "title": "Two"}, {**GOOD, "title": "Three"}])
    (folder / "notes.md").write_text("# not a poem export")
    assert main(["library", "--db", db, "import", str(folder)]) == 0
    assert "imported 3 poem(s)" in capsys.readouterr().out
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["library", "--db", db, "import", str(empty)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is a folder with no .json files" in err


def test_importing_the_same_file_twice_does_not_duplicate(tmp_path, capsys):
    db = str(tmp_path / "lib.sqlite3")
    poems = write(tmp_path / "poems.json", [GOOD, {**GOOD, "title": "Other"}, {"title": "Bare", "text": "x"}])
    assert main(["library", "--db", db, "import", poems]) == 0
    assert main(["library", "--db", db, "import", poems]) == 0
    assert "imported 0 poem(s); skipped 3 already in the library" in capsys.readouterr().out
    assert count(db) == 3


def test_rename_delete_and_undelete_from_the_command_line(tmp_path, capsys):
    db = str(tmp_path / "lib.sqlite3")
    library = Library(db)
    saved = library.save(SavedPoem(**GOOD))
    library.close()
    assert main(["library", "--db", db, "rename", str(saved.id), "Harbour"]) == 0
    assert "Harbour" in capsys.readouterr().out
    assert main(["library", "--db", db, "rename", str(saved.id), "  "]) == 2
    assert "title cannot be empty" in capsys.readouterr().err
    assert main(["library", "--db", db, "delete", str(saved.id)]) == 0
    assert f"library undelete {saved.id}" in capsys.readouterr().out and count(db) == 0
    assert main(["library", "--db", db, "delete", "999"]) == 2
    assert "no poem with id 999" in capsys.readouterr().err
    assert main(["library", "--db", db, "undelete", str(saved.id)]) == 0
    main(["library", "--db", db, "list"])
    assert "Harbour" in capsys.readouterr().out


def test_list_says_when_it_is_cut(tmp_path, capsys):
    db = str(tmp_path / "lib.sqlite3")
    library = Library(db)
    library.import_poems([SavedPoem(title=f"Poem {i}", text="x", created=f"2026-01-01T00:{i // 60:02d}:{i % 60:02d}Z")
                          for i in range(201)])
    library.close()
    assert main(["library", "--db", db, "list"]) == 0
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 200 and "showing the newest 200 of 201 poems" in captured.err
    assert main(["library", "--db", db, "list", "--limit", "3"]) == 0
    captured = capsys.readouterr()
    assert [line.split()[-1] for line in captured.out.splitlines()] == ["200", "199", "198"]
    assert "showing the newest 3 of 201" in captured.err
    main(["library", "--db", db, "list", "--limit", "0"])
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 201 and captured.err == ""
    main(["library", "--db", db, "search", "poem", "--limit", "2"])
    assert len(capsys.readouterr().out.splitlines()) == 2


@pytest.mark.parametrize("column, stored, damage", [
    ("blend", '{"Emily Dickinson": "0.5"}', "blend: weight of 'Emily Dickinson' must be a number"),
    ("sampling", '"hot"', "sampling: must be an object"),
    ("sampling", '{"temperature": "warm"}', "sampling: 'temperature' must be a number"),
    ("analysis", '{"reading": {"scheme": 3}}', "analysis: 'reading.scheme' must be text"),
    ("blend", "not json", "blend: not valid JSON"),
])
def test_list_survives_each_kind_of_bad_row(tmp_path, capsys, column, stored, damage):
    db = str(tmp_path / "lib.sqlite3")
    library = Library(db)
    poem_id = library.save(SavedPoem(**GOOD)).id
    library.conn.execute(f"UPDATE poems SET {column} = ? WHERE id = ?", (stored, poem_id))
    assert main(["library", "--db", db, "list"]) == 0
    assert f"damaged: {damage}" in capsys.readouterr().out
    assert library.get(poem_id).damage.startswith(damage)
    library.close()


def test_a_damaged_poem_can_be_exported_fixed_and_imported_again(tmp_path, capsys):
    db = str(tmp_path / "lib.sqlite3")
    bad_id = damaged_library(db)
    main(["library", "--db", db, "export", str(bad_id), "--format", "json"])
    record = json.loads(capsys.readouterr().out)
    assert main(["library", "--db", db, "import", write(tmp_path / "as_is.json", record)]) == 2
    capsys.readouterr()
    record["blend"] = {"Emily Dickinson": 0.5}
    fixed = write(tmp_path / "fixed.json", record)
    assert main(["library", "--db", db, "delete", str(bad_id)]) == 0
    assert main(["library", "--db", db, "import", fixed]) == 0
    assert "imported 1 poem(s)" in capsys.readouterr().out
    library = Library(db)
    assert next(p for p in library.list() if p.title == "Strings").blend == {"Emily Dickinson": 0.5}
    library.close()
