"""Loops inside a line: poems of the shipped model at the studio's settings, once without the line rule
(`word_repeats` 0, the baseline) and once with the studio's limit, on the same themes and seeds. Prints the
share of lines in which one word stands three times or more, per poet, and the ratio.

    python bench/loops.py --per-poet 8 --max-new-tokens 120

A line loops when a word other than the 25 commonest function words below stands in it three times or more
("the land of the sea and the sea, the sea"). The list is this bench's own, far shorter than the rule's
(poetstudio/forms/line_repeats.py), so words the rule lets repeat freely ("thee", "thy", "still") count here.
"""

from __future__ import annotations

import argparse
import re
import time
from collections import Counter

THEMES = ["the sea at night", "a garden in winter", "love and time", "the city", "a dead friend", "morning",
          "the river", "war"]
SEED = 700  # poem i uses seed SEED + i: none of the judge bench's (500+) or README's samples (1000)
COMMON = frozenset("the a an and of to in on or but with for by as at from that is was be my his her their our".split())
POETS = ["William Shakespeare", "Walt Whitman", "John Donne", "Edgar Allan Poe", "Emily Dickinson",
         "E. E. Cummings", "Elizabeth Barrett Browning", "W. B. Yeats"]


def looping(line: str) -> bool:
    """A word outside COMMON stands three times or more in `line`."""
    counts = Counter(w for w in re.findall(r"[a-z']+", line.lower()) if w.strip("'") not in COMMON)
    return bool(counts) and max(counts.values()) >= 3


def stammers(text: str) -> int:
    """Words that follow themselves with only spaces between ("the the"; "that that" and "had had" aside)."""
    from poetstudio.forms.line_repeats import DOUBLED

    return sum(1 for a, b in re.findall(r"\b([A-Za-z']+) +(?=([A-Za-z']+)\b)", text)
               if a.lower() == b.lower() and a.lower() not in DOUBLED)


def run(engine, limit: int, per_poet: int, max_new_tokens: int) -> dict[str, tuple[int, int, int]]:
    """Per poet: (looping lines, lines, stammers) over `per_poet` poems written with `word_repeats=limit`."""
    from poetstudio.engine.request import PoemRequest
    from poetstudio.engine.sampling_settings import DEFAULT_STRENGTH, Sampling

    found = {}
    for poet in POETS:
        loops = lines = doubled = 0
        for i in range(per_poet):
            text = engine.generate(PoemRequest(theme=THEMES[i % len(THEMES)], blend={poet: 1.0},
                                               strength=DEFAULT_STRENGTH,
                                               sampling=Sampling(seed=SEED + i, max_new_tokens=max_new_tokens,
                                                                 word_repeats=limit))).text
            kept = [line for line in text.splitlines() if line.strip()]
            loops += sum(looping(line) for line in kept)
            lines += len(kept)
            doubled += stammers(text)
        found[poet] = (loops, lines, doubled)
    return found


def main() -> None:
    """Write the poems both ways and print the table."""
    from poetstudio.engine.engine import Engine
    from poetstudio.engine.sampling_settings import WORD_REPEATS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-poet", type=int, default=8, help="poems per poet, one per theme (8 themes)")
    parser.add_argument("--max-new-tokens", type=int, default=120, help="the judge bench's poem length")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    started = time.perf_counter()
    engine = Engine(device=args.device)
    engine.load()
    before = run(engine, 0, args.per_poet, args.max_new_tokens)
    after = run(engine, WORD_REPEATS, args.per_poet, args.max_new_tokens)
    print(f"{args.per_poet} single-poet poems per poet, {args.max_new_tokens} new tokens, the studio's settings; "
          f"lines in which a word stands 3+ times, and words doubled with only a space")
    print(f"{'poet':28} {'no limit':>16} {'limit ' + str(WORD_REPEATS):>16}  stammers")
    totals = [0, 0, 0, 0, 0, 0]
    for poet in POETS:
        (a, n, s), (b, m, t) = before[poet], after[poet]
        print(f"{poet:28} {a:>4}/{n:<4} {a / n:6.1%} {b:>4}/{m:<4} {b / m:6.1%}  {s} -> {t}")
        for k, v in enumerate((a, n, s, b, m, t)):
            totals[k] += v
    a, n, s, b, m, t = totals
    print(f"{'all':28} {a:>4}/{n:<4} {a / n:6.1%} {b:>4}/{m:<4} {b / m:6.1%}  {s} -> {t}")
    print(f"ratio of looping lines, limit / none: {(b / m) / (a / n):.2f}x  [{time.perf_counter() - started:.0f} s]")


if __name__ == "__main__":
    main()
