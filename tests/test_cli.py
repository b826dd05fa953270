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
    copied.write_text("I will go down to the grey water\n"
                      "Where the heron stands alone, and something new entirely here\n")
    main(["corpus", "stats", str(fixtures / "mini.jsonl"), "--novelty", str(copied)])
    line = capsys.readouterr().out.strip().splitlines()[-1]
    share = float(line.split("%")[0].split()[-1])
    assert 0 < share < 100


NOVELTY_FILES = {
    "missing": (lambda d: d / "missing.txt", "no such file: "),
    "folder": (lambda d: d, "is a folder, not a file"),
    "latin-1": (lambda d: (d / "l1.txt").write_bytes("caf\xe9 po\xe8me".encode("latin-1")) and d / "l1.txt",
                "not UTF-8 text"),
    "binary": (lambda d: (d / "b.bin").write_bytes(b"\x00\x01\x02 poem \x00" * 40) and d / "b.bin", "binary"),
    "short": (lambda d: (d / "s.txt").write_text("too few words\n") and d / "s.txt", "fewer than 8 words"),
}


@pytest.mark.parametrize("kind", NOVELTY_FILES)
def test_corpus_stats_novelty_file_that_cannot_be_read_is_one_line_before_any_table(fixtures, tmp_path, capsys,
                                                                                   kind):
    make, message = NOVELTY_FILES[kind]
    assert main(["corpus", "stats", str(fixtures / "mini.jsonl"), "--novelty", str(make(tmp_path))]) == 2
    out, err = capsys.readouterr()
    assert out == ""  # checked before the table is printed
    assert err.startswith("poetstudio: ") and err.count("\n") == 1 and message in err


def test_poets_lists_stallings_as_unavailable_for_the_shipped_model(capsys):
    assert main(["poets"]) == 0
    out = capsys.readouterr().out
    stallings = next(line for line in out.splitlines() if "A. E. Stallings" in line)
    assert "unavailable" in stallings
    assert "Emily Dickinson" in out and "thin" in next(line for line in out.splitlines() if "Wallace Stevens" in line)


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
    (lambda d: (d / "latin1.txt").write_bytes("caf\xe9 po\xe8me".encode("latin-1")) and str(d / "latin1.txt"),
     "not UTF-8"),
    (lambda d: str(d), "is a folder, not a file; give a text file with the poem"),
    (lambda d: (d / "nul.txt").write_bytes(b"x\x00y\x00" * 10) and str(d / "nul.txt"), "binary file, not text"),
])
def test_analyze_bad_input_is_one_line_and_exit_2(tmp_path, setup, message):
    result = run("analyze", setup(tmp_path), "--no-model")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr and "Traceback" not in result.stderr


def test_analyze_drops_a_byte_order_mark_from_a_file_and_from_standard_input(tmp_path, capsys, monkeypatch):
    import io

    marked = tmp_path / "marked.txt"
    marked.write_bytes(b"\xef\xbb\xbf" + SONNET_END.encode("utf-8"))
    assert main(["analyze", str(marked), "--no-model"]) == 0
    assert capsys.readouterr().out.splitlines()[0].endswith("  So long as men can breathe or eyes can see,")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"\xef\xbb\xbf" + SONNET_END.encode("utf-8"))))
    assert main(["analyze", "-", "--no-model"]) == 0
    assert "\ufeff" not in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"caf\xe9 po\xe8me")))
    assert main(["analyze", "-", "--no-model"]) == 2
    assert "standard input is not UTF-8 text" in capsys.readouterr().err


BROKEN_TOML = "[sampling]\ntemperature = = 0.8\n"


@pytest.mark.parametrize("command", [
    lambda d, f: ["library", "--db", str(d / "lib.sqlite3"), "list"],
    lambda d, f: ["poets"],
    lambda d, f: ["corpus", "stats", str(f / "mini.jsonl")],
    lambda d, f: ["config"],
    lambda d, f: ["analyze", str(f / "mini.csv"), "--no-model"],
    lambda d, f: ["generate", "the sea", "--blend", "Emily Dickinson=1"],
])
def test_every_command_reports_a_broken_config_file(tmp_path, fixtures, capsys, command):
    config = tmp_path / "broken.toml"
    config.write_text(BROKEN_TOML)
    assert main(["--config", str(config), *command(tmp_path, fixtures)]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "broken.toml: broken TOML" in captured.err and captured.out == ""


def test_a_missing_config_file_is_reported_except_when_writing_it(tmp_path, capsys):
    missing = tmp_path / "missing.toml"
    assert main(["--config", str(missing), "poets"]) == 2
    assert "no such config file" in capsys.readouterr().err
    assert main(["--config", str(missing), "config", "--write"]) == 0 and missing.exists()
    assert main(["--config", str(missing), "poets"]) == 0


def test_options_before_the_subcommand_reach_it(tmp_path, capsys):
    (tmp_path / "poetstudio.json").write_text(json.dumps({"poets": {"John Donne": {"poems": 30, "examples": 30}}}))
    assert main(["--adapter", str(tmp_path), "poets"]) == 0
    assert capsys.readouterr().out.startswith(f"poets of {tmp_path}:")
    from poetstudio.cli import build_parser, merge_global_options

    args = merge_global_options(build_parser().parse_args(
        ["--adapter", "mine", "--device", "cpu", "--model", "m", "generate", "t", "--blend", "Emily Dickinson=1"]))
    assert (args.adapter, args.device, args.model) == ("mine", "cpu", "m")
    args = merge_global_options(build_parser().parse_args(["--adapter", "mine", "poets", "--adapter", "own"]))
    assert args.adapter == "own"


def test_train_help_describes_every_option():
    from poetstudio.cli import build_parser

    parser = build_parser()
    train = next(a for a in parser._subparsers._group_actions if a.dest == "command").choices["train"]
    undescribed = [a.option_strings[0] for a in train._actions if a.option_strings and not a.help]
    assert undescribed == []
    assert "--lora-r" in train.format_help() and "LoRA rank" in train.format_help()


def test_every_command_module_registers_its_subcommand_in_order():
    from poetstudio.cli import COMMANDS, build_parser

    parser = build_parser()
    choices = next(a for a in parser._subparsers._group_actions if a.dest == "command").choices
    assert list(choices) == list(COMMANDS)
    assert all(callable(module.run) for module in COMMANDS.values())


def test_training_progress_shows_no_nan_before_the_first_evaluation():
    import io

    from rich.console import Console

    from trainer.progress import TrainProgress

    out = io.StringIO()
    with TrainProgress(100, 0, console=Console(file=out, force_terminal=True, width=160, color_system=None)) as bar:
        bar.update(1, 2.5, 1234.0)
        assert "nan" not in out.getvalue()
        bar.evaluated(1, 2.25, {"Emily Dickinson": 2.0})
        bar.update(2, 2.4, 1200.0)
    text = out.getvalue()
    assert "nan" not in text and "held-out -" in text and "held-out 2.250" in text


def test_a_background_run_s_log_gets_a_plain_progress_line_each_minute():
    import io

    from rich.console import Console

    from trainer.progress import PLAIN_EVERY_S, TrainProgress

    now = [0.0]
    out = io.StringIO()
    with TrainProgress(100, 0, console=Console(file=out, force_terminal=False, width=160),
                       clock=lambda: now[0]) as bar:
        bar.update(1, 2.5, 1234.0)
        now[0] = PLAIN_EVERY_S + 1
        bar.update(2, 2.4, 1200.0)
        bar.update(3, 2.3, 1210.0)  # within the minute: no second line
    lines = [line for line in out.getvalue().splitlines() if line.startswith("step ")]
    assert lines == ["step 2/100: loss 2.400  held-out -  1,200 tok/s"]


def test_poets_all_lists_the_authors_the_base_learned(tmp_path, capsys, chat_adapter):
    import json

    base = tmp_path / "base"
    base.mkdir()
    (base / "poetstudio.json").write_text(json.dumps({"authors": {
        "John Keats": {"tokens": 52_000, "books": 2, "conditioned_documents": 40},
        "Various": {"tokens": 900_000, "books": 60, "conditioned_documents": 0},
        "Joyce Kilmer": {"tokens": 900, "books": 1, "conditioned_documents": 3}}}))
    assert main(["poets", "--adapter", str(chat_adapter), "--model", str(base), "--all"]) == 0
    out = capsys.readouterr().out
    keats = next(line for line in out.splitlines() if "John Keats" in line)
    assert "52,000 tokens" in keats and "2 books" in keats and "thin" not in keats
    assert "thin" in next(line for line in out.splitlines() if "Joyce Kilmer" in line)
    assert "Various" not in out and "(2; any can join a blend)" in out
    assert main(["poets", "--adapter", str(chat_adapter), "--model", str(base)]) == 0
    assert "and 2 more authors the model learned (--all lists them)" in capsys.readouterr().out


def test_poets_of_an_adapter_without_poet_metadata_says_it_writes_in_words(tmp_path, capsys):
    (tmp_path / "poetstudio.json").write_text("{}")
    assert main(["poets", "--adapter", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "no poet metadata" in out and "Emily Dickinson" in out and "thin" not in out
