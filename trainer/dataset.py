"""Everything a run trains and evaluates on: corpus read, split, tokenized and packed, plus its statistics."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from poetstudio.corpus import read_corpus
from poetstudio.corpus.general import line_keys, read_general_corpus, read_general_verse
from poetstudio.corpus.poem import Poem
from poetstudio.corpus.split import split_corpus
from poetstudio.corpus.vocabulary import word_counts
from trainer.author_verse import author_poems
from trainer.config import TrainConfig, run_format
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
    """The run's word counts (a pretraining run's text; an adapter's training poems and general corpus), written
    beside the model as words.txt (the real-words guard and the forms read it)."""


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


def book_verse(config: TrainConfig, split) -> list[Poem]:
    """An adapter's book verse from `general_corpus` (none without one): each corpus poet's own books up to
    `poet_book_chars`, every other author up to `author_chars`, held-out poems kept out by 8-grams."""
    if not config.general_corpus or config.mode != "lora" or not (config.poet_book_chars or config.author_chars):
        return []
    cleaned = read_general_corpus(config.general_corpus, split.heldout, split.train, Path(config.cache_dir) / "clean")
    return author_poems(cleaned, {p.poet for p in split.train}, config.poet_book_chars, config.author_chars,
                        config.seed)


def build_dataset(config: TrainConfig, tokenizer, report, split, blocks: list[str],
                  book_poems: list[Poem] | None = None) -> Dataset:
    """Tokenize and pack; LoRA runs condition on poet and mood, scratch runs learn unconditioned verse.
    `book_poems` (trainer.author_verse) train beside the corpus's poems under their authors' names."""
    condition = config.mode == "lora"
    fmt = run_format(config, tokenizer)
    book_poems = book_poems or []
    counts = Counter(p.poet for p in [*split.train, *book_poems])
    poets = sorted(p for p, n in counts.items() if n >= config.min_poems_per_poet)
    index = {poet: i for i, poet in enumerate(poets)}
    train_poems = [p for p in split.train if p.poet in index]
    books = [p for p in book_poems if p.poet in index]
    train_examples = poem_examples(tokenizer, train_poems + books, index, config.seq_len, condition,
                                   config.unconditioned_share, config.seed, fmt=fmt)
    train_examples += text_examples(tokenizer, blocks, config.seq_len)
    heldout_poems = [p for p in split.heldout if p.poet in index]
    heldout_examples = poem_examples(tokenizer, heldout_poems, index, config.seq_len, condition, fmt=fmt)
    pad = tokenizer.pad_token_id
    poet_counts: dict[str, dict] = {poet: {"poems": 0, "examples": 0, "heldout_poems": 0} for poet in poets}
    for poem in train_poems:
        poet_counts[poem.poet]["poems"] += 1
    for poem in books:
        counts = poet_counts[poem.poet]
        counts["book_chars"] = counts.get("book_chars", 0) + len(poem.text)
        tokens = len(tokenizer.encode(poem.text, add_special_tokens=False))
        counts["book_tokens"] = counts.get("book_tokens", 0) + tokens
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
        corpus_hash=corpus_hash([p.key for p in report.poems + books]
                                + [hashlib.sha1(b.encode()).hexdigest() for b in blocks]),
        skipped=report.skipped,
        general_blocks=len(blocks),
        contrast=contrast_items(tokenizer, train_poems + books, index, config.contrast_tokens) if condition else [],
        words=adapter_vocabulary(config, split, train_poems + books) if condition else None,
    )


def adapter_vocabulary(config: TrainConfig, split, poems: list[Poem]) -> Counter:
    """The words an adapter's word list counts: its training poems', and with a general corpus every book's whole
    cleaned text (held-out poems kept out), not only the slices it trains on: a pretrained base read far more
    verse than an adapter run can, and the word list is what the real-words guard and the forms' line ends allow."""
    counts = word_counts(p.text for p in poems)
    if config.general_corpus:
        cleaned = read_general_corpus(config.general_corpus, split.heldout, split.train,
                                      Path(config.cache_dir) / "clean")
        counts.update(word_counts("\n".join(piece.blocks) for piece in cleaned.pieces))
    return counts
