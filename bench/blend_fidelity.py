"""Blend fidelity: does the blend a person sets come through in the poem, as an independent judge reads it?

Generates N poems per blend with the shipped model (or --model/--adapter) and reads each one twice. The
headline figures come from the judge (bench/judge.py: a poet classifier fitted on the training split's
real poems, sharing nothing with the model). The model's self-attribution (poetstudio.engine.attribution:
the blend that best explains the poem under the model's own conditionings) is a secondary figure,
labelled "model self-read". Prints:
  1. held-out: the judge's accuracy on held-out passages; the model's on held-out poems (secondary)
  2. singles:  how often a poem written as one poet is judged to be that poet
  3. pairs:    for pair blends at 0.25 / 0.5 / 0.75, the mean shares read and their distance from the
               weights set (total variation over all poets, and within the pair)
  4. sweep:    one pair from 0 to 1; the rank correlation of the pair share read with the weight set
Targets (judge): held-out >= 90%, singles >= 90%, sweep rank correlation >= 0.9.

    python bench/blend_fidelity.py --n 8 --max-new-tokens 120
"""

from __future__ import annotations

import argparse
import time

from judge import THEMES, build_judge, corpus_split, heldout_line, make_request, spearman

PAIRS = [("Emily Dickinson", "Walt Whitman"), ("William Shakespeare", "W. B. Yeats"), ("John Donne", "Edgar Allan Poe")]
SWEEP = ("Emily Dickinson", "Walt Whitman")
SWEEP_STEPS = 11  # 0, 0.1, ..., 1


class Bench:
    """The engine, the judge, the settings, and a counter of poems written and read."""

    def __init__(self, args: argparse.Namespace):
        from poetstudio.engine.engine import Engine
        from poetstudio.model_spec import spec_from_names

        self.engine = Engine(spec_from_names(args.model, args.adapter), args.device)
        self.engine.load()
        self.split = corpus_split()
        self.judge = build_judge(self.split, args.judge_dir)
        self.args = args
        self.poems = 0

    def attributions(self, blend: dict[str, float]) -> tuple[list[dict[str, float]], list[dict[str, float]]]:
        """N poems from `blend` (seeds and themes fixed per index, published sampling, --strength), each
        read by the judge and by the model: (judge shares, model self-read shares)."""
        judged, self_read = [], []
        for i in range(self.args.n):
            theme = THEMES[i % len(THEMES)]
            request = make_request(theme, blend, self.args.seed + i, self.args.max_new_tokens, self.args.strength)
            text = self.engine.generate(request).text
            judged.append(self.judge.probabilities(text))
            self_read.append(self.engine.model_attribute(text, theme).shares)
            self.poems += 1
        return judged, self_read


def mean_shares(shares: list[dict[str, float]]) -> dict[str, float]:
    """The poets' mean attribution over several poems."""
    return {p: sum(s[p] for s in shares) / len(shares) for p in shares[0]}


def heldout(bench: Bench) -> float | None:
    """The judge's accuracy on held-out passages; then (secondary) the model self-read's on held-out poems."""
    print(heldout_line(bench.judge, bench.split))
    judged = set(bench.engine.attribution_poets())
    every = bench.split.heldout
    poems = [p for p in every if p.poet in judged]
    left_out = sorted({p.poet for p in every if p.poet not in judged})
    right, by_poet = 0, {}
    for poem in poems:
        hit = bench.engine.model_attribute(poem.text, poem.title).best == poem.poet
        right += hit
        got, total = by_poet.get(poem.poet, (0, 0))
        by_poet[poem.poet] = (got + hit, total + 1)
    detail = ", ".join(f"{p.split()[-1]} {g}/{t}" for p, (g, t) in sorted(by_poet.items()))
    thin = f"\n    not judged (thin): {', '.join(left_out)}" if left_out else ""
    print(f"  model self-read (secondary): {right}/{len(poems)} = {right / len(poems):.1%} of real held-out poems "
          f"(whole) attributed to their poet\n    {detail}" + thin)
    return right / len(poems)


def singles(bench: Bench) -> float:
    """Share of single-poet poems the judge attributes to the poet asked for (model self-read secondary)."""
    poets = [p for p in bench.judge.poets if p in bench.engine.known_poets()]
    right = total = own = 0
    for poet in poets:
        judged, self_read = bench.attributions({poet: 1.0})
        hits = sum(max(s, key=s.get) == poet for s in judged)
        own_hits = sum(max(s, key=s.get) == poet for s in self_read)
        right, total, own = right + hits, total + len(judged), own + own_hits
        print(f"  single {poet:28} {hits}/{len(judged)} judged {poet.split()[-1]}; "
              f"mean share {mean_shares(judged)[poet]:.2f}"
              f"  (model self-read {own_hits}/{len(judged)})")
    print(f"singles: {right}/{total} = {right / total:.1%} judged as the poet asked for (target 90%); "
          f"model self-read {own}/{total} = {own / total:.1%}")
    return right / total


def within(mean: dict[str, float], a: str, b: str) -> float:
    """a's share within the pair (a, b)."""
    return mean.get(a, 0.0) / (mean.get(a, 0.0) + mean.get(b, 0.0)) if mean.get(a, 0.0) + mean.get(b, 0.0) else 0.0


def pairs(bench: Bench) -> None:
    """Mean judged shares of pair blends against the weights set (model self-read within the pair secondary)."""
    for a, b in PAIRS:
        for weight in (0.25, 0.5, 0.75):
            blend = {a: weight, b: 1 - weight}
            judged, self_read = bench.attributions(blend)
            mean, own = mean_shares(judged), mean_shares(self_read)
            total_variation = 0.5 * sum(abs(mean[p] - blend.get(p, 0.0)) for p in set(mean) | set(blend))
            print(f"  pair {a.split()[-1]} {weight:.2f} / {b.split()[-1]} {1 - weight:.2f}: judged "
                  f"{mean.get(a, 0):.2f} / {mean.get(b, 0):.2f} (others {1 - mean.get(a, 0) - mean.get(b, 0):.2f}); "
                  f"distance {total_variation:.2f}; within the pair {within(mean, a, b):.2f} vs {weight:.2f}"
                  f"  (model self-read {within(own, a, b):.2f})")


def sweep(bench: Bench) -> float:
    """Spearman correlation of the judged pair share with the weight set, over a 0..1 sweep."""
    a, b = SWEEP
    weights, read, own_read = [], [], []
    for step in range(SWEEP_STEPS):
        weight = step / (SWEEP_STEPS - 1)
        blend = {p: w for p, w in ((a, weight), (b, 1 - weight)) if w > 0}
        judged, self_read = bench.attributions(blend)
        weights.append(weight)
        read.append(within(mean_shares(judged), a, b))
        own_read.append(within(mean_shares(self_read), a, b))
    rho = spearman(weights, read)
    print(f"sweep {a.split()[-1]} 0->1 against {b.split()[-1]}: judged {' '.join(f'{r:.2f}' for r in read)}")
    print(f"sweep rank correlation {rho:.3f} (target 0.9); model self-read {spearman(weights, own_read):.3f}: "
          f"{' '.join(f'{r:.2f}' for r in own_read)}")
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
    parser.add_argument("--strength", type=float, default=1.0,
                        help="style strength passed to the engine (1: the exact blend)")
    parser.add_argument("--judge-dir", help="use this exported judge (as the studio ships it) instead of fitting one")
    parser.add_argument("--parts", default="heldout,singles,pairs,sweep", help="comma-separated parts to run")
    args = parser.parse_args()
    started = time.perf_counter()
    bench = Bench(args)
    parts = {"heldout": heldout, "singles": singles, "pairs": pairs, "sweep": sweep}
    for name in args.parts.split(","):
        parts[name.strip()](bench)
    print(f"[{bench.poems} poems generated and read in {time.perf_counter() - started:.0f} s; "
          f"{args.n} per blend, {args.max_new_tokens} new tokens, seeds from {args.seed}, strength {args.strength:g}]")


if __name__ == "__main__":
    main()
