"""One settings model (issue 28, item 9): config.toml's [model] and [sampling] are what `generate` (and
`analyze`, `poets`, the studio) work from, and a flag given on the command line wins over the file's value. The
engine is replaced by a recorder, so nothing loads: what reaches it is what a real run would use."""

from __future__ import annotations

import sys
import types

import pytest

from poetstudio.cli import main
from poetstudio.engine.sampling_settings import Sampling

FILE = """\
[model]
device = "cpu"
blend_mode = "prompt"
balance = false
threads = 1

[sampling]
temperature = 0.3
top_k = 7
max_new_tokens = 33
real_words = false
echo_penalty = 0.5
strength = 1.5
variations = 2
"""


class Recorder:
    """Stands for the engine: keeps how it was made and the request it got, writes nothing."""

    made: dict = {}
    requests: list = []

    def __init__(self, spec, **settings):
        Recorder.made = {"spec": spec, **settings}

    def load(self, status=None):
        return types.SimpleNamespace(warnings=[], base="recorded", adapter=None)

    @property
    def card(self):
        return types.SimpleNamespace(thin_warnings=lambda blend: [])

    def resolve_blend(self, blend):
        return blend

    def generate_variations(self, request, stream=None):
        Recorder.requests.append(request)
        return []

    def cancel(self):
        pass


@pytest.fixture
def recorded(monkeypatch):
    """The engine module's Engine is the Recorder for this test."""
    module = types.ModuleType("poetstudio.engine.engine")
    module.Engine = Recorder
    monkeypatch.setitem(sys.modules, "poetstudio.engine.engine", module)
    Recorder.made, Recorder.requests = {}, []
    return Recorder


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(FILE, encoding="utf-8")
    return path


GENERATE = ["generate", "the sea", "--blend", "dickinson=1"]


def test_generate_takes_its_defaults_from_the_config_file(recorded, config_file):
    assert main(["--config", str(config_file), *GENERATE]) == 0
    assert recorded.made["device"] == "cpu"
    assert recorded.made["blend_mode"] == "prompt"
    assert recorded.made["balanced"] is False
    assert recorded.made["threads"] == 1
    (request,) = recorded.requests
    assert (request.sampling.temperature, request.sampling.top_k, request.sampling.max_new_tokens) == (0.3, 7, 33)
    assert request.sampling.real_words is False and request.sampling.echo_penalty == 0.5
    assert request.strength == 1.5 and request.variations == 2


def test_a_flag_wins_over_the_file(recorded, config_file):
    flags = ["--temperature", "0.9", "--max-new-tokens", "12", "--strength", "3", "--n", "1", "--balance",
             "--blend-mode", "exact", "--device", "auto"]
    assert main(["--config", str(config_file), *GENERATE, *flags]) == 0
    assert recorded.made["balanced"] is True
    assert (recorded.made["blend_mode"], recorded.made["device"]) == ("exact", "auto")
    (request,) = recorded.requests
    assert (request.sampling.temperature, request.sampling.max_new_tokens) == (0.9, 12)
    assert request.sampling.top_k == 7  # not given: still the file's
    assert request.strength == 3.0 and request.variations == 1


def test_without_a_file_generate_uses_the_documented_defaults(recorded, tmp_path):
    assert main(["--config", str(tmp_path / "none.toml"), *GENERATE]) == 2  # a named file must exist
    from poetstudio.config import DEFAULT_CONFIG_TOML

    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    assert main(["--config", str(empty), *GENERATE]) == 0
    (request,) = recorded.requests
    published = Sampling()
    assert request.sampling == Sampling(**{**published.__dict__, "seed": request.sampling.seed})
    assert recorded.made["balanced"] is True and "balance = true" in DEFAULT_CONFIG_TOML
    assert recorded.made["threads"] == 0 and "threads = 0" in DEFAULT_CONFIG_TOML  # 0 = every core


def test_a_global_flag_overrides_the_file_too(recorded, config_file):
    assert main(["--config", str(config_file), "--device", "auto", *GENERATE]) == 0
    assert recorded.made["device"] == "auto"


@pytest.mark.parametrize("command", [["poets"], ["analyze", "POEM", "--title", "x"]])
def test_the_config_model_is_the_one_every_command_reads(command, tmp_path, capsys):
    poem = tmp_path / "poem.txt"
    poem.write_text("Because I could not stop for Death\n", encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(f'[model]\nadapter = "{tmp_path / "no-such-adapter"}"\n', encoding="utf-8")
    argv = [str(poem) if part == "POEM" else part for part in command]
    assert main(["--config", str(config), *argv]) == 2
    assert "no-such-adapter" in capsys.readouterr().err
