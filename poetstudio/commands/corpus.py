"""`poetstudio corpus stats`: poems, lines and tokens per poet and per mood, and which poets are too thin;
for a general/ folder (one with MANIFEST.tsv), its books, authors, tokens and what each cleaning rule removed."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub) -> None:
    """Register the corpus subcommand and its stats subcommand."""
    corpus = sub.add_parser("corpus", help="inspect a corpus")
    corpus_sub = corpus.add_subparsers(dest="corpus_command", required=True)
    stats = corpus_sub.add_parser(
        "stats", help="poems, lines and tokens per poet and per mood; thin poets; a general/ folder's cleaning"
    )
    stats.add_argument("paths", nargs="+",
                       help=".jsonl, .csv, a folder of poet folders, or a general/ folder (MANIFEST.tsv)")
    stats.add_argument("--novelty", metavar="TEXTFILE",
                       help="also print the share of the file's 8-grams found in the corpus")


def run(args: argparse.Namespace) -> int:
    """`corpus stats`: print the stats of the corpus files and folders given."""
    return print_stats(args.paths, args.novelty)


def read_novelty_text(name: str) -> str:
    """The text --novelty names, read before any table is printed: a missing, folder, binary or non-UTF-8
    file, or one of fewer than NGRAM words (nothing to look for), is a one-line UserError."""
    from poetstudio.corpus.novelty import NGRAM, ngrams
    from poetstudio.errors import UserError
    from poetstudio.text_file import read_text_file

    text = read_text_file(name, "give --novelty a text file, such as a generated poem")
    if not ngrams(text):
        raise UserError(f"{name} has fewer than {NGRAM} words, so there is no {NGRAM}-word sequence to look "
                        f"for in the corpus; give --novelty a longer text")
    return text


def print_stats(paths: list[str], novelty_file: str | None = None) -> int:
    """Print the stats tables, skipped rows and thin poets; with a text file, its copied 8-gram share;
    for a general/ folder, its books, authors, tokens and cleaning table."""
    from rich.console import Console

    from poetstudio.corpus.novelty import copied_share, ngram_index
    from poetstudio.corpus.readers import read_corpus
    from poetstudio.corpus.stats import (
        THIN_TOKENS,
        counts_table,
        general_tables,
        is_general_folder,
        tally,
        thin_poets,
        token_counter,
    )
    from poetstudio.model_info import THIN_POEMS

    novelty_text = read_novelty_text(novelty_file) if novelty_file else None
    general = [p for p in paths if is_general_folder(p)]
    paths = [p for p in paths if p not in general]
    console = Console()
    if general and not paths:
        beside = Path(general[0]).parent / "poems.jsonl"
        paths = [str(beside)] if beside.exists() else []
    report = read_corpus(paths) if paths else None
    for folder in general:
        for table in general_tables(folder, report.poems if report else []):
            console.print(table)
    if report is None:
        return 0
    unit, _ = token_counter()
    per_poet = tally(report.poems, lambda p: p.poet)
    console.print(counts_table(f"{len(report.poems)} poems from {', '.join(paths)}", "poet", per_poet, unit))
    moods = [p for p in report.poems if p.mood]
    if moods:
        console.print(counts_table("per mood", "mood", tally(moods, lambda p: p.mood), unit))
    thin = thin_poets(per_poet)
    if thin:
        names = ", ".join(sorted(thin))
        console.print(f"too thin to learn (under {THIN_POEMS} poems or {THIN_TOKENS:,} {unit}): {names}",
                      soft_wrap=True)
    if report.skipped:
        console.print(f"skipped {len(report.skipped)} malformed rows:", soft_wrap=True)
        for line in report.skipped[:20]:
            console.print(f"  {line}", markup=False, soft_wrap=True)
    if novelty_text is not None:
        share, total = copied_share([novelty_text], ngram_index(p.text for p in report.poems))
        console.print(f"{novelty_file}: {share:.2%} of its {total} 8-word sequences occur in the corpus",
                      soft_wrap=True)
    return 0
