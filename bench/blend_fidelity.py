"""Blend fidelity: does the blend a person sets come through in the poem, as the model itself reads it?

Generates N poems per blend with the shipped model (or --model/--adapter) and attributes each one
(poetstudio.engine.attribution: the blend that best explains the poem). Prints:
  1. held-out: how often attribution names the right poet for real held-out poems of the corpus split
  2. singles:  how often a poem written as one poet is attributed to that poet
  3. pairs:    for pair blends at 0.25 / 0.5 / 0.75, the mean attribution and its distance from the
               weights set (total variation over all poets, and within the pair)
  4. sweep:    one pair from 0 to 1; the rank correlation of the pair share read with the weight set
Targets: held-out >= 85%, singles >= 80%, sweep rank correlation >= 0.9.

    python bench/blend_fidelity.py --n 8 --max-new-tokens 120
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "poems.jsonl"
THEMES = ["the sea at night", "a letter never sent", "winter morning", "the old house", "a garden after rain",
          "the city at dawn", "a candle", "the last train", "my mother's hands", "a field of stars"]
PAIRS = [("Emily Dickinson", "Walt Whitman"), ("William Shakespeare", "W. B. Yeats"), ("John Donne", "Edgar Allan Poe")]
SWEEP = ("Emily Dickinson", "Walt Whitman")
SWEEP_STEPS = 11  # 0, 0.1, ..., 1


def ranks(values: list[float]) -> list[float]:
    """Ranks from 1, ties sharing their mean rank."""
    order = sorted(range(len(values)), key=values.__getitem__)
    result = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            result[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return result


def spearman(x: list[float], y: list[float]) -> float:
    """Spearman's rank correlation: Pearson's on the ranks."""
    rx, ry = ranks(x), ranks(y)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sx = sum((a - mx) ** 2 for a in rx) ** 0.5
    sy = sum((b - my) ** 2 for b in ry) ** 0.5
    return cov / (sx * sy) if sx and sy else 0.0


class Bench:
    """The engine, the settings, and a counter of poems written and read."""

    def __init__(self, args: argparse.Namespace):
        from poetstudio.engine.engine import Engine

        self.engine = Engine(args.model, args.adapter, args.device)
        self.engine.load()
        self.args = args
        self.poems = 0

    def attributions(self, blend: dict[str, float]) -> list[dict[str, float]]:
        """N poems from `blend` (seeds and themes fixed per index), each attributed."""
        from poetstudio.engine.request import PoemRequest
        from poetstudio.engine.sampling_settings import Sampling

        shares = []
        for i in range(self.args.n):
            theme = THEMES[i % len(THEMES)]
            request = PoemRequest(theme=theme, blend=blend,
                                  sampling=Sampling(seed=self.args.seed + i, max_new_tokens=self.args.max_new_tokens))
            text = self.engine.generate(request).text
            shares.append(self.engine.attribute(text, theme).shares)
            self.poems += 1
        return shares


def mean_shares(shares: list[dict[str, float]]) -> dict[str, float]:
    """The poets' mean attribution over several poems."""
    return {p: sum(s[p] for s in shares) / len(shares) for p in shares[0]}


def heldout(bench: Bench) -> float | None:
    """Share of held-out corpus poems whose attribution names their poet."""
    if not CORPUS.exists():
        print("held-out: skipped (../shared/corpus/poems.jsonl is absent)")
        return None
    from poetstudio.corpus import read_path
    from poetstudio.corpus.split import split_corpus

    judged = set(bench.engine.attribution_poets())
    every = split_corpus(read_path(CORPUS).poems).heldout
    poems = [p for p in every if p.poet in judged]
    left_out = sorted({p.poet for p in every if p.poet not in judged})
    right, by_poet = 0, {}
    for poem in poems:
        hit = bench.engine.attribute(poem.text, poem.title).best == poem.poet
        right += hit
        got, total = by_poet.get(poem.poet, (0, 0))
        by_poet[poem.poet] = (got + hit, total + 1)
    detail = ", ".join(f"{p.split()[-1]} {g}/{t}" for p, (g, t) in sorted(by_poet.items()))
    print(f"held-out: {right}/{len(poems)} = {right / len(poems):.1%} of real held-out poems attributed to their poet "
          f"(target 85%)\n          {detail}" + (f"\n          not judged (thin): {', '.join(left_out)}" if left_out else ""))
    return right / len(poems)


def singles(bench: Bench) -> float:
    """Share of single-poet poems attributed to the poet asked for."""
    poets = bench.engine.attribution_poets()
    right = total = 0
    for poet in poets:
        shares = bench.attributions({poet: 1.0})
        hits = sum(max(s, key=s.get) == poet for s in shares)
        right, total = right + hits, total + len(shares)
        print(f"  single {poet:28} {hits}/{len(shares)} attributed to {poet.split()[-1]}; "
              f"mean share {mean_shares(shares)[poet]:.2f}")
    print(f"singles: {right}/{total} = {right / total:.1%} attributed to the poet asked for (target 80%)")
    return right / total


def pairs(bench: Bench) -> None:
    """Mean attribution of pair blends against the weights set."""
    for a, b in PAIRS:
        for weight in (0.25, 0.5, 0.75):
            blend = {a: weight, b: 1 - weight}
            mean = mean_shares(bench.attributions(blend))
            total_variation = 0.5 * sum(abs(mean[p] - blend.get(p, 0.0)) for p in mean)
            within = mean[a] / (mean[a] + mean[b]) if mean[a] + mean[b] else 0.0
            print(f"  pair {a.split()[-1]} {weight:.2f} / {b.split()[-1]} {1 - weight:.2f}: read "
                  f"{mean[a]:.2f} / {mean[b]:.2f} (others {1 - mean[a] - mean[b]:.2f}); "
                  f"distance {total_variation:.2f}; within the pair {within:.2f} vs {weight:.2f}")


def sweep(bench: Bench) -> float:
    """Spearman correlation of the read pair share with the weight set, over a 0..1 sweep."""
    a, b = SWEEP
    weights, read = [], []
    for step in range(SWEEP_STEPS):
        weight = step / (SWEEP_STEPS - 1)
        blend = {p: w for p, w in ((a, weight), (b, 1 - weight)) if w > 0}
        mean = mean_shares(bench.attributions(blend))
        weights.append(weight)
        read.append(mean[a] / (mean[a] + mean[b]) if mean[a] + mean[b] else 0.0)
    rho = spearman(weights, read)
    print(f"sweep {a.split()[-1]} 0->1 against {b.split()[-1]}: read {' '.join(f'{r:.2f}' for r in read)}")
    print(f"sweep rank correlation {rho:.3f} (target 0.9)")
    return rho


def main() -> None:
    """Run every part and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=8, help="poems per blend")
    parser.add_argument("--max-new-tokens", type=int, default=120)
    parser.add_argument("--seed", type=int, default=500)
    parser.add_argument("--model")
    parser.add_argument("--adapter")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--parts", default="heldout,singles,pairs,sweep", help="comma-separated parts to run")
    args = parser.parse_args()
    started = time.perf_counter()
    bench = Bench(args)
    parts = {"heldout": heldout, "singles": singles, "pairs": pairs, "sweep": sweep}
    for name in args.parts.split(","):
        parts[name.strip()](bench)
    print(f"[{bench.poems} poems generated and read in {time.perf_counter() - started:.0f} s; "
          f"{args.n} per blend, {args.max_new_tokens} new tokens, seeds from {args.seed}]")


if __name__ == "__main__":
    main()
