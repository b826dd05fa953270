"""A blind read: the previous default's poem beside the new one's, same blend, theme and seed, order shuffled.

Issue 27's readability target: a reader who is not the generator prefers the new poem in >= 20 of 24 pairs, and
>= 16 of the 24 new poems are ones "a person would finish reading". This script writes the pairs with no model
names and scores the reader's verdicts against a key it keeps apart:

    python bench/blind_read.py make --old-model DIR --old-adapter DIR --out build/blind --key build/blind-key.json
    (a reader, who never sees the key, writes build/blind/verdicts.tsv from build/blind/pairs.md)
    python bench/blind_read.py score build/blind --key build/blind-key.json

The previous default (the 6.9M base pretrained here and its adapter) is in git history:
`git archive 3113a9a poetstudio/models/default | tar -x -C build/old` gives
build/old/poetstudio/models/default/{base,adapter}. Both models write with the published sampling and the
studio's defaults (free-verse rules, style strength, balance); each poem stops at its end or at 200 tokens.

verdicts.tsv: one line a pair, fields separated by tabs or spaces: the pair's number, the poem preferred (1 or 2),
and for poem 1 and poem 2 whether a person would finish reading it (y or n). Lines starting with # are notes.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SETTINGS = [  # 24 pairs: each of the eight poets both adapters learned alone (Stallings is in copyright and not
    #          trained, Stevens has 3 poems), two more singles, then two- and three-poet blends; a theme and seed each
    ({"Emily Dickinson": 1.0}, "a bird at the window", 11),
    ({"Walt Whitman": 1.0}, "the city at dawn", 12),
    ({"William Shakespeare": 1.0}, "love and time", 13),
    ({"Edgar Allan Poe": 1.0}, "the last train", 14),
    ({"John Donne": 1.0}, "a letter never sent", 15),
    ({"W. B. Yeats": 1.0}, "the old house", 16),
    ({"E. E. Cummings": 1.0}, "a wedding in spring", 17),
    ({"Elizabeth Barrett Browning": 1.0}, "my mother's hands", 18),
    ({"Emily Dickinson": 1.0}, "a candle", 19),
    ({"Walt Whitman": 1.0}, "winter morning", 20),
    ({"Emily Dickinson": 0.5, "Walt Whitman": 0.5}, "the sea at night", 21),
    ({"William Shakespeare": 0.5, "Edgar Allan Poe": 0.5}, "the death of a friend", 22),
    ({"John Donne": 0.5, "W. B. Yeats": 0.5}, "a field of stars", 23),
    ({"Emily Dickinson": 0.6, "Edgar Allan Poe": 0.4}, "a garden after rain", 24),
    ({"Walt Whitman": 0.7, "W. B. Yeats": 0.3}, "the soldier's return", 25),
    ({"John Donne": 0.5, "Elizabeth Barrett Browning": 0.5}, "the river in flood", 26),
    ({"William Shakespeare": 0.3, "Emily Dickinson": 0.7}, "the moon over the harbour", 27),
    ({"Edgar Allan Poe": 0.5, "Elizabeth Barrett Browning": 0.5}, "an empty room", 28),
    ({"E. E. Cummings": 0.5, "Walt Whitman": 0.5}, "the first warm day", 29),
    ({"W. B. Yeats": 0.5, "E. E. Cummings": 0.5}, "an old song", 30),
    ({"Emily Dickinson": 0.34, "Walt Whitman": 0.33, "Edgar Allan Poe": 0.33}, "the lighthouse", 31),
    ({"William Shakespeare": 0.4, "John Donne": 0.3, "W. B. Yeats": 0.3}, "a vow", 32),
    ({"Elizabeth Barrett Browning": 0.4, "Emily Dickinson": 0.3, "Walt Whitman": 0.3}, "the orchard", 33),
    ({"Edgar Allan Poe": 0.4, "E. E. Cummings": 0.3, "John Donne": 0.3}, "midnight", 34),
]
MAX_TOKENS = 200  # a poem of 15-25 lines: long enough to judge whether one would read on


def blend_text(blend: dict[str, float]) -> str:
    """'Emily Dickinson 0.6 / Edgar Allan Poe 0.4'."""
    return " / ".join(f"{poet} {weight:g}" for poet, weight in blend.items())


def write_poems(model: str | None, adapter: str | None) -> list[str]:
    """The 24 poems of one model, in SETTINGS order."""
    from poetstudio.engine.engine import Engine
    from poetstudio.engine.request import PoemRequest
    from poetstudio.engine.sampling_settings import DEFAULT_STRENGTH, Sampling
    from poetstudio.model_spec import spec_from_names

    engine = Engine(spec_from_names(model, adapter))
    for blend, _, _ in SETTINGS:  # every blend checked before the first poem: a poet it lacks stops it here
        engine.resolve_blend(blend)
    poems = []
    for blend, theme, seed in SETTINGS:
        request = PoemRequest(theme=theme, blend=blend, sampling=Sampling(seed=seed, max_new_tokens=MAX_TOKENS),
                              strength=DEFAULT_STRENGTH)
        poems.append(engine.generate(request).text.strip())
        print(f"  {blend_text(blend)}: {theme}", file=sys.stderr, flush=True)
    return poems


def make(args) -> None:
    """Write pairs.md (no model names, order shuffled per pair) and, apart from it, the key (which poem is the new
    model's)."""
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print("previous default:", file=sys.stderr)
    old = write_poems(args.old_model, args.old_adapter)
    print("new default:", file=sys.stderr)
    new = write_poems(None, None)
    order = random.Random(args.shuffle_seed)
    key, lines = {}, ["# Blind read: 24 pairs", "",
                      "Each pair: two poems written for the same poets, theme and seed by two different models.", ""]
    for number, ((blend, theme, _), old_poem, new_poem) in enumerate(zip(SETTINGS, old, new), start=1):
        new_first = order.random() < 0.5
        key[str(number)] = 1 if new_first else 2
        first, second = (new_poem, old_poem) if new_first else (old_poem, new_poem)
        lines += [f"## Pair {number}: {blend_text(blend)}, \"{theme}\"", "", "### Poem 1", "", "```text", first,
                  "```", "", "### Poem 2", "", "```text", second, "```", ""]
    (out / "pairs.md").write_text("\n".join(lines), encoding="utf-8")
    Path(args.key).parent.mkdir(parents=True, exist_ok=True)
    Path(args.key).write_text(json.dumps({"new_poem": key}, indent=1), encoding="utf-8")
    print(f"wrote {out / 'pairs.md'} and the key {args.key}", file=sys.stderr)


def read_verdicts(path: Path) -> dict[str, tuple[int, bool, bool]]:
    """Pair number -> (poem preferred, poem 1 finished, poem 2 finished), from verdicts.tsv."""
    verdicts = {}
    for count, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split()
        if (len(fields) < 4 or fields[1] not in ("1", "2")
                or any(f.lower() not in ("y", "n", "yes", "no") for f in fields[2:4])):
            sys.exit(f"blind_read: {path} line {count} should be: pair, 1 or 2, y or n, y or n; not {line!r}")
        verdicts[fields[0]] = (int(fields[1]), fields[2].lower().startswith("y"), fields[3].lower().startswith("y"))
    return verdicts


def score(args) -> None:
    """Print how often the new poem was preferred and how many of each model's poems would be read to the end."""
    folder = Path(args.folder)
    key = json.loads(Path(args.key).read_text(encoding="utf-8"))["new_poem"]
    verdicts = read_verdicts(folder / "verdicts.tsv")
    missing = sorted(set(key) - set(verdicts), key=int)
    if missing:
        sys.exit(f"blind_read: no verdict for pairs {', '.join(missing)}; add them to verdicts.tsv")
    preferred = sum(verdicts[n][0] == key[n] for n in key)
    new_read = sum(verdicts[n][key[n]] for n in key)
    old_read = sum(verdicts[n][3 - key[n]] for n in key)
    print(f"new poem preferred in {preferred} of {len(key)} pairs (target >= 20)")
    print(f"new poems a person would finish reading: {new_read} of {len(key)} (target >= 16)")
    print(f"previous default's poems a person would finish reading: {old_read} of {len(key)}")


def main() -> None:
    """make or score."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    maker = commands.add_parser("make", help="write the pairs and the key")
    maker.add_argument("--old-model", required=True, help="the previous default's base folder")
    maker.add_argument("--old-adapter", required=True, help="the previous default's adapter folder")
    maker.add_argument("--out", default="build/blind", help="where pairs.md is written, for the reader")
    maker.add_argument("--key", default="build/blind-key.json", help="the key, kept out of the reader's folder")
    maker.add_argument("--shuffle-seed", type=int, default=27)
    scorer = commands.add_parser("score", help="score verdicts.tsv against key.json")
    scorer.add_argument("folder")
    scorer.add_argument("--key", default="build/blind-key.json")
    args = parser.parse_args()
    make(args) if args.command == "make" else score(args)


if __name__ == "__main__":
    main()
