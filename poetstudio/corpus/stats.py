"""Corpus statistics: poems, lines and tokens per poet and per mood, and which poets are too thin; for a general/
folder (one with MANIFEST.tsv), its books, authors, tokens and what each cleaning rule removed, as rich tables
(`poetstudio corpus stats` prints them)."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from pathlib import Path

from rich.table import Table

from poetstudio import paths
from poetstudio.corpus.cleaning import MANIFEST, RULES, CleanResult
from poetstudio.corpus.general import read_general_corpus
from poetstudio.corpus.poem import Poem
from poetstudio.corpus.split import DEFAULT_HELDOUT_FRACTION, split_corpus
from poetstudio.model_info import THIN_POEMS, THIN_TOKENS, default_tokenizer_dir


def token_counter():
    """Count tokens with the shipped model's tokenizer; fall back to words when it is missing."""
    path = default_tokenizer_dir() / "tokenizer.json"
    if path.exists():
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(path))
        return "tokens", lambda text: len(tokenizer.encode(text).ids)
    return "words", lambda text: len(text.split())


def tally(poems: list[Poem], key) -> dict[str, list[int]]:
    """[poems, lines, tokens] per group."""
    unit, count = token_counter()
    table: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for poem in poems:
        row = table[key(poem)]
        row[0] += 1
        row[1] += poem.line_count
        row[2] += count(poem.text)
    return dict(table)


def thin_poets(per_poet: dict[str, list[int]]) -> list[str]:
    """Poets with too few poems or tokens to learn a voice from."""
    return [p for p, (poems, _, tokens) in per_poet.items() if poems < THIN_POEMS or tokens < THIN_TOKENS]


def counts_table(title: str, column: str, rows: dict[str, list[int]], unit: str) -> Table:
    """A table of `tally`'s rows, most poems first, with a total row."""
    table = Table(title=title)
    table.add_column(column)
    for name in ("poems", "lines", unit):
        table.add_column(name, justify="right")
    for name, (poems, lines, tokens) in sorted(rows.items(), key=lambda kv: -kv[1][0]):
        table.add_row(name, str(poems), str(lines), str(tokens))
    total = [sum(r[i] for r in rows.values()) for i in range(3)]
    table.add_row("[bold]total", *(f"[bold]{v}" for v in total))
    return table


RULE_NOTES = {
    "gutenberg_licence": "Project Gutenberg header, licence, footer",
    "back_matter": "after a late NOTES / GLOSSARY / INDEX heading",
    "gutenberg_notes": "credits, transcriber's notes, URLs",
    "front_matter": "title-page credits ('by ...', 'Selected by ...')",
    "bracketed": "blocks opening with '[' (footnotes, illustrations, directions), to the closing ']'",
    "stage_directions": "in plays: Enter/Exit lines, ACT/SCENE headings, the persons, [asides]",
    "speaker_names": "speaker cues in plays, and one-line headings recurring 4+ times in a book (speech kept)",
    "contents_index": "most lines end in a page number or dot leaders",
    "prose": "3+ lines, 60%+ at the wrap margin, lower-case openings or open ends",
    "line_numbers": "marginal line numbers and footnote markers",
    "headings": "one-line titles (moved into the Title line)",
    "duplicates": "half the long lines already kept from another source",
    "heldout_ngrams": "shares a word 8-gram with a held-out poem",
}


def cache_dir() -> Path:
    """Where the CLI caches the cleaned general corpus: the user cache folder (`paths.cache_dir`)."""
    return paths.cache_dir()


def is_general_folder(path: str | Path) -> bool:
    """A general/ corpus folder: Gutenberg books listed by a MANIFEST.tsv."""
    return (Path(path) / MANIFEST).is_file()


def general_tokens(result: CleanResult, key: str) -> tuple[str, int]:
    """Tokens of the cleaned general corpus with the shipped tokenizer (characters if it is missing),
    cached beside the cleaned corpus since counting 90 MB takes a while."""
    path = default_tokenizer_dir() / "tokenizer.json"
    if not path.exists():
        return "characters", result.chars_after
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    cache = cache_dir() / f"general-tokens-{key}-{digest}.json"
    if cache.exists():
        return "tokens", int(json.loads(cache.read_text())["tokens"])
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    texts = ["\n\n".join(p.blocks) for p in result.pieces if p.source != "poems.jsonl"]
    total = 0
    for start in range(0, len(texts), 1024):
        total += sum(len(e.ids) for e in tokenizer.encode_batch(texts[start : start + 1024], add_special_tokens=False))
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({"tokens": total}))
    return "tokens", total


def general_tables(folder: str, poems: list[Poem]) -> tuple[Table, Table]:
    """The general corpus summary and the per-rule table, cleaned as training cleans it: held-out poems of
    `poems`' split kept out, its training poems first (so a book's copy of one is a duplicate)."""
    split = split_corpus(poems, DEFAULT_HELDOUT_FRACTION)
    result = read_general_corpus(folder, split.heldout, split.train, cache_dir())
    key = hashlib.sha256(f"{folder}|{result.chars_after}|{len(result.pieces)}".encode()).hexdigest()[:12]
    unit, tokens = general_tokens(result, key)
    summary = Table(title=f"general corpus {folder}")
    for name in ("books", "authors", "characters before", "characters after", unit, "held-out 8-gram hits"):
        summary.add_column(name, justify="right")
    summary.add_row(f"{result.books:,}", f"{result.authors:,}", f"{result.chars_before:,}", f"{result.chars_after:,}",
                    f"{tokens:,}", f"{result.counts.heldout_hits:,}")
    rules = Table(title="what cleaning removed")
    rules.add_column("rule")
    for name in ("blocks", "characters", "share"):
        rules.add_column(name, justify="right")
    rules.add_column("how")
    for rule in RULES:
        chars = result.counts.chars.get(rule, 0)
        rules.add_row(rule, f"{result.counts.blocks.get(rule, 0):,}", f"{chars:,}",
                      f"{chars / max(1, result.chars_before):.1%}", RULE_NOTES.get(rule, ""))
    return summary, rules
