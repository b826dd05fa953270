"""`poetstudio corpus stats`: poems, lines and tokens per poet and per mood, and which poets are too thin."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from rich.console import Console
from rich.table import Table

from poetstudio.corpus.novelty import copied_share, ngram_index
from poetstudio.corpus.poem import Poem
from poetstudio.corpus.readers import read_corpus
from poetstudio.model_info import THIN_POEMS, default_base_dir

THIN_TOKENS = 10_000  # below this a LoRA run has too little text to shift a poet's voice


def token_counter():
    """Count tokens with the shipped model's tokenizer; fall back to words when it is missing."""
    path = default_base_dir() / "tokenizer.json"
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


def _table(title: str, column: str, rows: dict[str, list[int]], unit: str) -> Table:
    table = Table(title=title)
    table.add_column(column)
    for name in ("poems", "lines", unit):
        table.add_column(name, justify="right")
    for name, (poems, lines, tokens) in sorted(rows.items(), key=lambda kv: -kv[1][0]):
        table.add_row(name, str(poems), str(lines), str(tokens))
    total = [sum(r[i] for r in rows.values()) for i in range(3)]
    table.add_row("[bold]total", *(f"[bold]{v}" for v in total))
    return table


def run_stats(paths: list[str], novelty_file: str | None = None) -> int:
    """Print the stats tables, skipped rows and thin poets; with a text file, its copied 8-gram share."""
    report = read_corpus(paths)
    console = Console()
    unit, _ = token_counter()
    per_poet = tally(report.poems, lambda p: p.poet)
    console.print(_table(f"{len(report.poems)} poems from {', '.join(paths)}", "poet", per_poet, unit))
    moods = [p for p in report.poems if p.mood]
    if moods:
        console.print(_table("per mood", "mood", tally(moods, lambda p: p.mood), unit))
    thin = thin_poets(per_poet)
    if thin:
        names = ", ".join(sorted(thin))
        console.print(f"too thin to learn (under {THIN_POEMS} poems or {THIN_TOKENS:,} {unit}): {names}", soft_wrap=True)
    if report.skipped:
        console.print(f"skipped {len(report.skipped)} malformed rows:", soft_wrap=True)
        for line in report.skipped[:20]:
            console.print(f"  {line}", markup=False, soft_wrap=True)
    if novelty_file:
        text = Path(novelty_file).read_text(encoding="utf-8")
        share, total = copied_share([text], ngram_index(p.text for p in report.poems))
        console.print(f"{novelty_file}: {share:.2%} of its {total} 8-word sequences occur in the corpus", soft_wrap=True)
    return 0
