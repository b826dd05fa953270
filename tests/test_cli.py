"""The command line: corpus stats, poets, and one-line errors with a non-zero exit."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from poetstudio.cli import main


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "poetstudio", *args], capture_output=True, text=True, timeout=120)


def test_corpus_stats_prints_poets_moods_and_thin_poets(fixtures, capsys):
    assert main(["corpus", "stats", str(fixtures / "mini.jsonl"), str(fixtures / "bad_rows.jsonl")]) == 0
    out = capsys.readouterr().out
    assert "Emily Dickinson" in out and "per mood" in out and "Sadness" in out
    assert "too thin to learn" in out and "Walt Whitman" in out.split("too thin to learn")[1]
    assert "skipped 3 malformed rows" in out and "bad_rows.jsonl:2:" in out


def test_corpus_stats_on_a_bad_file_is_one_line_and_exit_2(fixtures):
    result = run("corpus", "stats", str(fixtures / "unknown_layout.csv"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "unknown column layout" in result.stderr
    assert "Traceback" not in result.stderr


def test_corpus_stats_novelty_share(fixtures, tmp_path, capsys):
    copied = tmp_path / "copied.txt"
    copied.write_text("I will go down to the grey water\nWhere the heron stands alone, and something new entirely here\n")
    main(["corpus", "stats", str(fixtures / "mini.jsonl"), "--novelty", str(copied)])
    line = capsys.readouterr().out.strip().splitlines()[-1]
    share = float(line.split("%")[0].split()[-1])
    assert 0 < share < 100


def test_poets_lists_stallings_as_unavailable_for_the_shipped_model(capsys):
    assert main(["poets"]) == 0
    out = capsys.readouterr().out
    stallings = next(line for line in out.splitlines() if "A. E. Stallings" in line)
    assert "unavailable" in stallings
    assert "Emily Dickinson" in out and "thin" in next(l for l in out.splitlines() if "Wallace Stevens" in l)


def test_poets_of_an_adapter_trained_with_stallings(tmp_path, capsys):
    (tmp_path / "poetstudio.json").write_text(json.dumps({"poets": {"A. E. Stallings": {"poems": 30, "examples": 30}},
                                                          "moods": {"Joy": 3}}))
    main(["poets", "--adapter", str(tmp_path)])
    out = capsys.readouterr().out
    assert "unavailable" not in next(line for line in out.splitlines() if "Stallings" in line)
    assert "Joy (3)" in out


def test_train_without_corpus_is_a_clear_error():
    result = run("train", "--base-model", "x/y", "--output", "/tmp/never")
    assert result.returncode == 2 and "no corpus" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("flags", [["--quantize", "int2"], ["--batch-size", "0"]])
def test_train_bad_flags_are_clear_errors(fixtures, flags):
    result = run("train", "--recipe", "default", "--corpus", str(fixtures / "mini.jsonl"), *flags)
    assert result.returncode == 2 and "Traceback" not in result.stderr and result.stderr.count("\n") == 1


SONNET_END = "So long as men can breathe or eyes can see,\nSo long lives this, and this gives life to thee.\n"


def test_analyze_prints_the_annotated_poem_without_a_model(tmp_path, capsys):
    poem = tmp_path / "couplet.txt"
    poem.write_text(SONNET_END, encoding="utf-8")
    assert main(["analyze", str(poem), "--no-model"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith(" A   10  x/x/x/x/x/  So long as men")
    assert out.splitlines()[1].startswith(" A   10  x/x/x/x/x/  So long lives this")
    assert "rhyme scheme: AA" in out and "meter: iambic pentameter" in out and "reads like" not in out


def test_analyze_reads_standard_input_and_prints_json_with_attribution():
    result = subprocess.run([sys.executable, "-m", "poetstudio", "analyze", "-", "--json", "--title", "time"],
                            input=SONNET_END, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["reading"]["scheme"] == "AA" and len(record["reading"]["lines"]) == 2
    shares = record["attribution"]["shares"]
    assert "Emily Dickinson" in shares and sum(shares.values()) == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize("setup, message", [
    (lambda d: str(d / "missing.txt"), "no such file"),
    (lambda d: (d / "empty.txt").write_text("  \n") and str(d / "empty.txt"), "is empty"),
    (lambda d: (d / "latin1.txt").write_bytes("caf\xe9 po\xe8me".encode("latin-1")) and str(d / "latin1.txt"), "not UTF-8"),
])
def test_analyze_bad_input_is_one_line_and_exit_2(tmp_path, setup, message):
    result = run("analyze", setup(tmp_path), "--no-model")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr and "Traceback" not in result.stderr
