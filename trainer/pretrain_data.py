"""Pretraining data for a base model: the cleaned general corpus and the training poems, every piece under
its author's header through the one prompt format, tokenized once into a flat token file.

Stages, each a function:

1. `pretrain_corpus`: the cleaned `general/` books plus the training poems (cached by
   poetstudio.corpus.general.read_general_corpus);
2. `documents`: pieces cut into documents that fit `seq_len` with their header; a share
   (`unconditioned_share`, and every anthology) leaves the header's Poet line out;
3. `build_token_cache`: documents tokenized into `tokens.npy` (uint16, header + body + end token each),
   `docs.npy` (offset, length, header length, author, characters, source, conditioned per document),
   packed best-fit decreasing into `rows.npy` / `flags.npy` (seq_len per row), and `index.json`
   (authors, sources, statistics), all under `<cache_dir>/pretrain-<key>/`, keyed by the cleaned corpus,
   the tokenizer, seq_len, unconditioned_share and seed, so a restart reuses it;
4. `TokenRows`: the packed rows read from the memory-mapped files, a batch at a time, as `Rows` (header
   tokens out of the loss, position ids restarting at each document);
5. `pretrain_dataset`: the run's Dataset (held-out rows are the held-out poems under their poets);
6. `author_statistics` / `model_card`: tokens, characters and books per author (thin ones marked) and the
   cleaning table, for the model's poetstudio.json.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import shutil
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from poetstudio.corpus.cleaning import POEMS_SOURCE, CleanResult, Piece
from poetstudio.corpus.general import read_general_corpus
from poetstudio.corpus.vocabulary import word_counts
from poetstudio.model_info import THIN_TOKENS
from poetstudio.prompt_format import IGNORE_INDEX, PromptSpec, header_text
from trainer.config import TrainConfig
from trainer.data import NO_POET, Rows, pack, poem_examples
from trainer.dataset import Dataset

CACHE_VERSION = 1  # bump when the layout of the token cache changes
LEARN, DOC_START = 1, 2  # bits of flags.npy: the token is in the loss / a document starts here
DOC_COLUMNS = ("offset", "length", "header", "author", "chars", "source", "conditioned")
CHARS_PER_TOKEN_FLOOR = 2.5  # documents are cut by characters first: an 8k byte-level BPE averages about
# 3.5 characters per token on verse, so this floor leaves room; a document still too long is split again
ENCODE_BATCH = 2048  # texts per tokenizer call: large enough for the Rust side to work in parallel


# ---------------------------------------------------------------------------------------------- 1. corpus


def pretrain_corpus(config: TrainConfig, split) -> CleanResult:
    """The cleaned general corpus with the training poems first (held-out poems kept out by 8-grams)."""
    return read_general_corpus(config.general_corpus, split.heldout, split.train, Path(config.cache_dir) / "clean")


def learned_words(cleaned: CleanResult) -> Counter:
    """How often each word occurs in the run's cleaned text (training poems and general verse): the base's
    words.txt (poetstudio.corpus.vocabulary) is written from it."""
    return word_counts("\n".join(piece.blocks) for piece in cleaned.pieces)


def tokenizer_texts(cleaned: CleanResult):
    """Every piece's text, for training a scratch tokenizer."""
    for piece in cleaned.pieces:
        yield "\n\n".join(piece.blocks)


# ---------------------------------------------------------------------------------------------- 2. documents


@dataclass(frozen=True)
class Document:
    """One training document: its header (poet or None, title), its verse, author and source."""

    poet: str | None
    title: str
    text: str
    author: str
    source: str


def unconditioned(seed: int, number: int, share: float) -> bool:
    """Whether document `number` leaves the Poet line out: a fixed hash of (seed, number) under `share`."""
    digest = hashlib.blake2b(f"{seed}:{number}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 < share


def cut_piece(piece: Piece, max_chars: int) -> list[str]:
    """A piece's blocks joined into runs of at most `max_chars` characters (a longer block is cut at lines)."""
    runs: list[str] = []
    current = ""
    for block in piece.blocks:
        for part in _split_long(block, max_chars):
            if current and len(current) + 2 + len(part) > max_chars:
                runs.append(current)
                current = ""
            current = f"{current}\n\n{part}" if current else part
    if current:
        runs.append(current)
    return runs


def _split_long(text: str, max_chars: int) -> list[str]:
    if len(text) <= max_chars:
        return [text]
    parts, current = [], ""
    for line in text.split("\n"):
        line = line[:max_chars]
        if current and len(current) + 1 + len(line) > max_chars:
            parts.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    return parts + ([current] if current else [])


def documents(cleaned: CleanResult, max_chars: int, share: float, seed: int, poems_repeat: int = 1) -> list[Document]:
    """Every piece cut to fit, each run under its author's header; the Poet line left out for a fixed
    `share` of documents and for every anthology (whose editor did not write its poems). The training
    poems of poems.jsonl come `poems_repeat` times (each copy draws its own header)."""
    docs = []
    for piece in cleaned.pieces:
        copies = poems_repeat if piece.source == POEMS_SOURCE else 1
        for text in [run for run in cut_piece(piece, max_chars) for _ in range(copies)]:
            drop = not piece.attributed or unconditioned(seed, len(docs), share)
            docs.append(Document(None if drop else piece.author, piece.title, text, piece.author, piece.source))
    return docs


# ---------------------------------------------------------------------------------------------- 3. token cache


def tokenizer_fingerprint(tokenizer) -> str:
    """A hash of the tokenizer's whole definition (vocabulary, merges, special tokens)."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    text = backend.to_str() if backend is not None else json.dumps(tokenizer.get_vocab(), sort_keys=True)
    return hashlib.sha256(f"{text}\0{tokenizer.bos_token_id}\0{tokenizer.eos_token_id}".encode()).hexdigest()[:16]


def cache_key(config: TrainConfig, cleaned_key: str, tokenizer) -> str:
    """What the token cache depends on: the cleaned corpus, the tokenizer, and the document settings."""
    parts = [f"v{CACHE_VERSION}", cleaned_key, tokenizer_fingerprint(tokenizer), str(config.seq_len),
             repr(config.unconditioned_share), str(config.seed), str(config.poems_repeat)]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def cleaned_fingerprint(cleaned: CleanResult) -> str:
    """A hash of the cleaned pieces themselves (so any change in cleaning or inputs changes it)."""
    digest = hashlib.sha256()
    for piece in cleaned.pieces:
        digest.update(f"{piece.author}\0{piece.attributed}\0{piece.title}\0{piece.source}\0".encode())
        for block in piece.blocks:
            digest.update(block.encode() + b"\0")
    return digest.hexdigest()[:16]


def _encode(tokenizer, texts: list[str]) -> list[list[int]]:
    backend = getattr(tokenizer, "backend_tokenizer", None)
    out: list[list[int]] = []
    for start in range(0, len(texts), ENCODE_BATCH):
        chunk = texts[start : start + ENCODE_BATCH]
        if backend is not None:
            out += [e.ids for e in backend.encode_batch(chunk, add_special_tokens=False)]
        else:
            out += [tokenizer.encode(t, add_special_tokens=False) for t in chunk]
    return out


def tokenize_documents(tokenizer, docs: list[Document],
                       seq_len: int) -> tuple[list[list[int]], list[int], list[Document]]:
    """Each document as header + body + end token, exactly as prompt_format.example_ids writes it; one
    still over seq_len is halved at a line (or its over-long title halved) and tried again, and a single
    over-long line is cut; returns (ids, header lengths, docs), every ids at most seq_len long."""
    bos = [tokenizer.bos_token_id] if tokenizer.bos_token_id is not None else []
    eos = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
    pending = docs
    ids_out, heads_out, docs_out = [], [], []
    while pending:
        heads = _encode(tokenizer, [header_text(PromptSpec(poet=d.poet, title=d.title)) for d in pending])
        bodies = _encode(tokenizer, [d.text.strip("\n") + "\n" for d in pending])
        retry = []
        for doc, head, body in zip(pending, heads, bodies):
            ids = bos + head + body + eos
            if len(ids) <= seq_len:
                ids_out.append(ids)
                heads_out.append(len(bos) + len(head))
                docs_out.append(doc)
                continue
            words = doc.title.split()
            if seq_len - len(bos) - len(head) - len(eos) < seq_len // 4 and len(words) > 1:
                retry.append(replace(doc, title=" ".join(words[: len(words) // 2])))  # a title too long to fit
                continue
            lines = doc.text.split("\n")
            if len(lines) < 2:  # one line longer than a row: keep what fits
                start = (bos + head)[: max(1, seq_len - len(eos) - 1)]
                ids_out.append(start + body[: seq_len - len(start) - len(eos)] + eos)
                heads_out.append(len(start))
                docs_out.append(doc)
                continue
            half = len(lines) // 2
            for part in ("\n".join(lines[:half]), "\n".join(lines[half:])):
                if part.strip():
                    retry.append(replace(doc, text=part.strip("\n")))
        pending = retry
    return ids_out, heads_out, docs_out


def pack_plan(lengths: np.ndarray, seq_len: int) -> list[list[int]]:
    """Best-fit decreasing: documents (by index) into rows of seq_len, longest first, each into the
    fullest row that still has room (free space kept sorted, so each placement is a binary search)."""
    rows: list[list[int]] = []
    free: list[tuple[int, int]] = []  # (free space, row) sorted
    for doc in np.argsort(-lengths, kind="stable"):
        size = int(lengths[doc])
        slot = bisect.bisect_left(free, (size, -1))
        if slot == len(free):
            rows.append([int(doc)])
            bisect.insort(free, (seq_len - size, len(rows) - 1))
            continue
        space, row = free.pop(slot)
        rows[row].append(int(doc))
        bisect.insort(free, (space - size, row))
    return rows


def write_rows(folder: Path, tokens: np.ndarray, docs: np.ndarray, plan: list[list[int]], seq_len: int,
               pad: int) -> None:
    """rows.npy (token ids) and flags.npy (LEARN | DOC_START bits), seq_len per row; a row's padding is
    one more 'document' with no loss, so positions restart there as trainer.data.pack does."""
    n = len(plan)
    rows = np.lib.format.open_memmap(folder / "rows.npy", mode="w+", dtype=tokens.dtype, shape=(n, seq_len))
    flags = np.lib.format.open_memmap(folder / "flags.npy", mode="w+", dtype=np.uint8, shape=(n, seq_len))
    rows[:] = pad
    flags[:] = 0
    for r, members in enumerate(plan):
        cursor = 0
        for doc in members:
            offset, length, header = (int(docs[doc, 0]), int(docs[doc, 1]), int(docs[doc, 2]))
            rows[r, cursor : cursor + length] = tokens[offset : offset + length]
            flags[r, cursor] = DOC_START
            flags[r, cursor + header : cursor + length] |= LEARN
            cursor += length
        if cursor < seq_len:
            flags[r, cursor] |= DOC_START
    rows.flush()
    flags.flush()


def build_token_cache(config: TrainConfig, tokenizer, cleaned: CleanResult, folder: Path) -> None:
    """Tokenize every document and write the cache files into `folder` (built in a temporary folder
    beside it, then renamed, so a crash never leaves a half cache)."""
    partial = folder.with_name(folder.name + f".{os.getpid()}.tmp")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    probe = documents(cleaned, 10**9, config.unconditioned_share, config.seed)[:200]
    sample = _encode(tokenizer, [d.text for d in probe])
    ratio = max(CHARS_PER_TOKEN_FLOOR, sum(map(len, (d.text for d in probe))) / max(1, sum(map(len, sample))) * 0.9)
    header_room = 48  # tokens for "<bos>Poet: NAME\nTitle: TITLE\n\n" and the end token
    docs = documents(cleaned, int((config.seq_len - header_room) * ratio), config.unconditioned_share, config.seed,
                     config.poems_repeat)
    ids, heads, docs = tokenize_documents(tokenizer, docs, config.seq_len)
    dtype = np.uint16 if len(tokenizer) <= 2**16 else np.uint32
    lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    tokens = np.lib.format.open_memmap(partial / "tokens.npy", mode="w+", dtype=dtype, shape=(int(lengths.sum()),))
    for offset, row in zip(offsets, ids):
        tokens[offset : offset + len(row)] = row
    tokens.flush()
    authors = sorted({d.author for d in docs})
    sources = sorted({d.source for d in docs})
    author_id, source_id = {a: i for i, a in enumerate(authors)}, {s: i for i, s in enumerate(sources)}
    table = np.zeros((len(docs), len(DOC_COLUMNS)), dtype=np.int64)
    table[:, 0], table[:, 1], table[:, 2] = offsets, lengths, heads
    table[:, 3] = [author_id[d.author] for d in docs]
    table[:, 4] = [len(d.text) for d in docs]
    table[:, 5] = [source_id[d.source] for d in docs]
    table[:, 6] = [d.poet is not None for d in docs]
    np.save(partial / "docs.npy", table)
    plan = pack_plan(lengths, config.seq_len)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    write_rows(partial, tokens, table, plan, config.seq_len, pad)
    index = {
        "cache_version": CACHE_VERSION,
        "seq_len": config.seq_len,
        "unconditioned_share": config.unconditioned_share,
        "documents": len(docs),
        "rows": len(plan),
        "tokens": int(lengths.sum()),
        "learned_tokens": int((lengths - np.asarray(heads)).sum()),
        "columns": list(DOC_COLUMNS),
        "authors": authors,
        "sources": sources,
        "cleaning": cleaning_table(cleaned),
    }
    (partial / "index.json").write_text(json.dumps(index, indent=1, ensure_ascii=False) + "\n")
    if (folder / "index.json").exists():  # another process (a data-parallel rank) finished it first
        shutil.rmtree(partial, ignore_errors=True)
        return
    shutil.rmtree(folder, ignore_errors=True)  # a folder without index.json is an unfinished leftover
    try:
        partial.replace(folder)
    except OSError:
        shutil.rmtree(partial, ignore_errors=True)


def cleaning_table(cleaned: CleanResult) -> dict:
    """What cleaning kept and removed, as plain data for index.json and the model card."""
    return {
        "books": cleaned.books,
        "authors": cleaned.authors,
        "chars_before": cleaned.chars_before,
        "chars_after": cleaned.chars_after,
        "removed_chars": dict(cleaned.counts.chars),
        "removed_blocks": dict(cleaned.counts.blocks),
        "heldout_ngram_hits": cleaned.counts.heldout_hits,
    }


def token_cache(config: TrainConfig, tokenizer, cleaned: CleanResult) -> Path:
    """The token cache folder for this corpus, tokenizer and settings, built if it is not there yet."""
    key = cache_key(config, cleaned_fingerprint(cleaned), tokenizer)
    folder = Path(config.cache_dir) / f"pretrain-{key}"
    if not (folder / "index.json").exists():
        build_token_cache(config, tokenizer, cleaned, folder)
    return folder


# ---------------------------------------------------------------------------------------------- 4. rows


class TokenRows:
    """Packed training rows read from a token cache, converted to a `Rows` batch only when selected."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.tokens = np.load(self.folder / "rows.npy", mmap_mode="r")
        self.flags = np.load(self.folder / "flags.npy", mmap_mode="r")
        self.index = json.loads((self.folder / "index.json").read_text())

    def __len__(self) -> int:
        return self.tokens.shape[0]

    @property
    def seq_len(self) -> int:
        """Tokens per row."""
        return self.tokens.shape[1]

    def select(self, index) -> Rows:
        """Rows as tensors: ids, labels (header and padding masked), position ids restarting at every
        document start, and no poet index (per-poet loss is measured on the held-out rows). Built in
        numpy (about 4 ms for 64 rows of 1,024), so a step does not wait on torch's CPU threads."""
        if isinstance(index, torch.Tensor):
            index = index.numpy()
        picked = np.sort(np.asarray(index)) if not isinstance(index, slice) else index
        ids = self.tokens[picked].astype(np.int64)
        flags = self.flags[picked]
        labels = np.where(flags & LEARN, ids, IGNORE_INDEX)
        steps = np.arange(ids.shape[1])
        positions = steps - np.maximum.accumulate(np.where(flags & DOC_START, steps, 0), axis=1)
        ids, labels, positions = (torch.from_numpy(a) for a in (ids, labels, positions))
        return Rows(ids, labels, positions, torch.full_like(ids, NO_POET))


def token_rows(config: TrainConfig, tokenizer, cleaned: CleanResult) -> TokenRows:
    """The training rows for this run: its token cache (built on first use), memory-mapped."""
    return TokenRows(token_cache(config, tokenizer, cleaned))


# ---------------------------------------------------------------------------------------------- 5. dataset


def pretrain_dataset(config: TrainConfig, tokenizer, report, split, cleaned: CleanResult):
    """The Dataset of a pretraining run: cached token rows to train on, the held-out poems under their
    poets (header out of the loss) to measure on."""
    rows = token_rows(config, tokenizer, cleaned)
    counts = Counter(p.poet for p in split.train)
    poets = sorted(counts)
    index = {poet: i for i, poet in enumerate(poets)}
    heldout = poem_examples(tokenizer, [p for p in split.heldout if p.poet in index], index, config.seq_len, True)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    poet_counts = {poet: {"poems": counts[poet], "examples": 0,
                          "heldout_poems": sum(1 for p in split.heldout if p.poet == poet)} for poet in poets}
    return Dataset(
        train=rows,
        heldout=pack(heldout, config.seq_len, pad),
        poets=poets,
        poet_counts=poet_counts,
        corpus_hash=rows.folder.name.removeprefix("pretrain-"),
        skipped=report.skipped,
        general_blocks=rows.index["documents"],
        card=model_card(rows.folder),
        words=learned_words(cleaned),
    )


# ---------------------------------------------------------------------------------------------- 6. statistics


def author_statistics(folder: Path) -> dict[str, dict]:
    """For every author in a token cache, most text first: learned tokens, characters, books (poems.jsonl
    is not counted as a book but flagged), documents, documents under the Poet line, and whether the
    author is thin (under THIN_TOKENS learned tokens, as `corpus stats` marks poets). For the model card."""
    folder = Path(folder)
    index = json.loads((folder / "index.json").read_text())
    table = np.load(folder / "docs.npy")
    stats: dict[str, dict] = {}
    for a, author in enumerate(index["authors"]):
        mine = table[table[:, 3] == a]
        books = {index["sources"][s] for s in np.unique(mine[:, 5])}
        stats[author] = {
            "tokens": int((mine[:, 1] - mine[:, 2]).sum()),
            "chars": int(mine[:, 4].sum()),
            "books": len(books - {POEMS_SOURCE}),
            "poems_jsonl": POEMS_SOURCE in books,
            "documents": int(len(mine)),
            "conditioned_documents": int(mine[:, 6].sum()),
            "thin": int((mine[:, 1] - mine[:, 2]).sum()) < THIN_TOKENS,
        }
    return dict(sorted(stats.items(), key=lambda kv: -kv[1]["tokens"]))


def model_card(folder: Path) -> dict:
    """What a base model's poetstudio.json says about its pretraining data: per-author statistics and
    the cleaning table (`write_metadata(output, ..., **model_card(rows.folder))`)."""
    index = json.loads((Path(folder) / "index.json").read_text())
    return {
        "authors": author_statistics(folder),
        "pretraining_data": {key: index[key] for key in ("documents", "rows", "tokens", "learned_tokens",
                                                          "seq_len", "unconditioned_share", "cleaning")},
    }
