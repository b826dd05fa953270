"""Everything a run trains and evaluates on: corpus read, split, tokenized and packed, plus its statistics."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field

from poetstudio.corpus import read_corpus
from poetstudio.corpus.general import line_keys, read_general_verse
from poetstudio.corpus.split import split_corpus
from trainer.config import TrainConfig
from trainer.data import ContrastItem, Rows, contrast_items, pack, poem_examples, text_examples


@dataclass
class Dataset:
    """Packed train and held-out rows, the poets by index, what the metadata reports about the data, and the
    training poems for the poet contrast (LoRA runs)."""

    train: Rows
    heldout: Rows
    poets: list[str]
    poet_counts: dict[str, dict] = field(default_factory=dict)
    moods: dict[str, int] = field(default_factory=dict)
    corpus_hash: str = ""
    skipped: list[str] = field(default_factory=list)
    general_blocks: int = 0
    contrast: list[ContrastItem] = field(default_factory=list)
    card: dict = field(default_factory=dict)
    """More for the model's poetstudio.json: a pretraining run's authors and cleaning table."""
    words: Counter | None = None
    """A pretraining run's word counts, written beside the model as words.txt (the real-words guard reads it)."""


def corpus_hash(keys: list[str]) -> str:
    """A short fingerprint of exactly which poems and texts went in."""
    return hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:16]


def read_split(config: TrainConfig):
    """Read the corpus and split it; returns (report, split)."""
    report = read_corpus(config.corpus)
    return report, split_corpus(report.poems, config.heldout_fraction)


def general_texts(config: TrainConfig, heldout) -> list[str]:
    """General verse blocks with every held-out poem's lines removed, so held-out loss stays honest."""
    if not config.general_verse:
        return []
    return read_general_verse(config.general_verse, exclude=line_keys(heldout))


def build_dataset(config: TrainConfig, tokenizer, report, split, blocks: list[str]) -> Dataset:
    """Tokenize and pack; LoRA runs condition on poet and mood, scratch runs learn unconditioned verse."""
    condition = config.mode == "lora"
    counts = Counter(p.poet for p in split.train)
    poets = sorted(p for p, n in counts.items() if n >= config.min_poems_per_poet)
    index = {poet: i for i, poet in enumerate(poets)}
    train_poems = [p for p in split.train if p.poet in index]
    train_examples = poem_examples(tokenizer, train_poems, index, config.seq_len, condition,
                                   config.unconditioned_share, config.seed)
    train_examples += text_examples(tokenizer, blocks, config.seq_len)
    heldout_poems = [p for p in split.heldout if p.poet in index]
    heldout_examples = poem_examples(tokenizer, heldout_poems, index, config.seq_len, condition)
    pad = tokenizer.pad_token_id
    poet_counts: dict[str, dict] = {poet: {"poems": 0, "examples": 0, "heldout_poems": 0} for poet in poets}
    for poem in train_poems:
        poet_counts[poem.poet]["poems"] += 1
    for example in train_examples:
        if example.poet >= 0:
            poet_counts[poets[example.poet]]["examples"] += 1
    for poem in split.heldout:
        if poem.poet in poet_counts:
            poet_counts[poem.poet]["heldout_poems"] += 1
    return Dataset(
        train=pack(train_examples, config.seq_len, pad),
        heldout=pack(heldout_examples, config.seq_len, pad),
        poets=poets,
        poet_counts=poet_counts,
        moods=dict(Counter(p.mood for p in train_poems if p.mood)),
        corpus_hash=corpus_hash([p.key for p in report.poems] + [hashlib.sha1(b.encode()).hexdigest() for b in blocks]),
        skipped=report.skipped,
        general_blocks=len(blocks),
        contrast=contrast_items(tokenizer, train_poems, index, config.contrast_tokens) if condition else [],
    )
