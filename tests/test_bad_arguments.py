"""Bad arguments, bad files and bad config are one line on stderr and a non-zero exit, found before any model
loads (issue 28: items 3, 7, 8, 10, 24 and 25). No test here loads a model: the engine and the trainer's loop are
replaced by modules that fail the test if a command reaches them."""

from __future__ import annotations

import json
import math
import sys
import tomllib
import types

import pytest

from poetstudio.blend import MAX_WEIGHT, check_weight, checked_weights, parse_blend
from poetstudio.cli import main
from poetstudio.config import load_config
from poetstudio.errors import UserError

SONNET_END = "So long as men can breathe or eyes can see,\nSo long lives this, and this gives life to thee.\n"
WEIGHT_MESSAGE = "must be a number of 0 or more, at most 1 (such as 0.4)"


def _refuse(*args, **kwargs):
    raise AssertionError("a bad argument reached the model: it must be refused before anything loads")


@pytest.fixture(autouse=True)
def nothing_loads(monkeypatch):
    """The real engine and training loop stand behind modules that fail the test if a command reaches them, and
    the studio fails it rather than open."""
    engine = types.ModuleType("poetstudio.engine.engine")
    engine.Engine = _refuse
    loop = types.ModuleType("trainer.loop")
    loop.train = _refuse
    monkeypatch.setitem(sys.modules, "poetstudio.engine.engine", engine)
    monkeypatch.setitem(sys.modules, "trainer.loop", loop)
    monkeypatch.setattr("poetstudio.ui.launch.run_studio", _refuse)


def outcome(argv: list[str], capsys) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of `poetstudio ARGV` run in this process (argparse's exit included)."""
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, expected: str) -> None:
    """A non-zero exit with one line on stderr, naming what was wrong, and no traceback."""
    assert code != 0, err
    assert err.count("\n") == 1 and err.startswith("poetstudio"), err
    assert "Traceback" not in err and expected in err, err


# Item 3: an --adapter folder that does not exist -------------------------------------------------------


@pytest.mark.parametrize("command", [
    lambda a, p: ["poets", "--adapter", a],
    lambda a, p: ["--adapter", a, "poets"],
    lambda a, p: ["generate", "the sea", "--blend", "dickinson=1", "--adapter", a],
    lambda a, p: ["analyze", p, "--adapter", a],
    lambda a, p: ["--adapter", a],  # the studio
], ids=["poets", "global", "generate", "analyze", "studio"])
def test_a_missing_adapter_folder_is_named_as_missing(tmp_path, capsys, command):
    poem = tmp_path / "poem.txt"
    poem.write_text(SONNET_END)
    code, _, err = outcome(command(str(tmp_path / "no" / "such"), str(poem)), capsys)
    assert_one_line_error(code, err, "does not exist; give an adapter folder made by `poetstudio train`")
    assert "poetstudio.json" not in err


def test_an_adapter_that_is_a_file_is_named_as_a_file(tmp_path, capsys):
    (tmp_path / "adapter.txt").write_text("x")
    code, _, err = outcome(["poets", "--adapter", str(tmp_path / "adapter.txt")], capsys)
    assert_one_line_error(code, err, "is a file, not an adapter folder")


# Item 7: one check of a weight --------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf", "1e9", "-1", "1.5", "abc", ""])
def test_one_weight_check_refuses_what_is_not_a_finite_number_from_0_to_1(bad):
    with pytest.raises(UserError) as caught:
        check_weight("Emily Dickinson", bad, typed=True)
    assert str(caught.value).startswith(f"weight for Emily Dickinson {WEIGHT_MESSAGE}")
    with pytest.raises(UserError, match=r"weight for dickinson must be a number of 0 or more, at most 1"):
        parse_blend(f"dickinson={bad}" if bad else "dickinson=x")


@pytest.mark.parametrize("bad", [math.nan, math.inf, -1, True, "0.5", None])
def test_a_blend_s_weights_are_checked_by_the_same_rule(bad):
    with pytest.raises(UserError, match="weight for poe must be a number of 0 or more") as caught:
        checked_weights({"poe": bad})  # a blend made in code is relative: any finite weight of 0 or more
    assert "is not a number in that range" in str(caught.value)
    with pytest.raises(UserError, match=f"weight for poe {WEIGHT_MESSAGE.replace('(', '.').replace(')', '.')}"):
        checked_weights({"poe": bad}, ceiling=MAX_WEIGHT)


def test_a_blend_made_in_code_is_relative_but_a_weight_set_by_a_person_is_at_most_1():
    assert checked_weights({"poe": 2, "dickinson": 1e9}) == {"poe": 2.0, "dickinson": 1e9}
    with pytest.raises(UserError, match=f"weight for poe {WEIGHT_MESSAGE.replace('(', '.').replace(')', '.')}"):
        checked_weights({"poe": 2}, ceiling=MAX_WEIGHT)


def test_good_weights_pass_the_one_check():
    assert check_weight("x", " 0.4 ", typed=True) == 0.4 and check_weight("x", 1) == 1.0
    assert parse_blend("dickinson=0, poe") == {"dickinson": 0.0, "poe": 1.0}
    with pytest.raises(UserError, match="poe is in the blend twice"):
        parse_blend("poe=0.6, poe=0.6")


@pytest.mark.parametrize("weight", ["1e9", "NaN", "Infinity", "-1"])
def test_library_import_refuses_a_weight_the_studio_would(tmp_path, capsys, weight):
    export = tmp_path / "poem.json"
    export.write_text(f'{{"title": "Sea", "text": "a line", "blend": {{"Emily Dickinson": {weight}}}}}')
    code, _, err = outcome(["library", "--db", str(tmp_path / "lib.sqlite3"), "import", str(export)], capsys)
    assert_one_line_error(code, err, f"weight of 'Emily Dickinson' {WEIGHT_MESSAGE}")


@pytest.mark.parametrize("step", ["nan", "inf", "1e9", "-0.5"])
def test_the_config_s_weight_steps_keep_the_weight_rule(tmp_path, step):
    config = tmp_path / "config.toml"
    config.write_text(f"[studio]\nfine_step = {step}\n")
    with pytest.raises(UserError, match=r"\[studio\] fine_step must be a number of 0 or more, at most 1"):
        load_config(config)


@pytest.mark.parametrize("typed", ["nan", "1e9", "inf", "-1", "abc"])
async def test_the_weight_dialog_refuses_what_the_cli_refuses(typed):
    from textual.widgets import Input

    from poetstudio.ui.launch import build_app
    from poetstudio.ui.modals import AskText
    from poetstudio.ui.poets_pane import PoetsPane
    from tests.conftest import StubEngine, wait_for

    app = build_app(engine=StubEngine())
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_for(pilot, lambda: app.load_started, 20)
        await app.workers.wait_for_complete()
        pane = app.query_one(PoetsPane)
        await pilot.press("f5")
        poet, before = pane.current, dict(pane.blend.weights)
        await pilot.press("equals_sign")
        assert isinstance(app.screen, AskText)
        app.screen.query_one(Input).value = typed
        await pilot.press("enter")
        await pilot.pause()
        with pytest.raises(UserError) as caught:
            check_weight(poet, typed, typed=True)
        assert [n.message for n in app._notifications if n.severity == "error"] == [str(caught.value)]
        assert pane.blend.weights == before


# Item 8: a broken [keys] table, in the default config file or one given with --config ------------------


BAD_KEYS = {
    "no such action": ('[keys]\nfoo = "x"\n', "[keys] foo is not a studio action"),
    "no such key": ('[keys]\ngenerate = "ctrl+nosuchkey"\n', "[keys] generate = 'ctrl+nosuchkey'"),
    "not a string": ("[keys]\ngenerate = 3\n", '[keys] generate must be a key in quotes, such as "ctrl+g"'),
    "not a table": ('keys = "ctrl+t"\n', "keys must be a table"),
}


@pytest.mark.parametrize("given", [False, True], ids=["default file", "--config"])
@pytest.mark.parametrize("kind", BAD_KEYS)
@pytest.mark.parametrize("command", [["poets"], ["forms"], ["config"], ["config", "--write"]])
def test_every_command_refuses_a_broken_keys_table(tmp_path, capsys, command, kind, given):
    from poetstudio.paths import config_path

    text, message = BAD_KEYS[kind]
    path = tmp_path / "mine.toml" if given else config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    code, out, err = outcome((["--config", str(path)] if given else []) + command, capsys)
    assert_one_line_error(code, err, f"{path}: ")
    assert message in err and out == ""


def test_good_keys_pass(tmp_path, capsys):
    from poetstudio.paths import config_path

    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text('[keys]\ngenerate = "ctrl+t"\n')
    assert outcome(["forms"], capsys)[0] == 0


# Item 25: every field of config.toml checked for type, shape and range ---------------------------------


BAD_CONFIG = [
    ('keys = "ctrl+t"\n', "keys must be a table"),
    ("model = 3\n", "model must be a table"),
    ('sampling = ["a"]\n', "sampling must be a table"),
    ("[model]\nbase = {a = 1}\n", "[model] base must be a str"),
    ('[model]\ndevice = "gpu"\n', "[model] device must be one of auto, cpu, cuda, mps, not 'gpu'"),
    ('[model]\nquantize = "int2"\n', "[model] quantize must be one of none, nf4"),
    ('[model]\nblend_mode = "mixed"\n', "[model] blend_mode must be one of auto, exact, prompt"),
    ("[sampling]\nmax_new_tokens = 1000000000000\n", "[sampling] max_new_tokens must be from 1 to 8192"),
    ("[sampling]\nvariations = 0\n", "[sampling] variations must be from 1 to 100"),
    ("[model]\nthreads = -1\n", "[model] threads must be from 0 (every core) to 1024"),
    ("[sampling]\ntemperature = nan\n", "[sampling] temperature must be 0 (greedy) or more"),
    ("[sampling]\nstrength = inf\n", "[sampling] strength must be a number from 0 to 10"),
    ("[studio]\nautosave_seconds = inf\n", "[studio] autosave_seconds must be a number from 0 to 3600"),
    ("[studio]\ncoarse_step = 1e9\n", "[studio] coarse_step must be a number of 0 or more, at most 1"),
    ('[studio]\nfine_step = "0.1"\n', "[studio] fine_step must be a float"),
    ("[keys]\ngenerate = true\n", "[keys] generate must be a key in quotes"),
    ("[colours]\nx = 1\n", "unknown section(s) colours"),
]


@pytest.mark.parametrize("text, message", BAD_CONFIG)
def test_a_config_field_of_the_wrong_type_or_shape_is_one_line_naming_file_and_field(tmp_path, text, message):
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(UserError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: ") and message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_the_documented_defaults_load():
    from poetstudio.config import DEFAULT_CONFIG_TOML, check_config_data

    assert check_config_data(tomllib.loads(DEFAULT_CONFIG_TOML), None).sampling.max_new_tokens == 256


# Items 10 and 24, and every command: bad arguments and files are one line before anything loads --------


def _binary(d):
    (d / "bin.dat").write_bytes(b"\x00\x01\x02 poem \x00" * 40)
    return str(d / "bin.dat")


def _empty(d):
    (d / "empty.json").write_text("")
    return str(d / "empty.json")


def _poem(d):
    (d / "poem.txt").write_text(SONNET_END)
    return str(d / "poem.txt")


def _lib(d):
    return ["library", "--db", str(d / "lib.sqlite3")]


GEN = ["generate", "the sea", "--blend"]
CASES = {
    # generate: every argument checked before the model loads (item 10, item 24)
    "generate blend typo": (lambda d: GEN + ["dickinson=abc"], "weight for dickinson must be a number"),
    "generate blend 1e9": (lambda d: GEN + ["dickinson=1e9"], "'1e9' is not a number in that range"),
    "generate blend nan": (lambda d: GEN + ["dickinson=nan"], "'nan' is not a number in that range"),
    "generate blend empty": (lambda d: GEN + [" , "], "empty blend"),
    "generate unknown poet": (lambda d: GEN + ["nobody=1"], "unknown poet 'nobody'"),
    "generate unavailable poet": (lambda d: GEN + ["stallings=1"], "cannot write as A. E. Stallings"),
    "generate mood": (lambda d: GEN + ["dickinson=1", "--mood", "joy"], "drop --mood"),
    "generate form": (lambda d: GEN + ["dickinson=1", "--form", "ABAB 99"], "ABAB 99"),
    "generate huge max-new-tokens": (lambda d: GEN + ["dickinson=1", "--max-new-tokens", "1000000000000"],
                                     "--max-new-tokens must be from 1 to 8192"),
    "generate zero max-new-tokens": (lambda d: GEN + ["dickinson=1", "--max-new-tokens", "0"], "--max-new-tokens"),
    "generate huge n": (lambda d: GEN + ["dickinson=1", "--n", "1000000000"], "--n must be from 1 to 100"),
    "generate nan temperature": (lambda d: GEN + ["dickinson=1", "--temperature", "nan"], "--temperature"),
    "generate inf top-p": (lambda d: GEN + ["dickinson=1", "--top-p", "inf"], "--top-p"),
    "generate huge seed": (lambda d: GEN + ["dickinson=1", "--seed", "9" * 30], "--seed"),
    "generate inf strength": (lambda d: GEN + ["dickinson=1", "--strength", "inf"], "--strength must be a number"),
    "generate nan echo-penalty": (lambda d: GEN + ["dickinson=1", "--echo-penalty", "nan"], "--echo-penalty"),
    "generate device gpu": (lambda d: GEN + ["dickinson=1", "--device", "gpu"], "invalid choice: 'gpu'"),
    "global device gpu": (lambda d: ["--device", "gpu", "poets"], "invalid choice: 'gpu'"),
    "generate adapter file": (lambda d: GEN + ["dickinson=1", "--adapter", _poem(d)], "is a file, not an adapter"),
    # analyze: the poem is read, and the model's arguments checked, before the model loads
    "analyze missing": (lambda d: ["analyze", str(d / "missing.txt")], "no such file"),
    "analyze folder": (lambda d: ["analyze", str(d)], "is a folder, not a file"),
    "analyze binary": (lambda d: ["analyze", _binary(d)], "binary file, not text"),
    "analyze empty": (lambda d: ["analyze", _empty(d)], "is empty"),
    "analyze mood": (lambda d: ["analyze", _poem(d), "--mood", "joy"], "drop --mood"),
    "analyze device gpu": (lambda d: ["analyze", _poem(d), "--device", "gpu"], "invalid choice: 'gpu'"),
    # corpus stats
    "corpus missing": (lambda d: ["corpus", "stats", str(d / "missing.jsonl")], "missing.jsonl"),
    "corpus binary novelty": (lambda d: ["corpus", "stats", str(d), "--novelty", _binary(d)], "binary"),
    "corpus empty novelty": (lambda d: ["corpus", "stats", str(d), "--novelty", _empty(d)], "fewer than 8 words"),
    # library import and show
    "import missing": (lambda d: _lib(d) + ["import", str(d / "missing.json")], "no such file"),
    "import folder": (lambda d: _lib(d) + ["import", str(d)], "is a folder with no .json files"),
    "import binary": (lambda d: _lib(d) + ["import", _binary(d)], "not a poetstudio JSON export"),
    "import empty": (lambda d: _lib(d) + ["import", _empty(d)], "not a poetstudio JSON export"),
    "import huge seed": (lambda d: (d / "s.json").write_text(json.dumps({"title": "a", "text": "b", "seed": 10**30}))
                         and _lib(d) + ["import", str(d / "s.json")], "seed: must be a whole number (a signed 64"),
    "show huge id": (lambda d: _lib(d) + ["show", "9" * 30], "must be a poem id from 1 to"),
    "show missing id": (lambda d: _lib(d) + ["show", "5"], "no poem with id 5"),
    "library db folder": (lambda d: ["library", "--db", str(d), "list"], "is a folder, not a library file"),
    "library db binary": (lambda d: ["library", "--db", _binary(d), "list"], "not a poetstudio library"),
    # poets, forms, config: the config file and the adapter folder
    "poets adapter missing": (lambda d: ["poets", "--adapter", str(d / "none")], "does not exist"),
    "forms config missing": (lambda d: ["--config", str(d / "none.toml"), "forms"], "no such config file"),
    "forms config folder": (lambda d: ["--config", str(d), "forms"], "is a folder, not a config file"),
    "config binary": (lambda d: ["--config", _binary(d), "config"], "broken TOML"),
    # train: every numeric and choice flag against its range before anything loads
    "train huge seq-len": (lambda d: ["train", "--seq-len", "1000000000000"], "--seq-len must be a number from 1"),
    "train nan lr": (lambda d: ["train", "--lr", "nan"], "--lr must be a number above 0"),
    "train zero batch": (lambda d: ["train", "--batch-size", "0"], "--batch-size must be a number from 1"),
    "train inf minutes": (lambda d: ["train", "--max-minutes", "inf"], "--max-minutes must be a number"),
    "train huge seed": (lambda d: ["train", "--seed", "9" * 30], "--seed must be a number"),
    "train share 1": (lambda d: ["train", "--unconditioned-share", "1"], "below 1"),
    "train device gpu": (lambda d: ["train", "--device", "gpu"], "invalid choice: 'gpu'"),
    "train dtype": (lambda d: ["train", "--dtype", "fp8"], "invalid choice: 'fp8'"),
    "train mode": (lambda d: ["train", "--mode", "finetune"], "invalid choice: 'finetune'"),
}


@pytest.mark.parametrize("case", CASES)
def test_a_bad_argument_or_file_is_one_line_and_a_non_zero_exit(tmp_path, capsys, case):
    make, message = CASES[case]
    code, _, err = outcome(make(tmp_path), capsys)
    assert_one_line_error(code, err, message)


@pytest.mark.parametrize("device", ["cuda", "mps"])
def test_a_device_that_is_absent_is_one_line_before_the_model_loads(capsys, device):
    torch = pytest.importorskip("torch")
    present = torch.cuda.is_available() if device == "cuda" else torch.backends.mps.is_available()
    if present:
        pytest.skip(f"this machine has {device}")
    code, _, err = outcome(GEN + ["dickinson=1", "--device", device], capsys)
    assert_one_line_error(code, err, f"--device {device} asked for, but torch sees no")
