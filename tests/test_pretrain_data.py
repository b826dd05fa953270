"""Pretraining data: documents under the author's header, the unconditioned share, the token cache."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from poetstudio.corpus.cleaning import UNATTRIBUTED, CleanResult, Counts, Piece, clean_general
from poetstudio.corpus.poem import Poem
from poetstudio.corpus.split import Split
from poetstudio.prompt_format import HEADER, IGNORE_INDEX, PromptSpec, example_ids
from trainer import pretrain_data
from trainer.config import build_config
from trainer.pretrain_data import (
    DOC_COLUMNS,
    author_statistics,
    cut_piece,
    documents,
    pack_plan,
    pretrain_dataset,
    token_cache,
    token_rows,
)

STANZA = "Season of mists and mellow fruitfulness,\nClose bosom-friend of the maturing sun;"


def _config(tmp_path, **overrides):
    values = {"mode": "scratch", "corpus": ["x.jsonl"], "output": str(tmp_path / "out"), "seq_len": 96,
              "cache_dir": str(tmp_path / "cache"), "unconditioned_share": 0.2}
    values.update(overrides)
    return build_config(None, values)


def _cleaned(pieces):
    return CleanResult(pieces, Counts(), 1, 1, 0, 0)


def test_unconditioned_share_and_anthologies():
    pieces = [Piece("John Keats", True, f"Ode {i}", [STANZA], "book") for i in range(2000)]
    pieces += [Piece(UNATTRIBUTED, False, "An Anthology Poem", [STANZA], "anthology")] * 50
    docs = documents(_cleaned(pieces), 10_000, 0.2, seed=1)
    keats = [d for d in docs if d.author == "John Keats"]
    share = sum(d.poet is None for d in keats) / len(keats)
    assert 0.17 < share < 0.23
    assert all(d.poet is None for d in docs if d.author == UNATTRIBUTED)
    assert documents(_cleaned(pieces), 10_000, 0.0, seed=1)[0].poet == "John Keats"
    assert all(d.poet is None for d in documents(_cleaned(pieces[:100]), 10_000, 1.0, seed=1))


def test_training_poems_can_be_repeated():
    pieces = [
        Piece("John Keats", True, "Ode", [STANZA], "book"),
        Piece("Emily Dickinson", True, "Hope", [STANZA], "poems.jsonl"),
    ]
    docs = documents(_cleaned(pieces), 10_000, 0.0, seed=1, poems_repeat=3)
    assert [d.author for d in docs] == ["John Keats"] + ["Emily Dickinson"] * 3


def test_long_pieces_are_cut_at_blocks_then_lines():
    piece = Piece("John Keats", True, "To Autumn", [STANZA] * 5 + ["x" * 30 + "\n" + "y" * 30], "book")
    runs = cut_piece(piece, 100)
    assert all(len(r) <= 100 for r in runs)
    assert "\n\n".join(runs).replace("\n\n", "\n").count("Season of mists") == 5


def test_every_document_fits_its_row_even_with_long_titles(shipped_tokenizer):
    long_title = " ".join(["Verses"] * 40)
    docs = [pretrain_data.Document("John Keats", long_title, STANZA, "John Keats", "book"),
            pretrain_data.Document(None, "Ode", "word " * 200, "John Keats", "book"),
            pretrain_data.Document("John Keats", "Ode", "\n".join([STANZA] * 20), "John Keats", "book")]
    ids, heads, kept = pretrain_data.tokenize_documents(shipped_tokenizer, docs, 48)
    assert all(len(x) <= 48 for x in ids) and all(h < len(x) for h, x in zip(heads, ids))
    assert len(kept[0].title) < len(long_title) and len(kept) > 3


def test_pack_plan_places_every_document_in_a_row():
    lengths = np.array([90, 10, 50, 40, 96, 5, 60, 30])
    plan = pack_plan(lengths, 96)
    assert sorted(d for row in plan for d in row) == list(range(len(lengths)))
    assert all(sum(lengths[d] for d in row) <= 96 for row in plan)
    assert len(plan) == 5  # 381 tokens: 96 | 90+5 | 60+30 | 50+40 | 10 (no four rows can hold them)


@pytest.fixture
def cleaned_fixture(fixtures):
    poems = [Poem("Emily Dickinson", "A Bird", "A bird came down the walk:\nHe did not know I saw;")]
    return clean_general(fixtures / "general", [], poems)


def test_token_cache_round_trip(tmp_path, shipped_tokenizer, cleaned_fixture):
    config = _config(tmp_path, unconditioned_share=0.0)
    folder = token_cache(config, shipped_tokenizer, cleaned_fixture)
    index = json.loads((folder / "index.json").read_text())
    table = np.load(folder / "docs.npy")
    tokens = np.load(folder / "tokens.npy")
    assert index["columns"] == list(DOC_COLUMNS) and len(table) == index["documents"]
    autumn = next(i for i in range(len(table)) if "To Autumn" in shipped_tokenizer.decode(
        tokens[table[i, 0] : table[i, 0] + table[i, 2]].tolist()))
    offset, length, header = table[autumn, :3]
    text = shipped_tokenizer.decode(tokens[offset + header : offset + length - 1].tolist())
    ids, labels = example_ids(shipped_tokenizer, PromptSpec("John Keats", "To Autumn"), text, fmt=HEADER)
    assert tokens[offset : offset + length].tolist() == ids  # exactly the one prompt format's example
    assert int(header) == labels.count(IGNORE_INDEX)

    rows = token_rows(config, shipped_tokenizer, cleaned_fixture)
    batch = rows.select(torch.arange(len(rows)))
    assert batch.input_ids.shape == (len(rows), 96)
    learned = int((batch.labels != IGNORE_INDEX).sum())
    assert learned == int((table[:, 1] - table[:, 2]).sum())
    first = batch.input_ids[0].tolist()
    assert first[0] == shipped_tokenizer.bos_token_id and batch.labels[0, 0] == IGNORE_INDEX
    starts = (batch.position_ids == 0).sum()
    assert starts >= len(table)  # positions restart at each document (and at each row's padding)

    before = (folder / "rows.npy").stat().st_mtime_ns
    monkey = pretrain_data.build_token_cache
    pretrain_data.build_token_cache = lambda *a: pytest.fail("the cache was rebuilt")
    try:
        assert token_cache(config, shipped_tokenizer, cleaned_fixture) == folder
    finally:
        pretrain_data.build_token_cache = monkey
    assert (folder / "rows.npy").stat().st_mtime_ns == before
    assert token_cache(_config(tmp_path, unconditioned_share=0.5), shipped_tokenizer, cleaned_fixture) != folder


def test_author_statistics(tmp_path, shipped_tokenizer, cleaned_fixture):
    folder = token_cache(_config(tmp_path), shipped_tokenizer, cleaned_fixture)
    stats = author_statistics(folder)
    assert stats["John Keats"]["books"] == 1 and stats["John Keats"]["tokens"] > 0
    assert stats["Emily Dickinson"]["poems_jsonl"] and stats["Emily Dickinson"]["books"] == 0
    assert stats["William Shakespeare"]["chars"] > 100
    assert stats[UNATTRIBUTED]["conditioned_documents"] == 0
    assert stats["John Keats"]["thin"]  # a few hundred tokens
    card = pretrain_data.model_card(folder)
    assert card["authors"] == stats and card["pretraining_data"]["cleaning"]["books"] == 3
    json.dumps(card)  # plain data for poetstudio.json


def test_pretrain_dataset_measures_heldout_under_the_poet(tmp_path, shipped_tokenizer, cleaned_fixture):
    heldout = Poem("Emily Dickinson", "Hope", "Hope is the thing with feathers\nThat perches in the soul,")
    train = Poem("Emily Dickinson", "A Bird", "A bird came down the walk:\nHe did not know I saw;")
    data = pretrain_dataset(_config(tmp_path), shipped_tokenizer, type("R", (), {"skipped": []})(),
                            Split([train], [heldout]), cleaned_fixture)
    assert data.poets == ["Emily Dickinson"] and len(data.heldout) == 1
    head = shipped_tokenizer.decode(data.heldout.input_ids[0, :12].tolist())
    assert "Poet: Emily Dickinson" in head
    assert len(data.train) > 0 and data.train.select(torch.tensor([0])).input_ids.shape[1] == 96


def test_recipe_fields_are_validated(tmp_path):
    from poetstudio.errors import UserError

    with pytest.raises(UserError, match="unconditioned_share"):
        _config(tmp_path, unconditioned_share=1.5)
    with pytest.raises(UserError, match="general_corpus is for pretraining"):
        _config(tmp_path, mode="judge", general_corpus="general")
    with pytest.raises(UserError, match="author_chars"):
        _config(tmp_path, mode="lora", base_model="x", general_corpus="general", author_chars=-1)
    with pytest.raises(UserError, match="prompt_format"):
        _config(tmp_path, mode="lora", base_model="x", prompt_format="xml")
    config = build_config("base", {})
    assert config.general_corpus.endswith("general") and config.seq_len == 1024
    assert 0 < config.unconditioned_share < 1
