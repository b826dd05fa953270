"""The corpus readers: JSONL, the published CSV, folders of .txt poems, and every kind of bad input."""

from __future__ import annotations

import pytest

from poetstudio.corpus import read_corpus, read_path
from poetstudio.corpus.readers import restore_line_breaks
from poetstudio.errors import CorpusError
from poetstudio.poets import canonical_poet


def test_jsonl_reads_poems_with_line_breaks_and_moods(fixtures):
    report = read_path(fixtures / "mini.jsonl")
    assert len(report.poems) == 15 and report.skipped == []
    kettle = report.poems[0]
    assert kettle.poet == "Emily Dickinson" and kettle.title == "A Kettle" and kettle.mood == "Joy"
    assert kettle.text.count("\n") == 3


def test_jsonl_bad_rows_are_skipped_and_counted_with_line_numbers(fixtures):
    report = read_path(fixtures / "bad_rows.jsonl")
    assert [p.title for p in report.poems] == ["ok", "alias"]
    assert report.poems[1].poet == "W. B. Yeats"
    assert len(report.skipped) == 3
    assert report.skipped[0].startswith("bad_rows.jsonl:2:") and "JSON" in report.skipped[0]
    assert report.skipped[1].startswith("bad_rows.jsonl:3:")
    assert report.skipped[2].startswith("bad_rows.jsonl:4:")


def test_csv_restores_line_breaks_keeps_emotion_and_skips_bad_rows(fixtures):
    report = read_path(fixtures / "mini.csv")
    assert [p.poet for p in report.poems] == ["E. E. Cummings", "W. B. Yeats"]
    flat = report.poems[0]
    assert flat.mood == "Fear"
    assert flat.text.split("\n") == [
        "The lamp is low,", "And all the house is still;", "Outside the rain.", "Inside the will.",
    ]
    assert report.skipped == ["mini.csv: row 3: needs a poem and a poet in the right columns"]


def test_txt_folder_one_subfolder_per_poet(fixtures):
    report = read_path(fixtures / "txt_corpus")
    assert {(p.poet, p.title) for p in report.poems} == {
        ("Emily Dickinson", "Hope Song"), ("W. B. Yeats", "Grey Water"),
    }
    assert any("Empty.txt" in s for s in report.skipped)
    grey = next(p for p in report.poems if p.title == "Grey Water")
    assert "\n\n" in grey.text


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("unknown_layout.csv", "unknown column layout"),
        ("latin1.jsonl", "not UTF-8"),
        ("missing.jsonl", "no such file"),
    ],
)
def test_unreadable_files_are_one_line_errors_naming_the_file(fixtures, name, message):
    with pytest.raises(CorpusError) as err:
        read_path(fixtures / name)
    text = str(err.value)
    assert message in text and name in text and "\n" not in text


def test_file_with_no_usable_poem_is_an_error(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text('{"poet": "", "text": ""}\n\n')
    with pytest.raises(CorpusError, match="no usable poem"):
        read_path(path)


def test_unknown_extension_is_an_error(tmp_path):
    path = tmp_path / "poems.docx"
    path.write_text("x")
    with pytest.raises(CorpusError, match="unknown corpus format"):
        read_path(path)


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("William Butler Yeats", "W. B. Yeats"),
        ("W.B. Yeats", "W. B. Yeats"),
        ("e. e. cummings", "E. E. Cummings"),
        ("Edward Estlin Cummings", "E. E. Cummings"),
        ("Alicia Stallings", "A. E. Stallings"),
        ("EBB", "Elizabeth Barrett Browning"),
        ("Ted  Berrigan", "Ted Berrigan"),
    ],
)
def test_aliases_map_to_one_canonical_name(written, canonical):
    assert canonical_poet(written) == canonical


def test_restore_line_breaks_splits_glued_and_dashed_lines():
    assert restore_line_breaks("the Sea –And yet") == "the Sea –\nAnd yet"
    assert restore_line_breaks("one line only") == "one line only"


def test_shared_corpus_reads_whole(shared_corpus):
    report = read_corpus([shared_corpus / "poems.jsonl", shared_corpus / "LLM_Dataset.csv"])
    poets = {p.poet for p in report.poems}
    assert {"W. B. Yeats", "E. E. Cummings", "A. E. Stallings", "Emily Dickinson"} <= poets
    assert "William Butler Yeats" not in poets
    assert sum(1 for p in report.poems if p.mood) == 524
