"""The free-verse rules at work: poems of the shipped model at the studio's settings, once with the rules that
shape a poem off (the line rule, the layout rule and the echo penalty; the baseline) and once with the
studio's defaults, on the same themes and seeds. Real words are on in both. Prints, per poet and in all:

- looping lines: lines in which a word other than the 25 commonest function words below stands three times or
  more ("the land of the sea and the sea, the sea"); the line rule's target;
- worn words: content words (outside the rule's function words) past their second use in their poem, against
  the same share in the openings of real poems (poems.jsonl, about as long); the echo penalty's target;
- headings (a whole line that is a number, a Roman numeral or words in capitals: "XIV.", "3", "NOTE."), runs
  of blank lines, poems that end in the middle of a line; the layout rule's targets; and words doubled with
  only a space ("the the").

    python bench/free_verse.py --per-poet 8 --max-new-tokens 120
    python bench/free_verse.py --per-poet 2 --echo-penalty 2     # the rules with another echo penalty

The looping-line list of function words is this bench's own, far shorter than the rules'
(poetstudio/forms/line_repeats.py), so words the rules let repeat freely ("thee", "thy", "still") count here.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

THEMES = ["the sea at night", "a garden in winter", "love and time", "the city", "a dead friend", "morning",
          "the river", "war"]
SEED = 700  # poem i uses seed SEED + i: none of the judge bench's (500+) or docs/model.md's samples (1000)
COMMON = frozenset("the a an and of to in on or but with for by as at from that is was be my his her their our".split())
POETS = ["William Shakespeare", "Walt Whitman", "John Donne", "Edgar Allan Poe", "Emily Dickinson",
         "E. E. Cummings", "Elizabeth Barrett Browning", "W. B. Yeats"]
HEADING = re.compile(r"[\s\"'\u2018\u201c(\[_]*([0-9]+|[IVXLCDM]+|[A-Z][A-Z'\u2019 ]+)[\s.,:;!?)\]_\u2014-]*")
"""A whole line that is only a number, a Roman numeral or words in capitals ("XIV.", "3", "NOTE.", "AHERNE."):
this bench's own reading of a heading, simpler than the layout rule's (poetstudio/forms/layout.py)."""
OPENING_CHARS = 450  # a real poem's first 450 characters: about the 120 tokens of a generated one (3.5 chars a token)
ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "poems.jsonl"


@dataclass
class Tally:
    """What one poet's poems (or all) showed."""

    lines: int = 0
    looping: int = 0
    words: int = 0
    worn: int = 0
    headings: int = 0
    blank_runs: int = 0
    poems: int = 0
    cut: int = 0
    stammers: int = 0

    def add(self, other: Tally) -> None:
        """Fold `other` into this tally."""
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def looping(line: str) -> bool:
    """A word outside COMMON stands three times or more in `line`."""
    counts = Counter(w for w in re.findall(r"[a-z']+", line.lower()) if w.strip("'") not in COMMON)
    return bool(counts) and max(counts.values()) >= 3


def worn_words(text: str) -> tuple[int, int]:
    """(content words past their ECHO_FREE_USES-th use in `text`, content words)."""
    from poetstudio.engine.sampling_settings import ECHO_FREE_USES
    from poetstudio.forms.line_repeats import FUNCTION_WORDS
    from poetstudio.forms.word_guard import bare

    seen: Counter = Counter()
    worn = words = 0
    for word in (bare(w) for w in re.findall(r"[A-Za-z'\u2019]+", text)):
        if word and word not in FUNCTION_WORDS:
            seen[word] += 1
            worn += seen[word] > ECHO_FREE_USES
            words += 1
    return worn, words


def stammers(text: str) -> int:
    """Words that follow themselves with only spaces between ("the the"; "that that" and "had had" aside)."""
    from poetstudio.forms.line_repeats import DOUBLED

    return sum(1 for a, b in re.findall(r"\b([A-Za-z']+) +(?=([A-Za-z']+)\b)", text)
               if a.lower() == b.lower() and a.lower() not in DOUBLED)


def tally(text: str) -> Tally:
    """One poem's figures."""
    lines = text.split("\n")
    kept = [line for line in lines if line.strip()]
    worn, words = worn_words(text)
    return Tally(lines=len(kept), looping=sum(looping(line) for line in kept), words=words, worn=worn,
                 headings=sum(bool(HEADING.fullmatch(line)) for line in kept),
                 blank_runs=len(re.findall(r"\n[ \t]*\n[ \t]*\n", text)) + text.startswith("\n"), poems=1,
                 cut=not text.rstrip(" \t").endswith("\n"), stammers=stammers(text))


def run(engine, studio: bool, per_poet: int, max_new_tokens: int,
        echo_penalty: float | None = None) -> dict[str, Tally]:
    """Per poet, the tally of `per_poet` poems written with the studio's rules (`studio`; `echo_penalty` in place of
    the studio's where given) or without them."""
    from poetstudio.engine.request import PoemRequest
    from poetstudio.engine.sampling_settings import DEFAULT_STRENGTH, Sampling

    off = {} if studio else {"word_repeats": 0, "tidy_lines": False, "echo_penalty": 0.0}
    if studio and echo_penalty is not None:
        off = {"echo_penalty": echo_penalty}
    found = {}
    for poet in POETS:
        found[poet] = Tally()
        for i in range(per_poet):
            request = PoemRequest(theme=THEMES[i % len(THEMES)], blend={poet: 1.0}, strength=DEFAULT_STRENGTH,
                                  sampling=Sampling(seed=SEED + i, max_new_tokens=max_new_tokens, **off))
            found[poet].add(tally(engine.generate(request).text))
    return found


def real_openings() -> tuple[int, int] | None:
    """(worn, content words) over the openings of poems.jsonl's poems; None where ../shared is absent."""
    if not CORPUS.exists():
        return None
    worn = words = 0
    with CORPUS.open(encoding="utf-8") as lines:
        for line in lines:
            w, n = worn_words(json.loads(line)["text"][:OPENING_CHARS])
            worn, words = worn + w, words + n
    return worn, words


def share(part: int, whole: int) -> str:
    """`part` of `whole` as a percentage."""
    return f"{part / max(whole, 1):6.1%}"


def main() -> None:
    """Write the poems both ways and print the table."""
    from poetstudio.engine.engine import Engine

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-poet", type=int, default=8, help="poems per poet, one per theme (8 themes)")
    parser.add_argument("--max-new-tokens", type=int, default=120, help="the judge bench's poem length")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--echo-penalty", type=float, help="the rules' echo penalty (default: the studio's)")
    args = parser.parse_args()
    started = time.perf_counter()
    engine = Engine(device=args.device)
    engine.load()
    before = run(engine, False, args.per_poet, args.max_new_tokens)
    after = run(engine, True, args.per_poet, args.max_new_tokens, args.echo_penalty)
    print(f"{args.per_poet} single-poet poems per poet, {args.max_new_tokens} new tokens, strength 2, real words; "
          "rules off -> the studio's rules (line rule, layout, echo penalty"
          + (f" {args.echo_penalty:g})" if args.echo_penalty is not None else ")"))
    print(f"{'poet':28} {'looping lines':>17} {'worn words':>17} {'headings':>9} {'blank runs':>10} "
          f"{'cut mid-line':>12} {'stammers':>8}")
    total_before, total_after = Tally(), Tally()
    for poet in [*POETS, "all"]:
        if poet == "all":
            a, b = total_before, total_after
        else:
            a, b = before[poet], after[poet]
            total_before.add(a)
            total_after.add(b)
        print(f"{poet:28} {share(a.looping, a.lines)} ->{share(b.looping, b.lines)} "
              f"{share(a.worn, a.words)} ->{share(b.worn, b.words)} {a.headings:>4} -> {b.headings:<2} "
              f"{a.blank_runs:>4} -> {b.blank_runs:<3} {a.cut:>5} -> {b.cut:<4} {a.stammers:>3} -> {b.stammers}")
    a, b = total_before, total_after
    print(f"ratio, rules / none: looping lines {(b.looping / b.lines) / max(a.looping / a.lines, 1e-9):.2f}x, "
          f"worn words {(b.worn / b.words) / max(a.worn / a.words, 1e-9):.2f}x; "
          f"content words a poem {a.words / a.poems:.1f} -> {b.words / b.poems:.1f}")
    real = real_openings()
    if real is None:
        print(f"real poems' openings: not read ({CORPUS} is absent)")
    else:
        print(f"real poems' openings (poems.jsonl, first {OPENING_CHARS} characters): worn words "
              f"{share(*real).strip()} of {real[1]:,} content words")
    print(f"[{time.perf_counter() - started:.0f} s]")


if __name__ == "__main__":
    main()
