"""Writing to a form: how often the lines meet it, and what it costs in time and tokens/s.

For every built-in form, poems across poets and blends (the same seeds each), read back by the analyzer:
lines with the asked syllable count (within one, for feminine endings), rhyme pairs the scheme asks for
that rhyme (true or slant), refrains repeated word for word, lines of iambic forms scanned iambic, and poems
whose rhyme letters read back as the asked scheme. Then seconds per Shakespearean sonnet for one poet and a
3-poet blend, and tokens/s against free verse; then whether the judge still hears single poets in sonnets.
Everything is written at the studio's style strength (guided FORM_VOICE_LIFT times as far past the plain
blend in a form) unless --strength says otherwise.

    python bench/forms.py                 # 8 poems per form (targets: 95% / 90% / 100% / 80%)
    python bench/forms.py --poems 2       # a quick look
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from poetstudio.engine.engine import Engine
from poetstudio.engine.request import PoemRequest
from poetstudio.engine.sampling_settings import DEFAULT_STRENGTH, Sampling, guidance_strength
from poetstudio.forms.catalogue import FORMS
from poetstudio.forms.check import check_poem

BLENDS = [
    {"Emily Dickinson": 1.0},
    {"William Shakespeare": 1.0},
    {"W. B. Yeats": 1.0},
    {"Edgar Allan Poe": 1.0},
    {"Emily Dickinson": 0.6, "Edgar Allan Poe": 0.4},
    {"William Shakespeare": 0.5, "John Donne": 0.5},
    {"Walt Whitman": 0.34, "W. B. Yeats": 0.33, "Elizabeth Barrett Browning": 0.33},
    {"John Donne": 1.0},
]
THEMES = ["the sea at night", "a letter never sent", "winter light", "the old house"]
FREE_TOKENS = 160  # free verse of about a sonnet's length, for the tokens/s comparison


def share(parts: list[tuple[int, int]]) -> str:
    """'97.1%' of the summed (met, asked), or '-' when nothing was asked."""
    met, asked = sum(p[0] for p in parts), sum(p[1] for p in parts)
    return f"{100 * met / asked:.1f}%" if asked else "-"


def run_form(engine: Engine, form, poems: int, strength: float) -> dict:
    """Generate `poems` poems to `form` over the blends at style `strength`; return the summed checks and
    timings."""
    spec = form.parse()
    checks, seconds, rates, relaxed, lines = [], [], [], 0, 0
    for k in range(poems):
        sampling = Sampling(seed=1000 + k, max_new_tokens=FREE_TOKENS)
        request = PoemRequest(THEMES[k % len(THEMES)], BLENDS[k % len(BLENDS)], sampling=sampling,
                              form=None if spec.free else form.key, strength=strength)
        started = time.perf_counter()
        poem = engine.generate(request)
        seconds.append(time.perf_counter() - started)
        rates.append(poem.result.tokens_per_s)
        if not spec.free:
            checks.append(check_poem(poem.text, spec))
            relaxed += sum(o.level > 0 for o in poem.form_lines)
            lines += len(spec.lines)
    return {"checks": checks, "seconds": seconds, "rates": rates, "relaxed": relaxed, "lines": lines}


def sonnet_timing(engine: Engine, blend: dict, runs: int, strength: float) -> tuple[float, float, float]:
    """Median seconds for a Shakespearean sonnet with this blend, and tokens/s of the sonnets and of free
    verse of the same length and seeds, run alternately so both see the same load."""
    times, formed, free = [], [], []
    for k in range(runs):
        started = time.perf_counter()
        poem = engine.generate(PoemRequest("the sea at night", blend, sampling=Sampling(seed=2000 + k),
                                           form="shakespearean-sonnet", strength=strength))
        times.append(time.perf_counter() - started)
        formed.append(poem.result.tokens_per_s)
        loose = engine.generate(PoemRequest("the sea at night", blend, strength=strength, sampling=Sampling(
            seed=2000 + k, max_new_tokens=len(poem.result.token_ids))))
        free.append(loose.result.tokens_per_s)
    return statistics.median(times), statistics.median(formed), statistics.median(free)


def attribution_hits(engine: Engine, form: str | None, seeds: int, strength: float) -> dict[str, tuple[int, int]]:
    """Per single poet: (poems attributed to the poet who wrote them, poems), over single-poet poems to
    `form`, written at style `strength`."""
    hits: dict[str, tuple[int, int]] = {}
    for blend in [b for b in BLENDS if len(b) == 1]:
        poet = next(iter(blend))
        right = 0
        for k in range(seeds):
            poem = engine.generate(PoemRequest(THEMES[k % len(THEMES)], blend, form=form, strength=strength,
                                               sampling=Sampling(seed=3000 + k, max_new_tokens=FREE_TOKENS)))
            right += engine.attribute(poem.text, THEMES[k % len(THEMES)]).best == poet
        hits[poet] = (right, seeds)
    return hits


def per_poet(sonnets: dict[str, tuple[int, int]], free: dict[str, tuple[int, int]]) -> str:
    """'Dickinson 2/16 vs 16/16, ...': each poet's sonnets against free verse."""
    return ", ".join(f"{p.split()[-1]} {sonnets[p][0]}/{sonnets[p][1]} vs {free[p][0]}/{free[p][1]}" for p in sonnets)


def main() -> None:
    """Print the table per form, then the sonnet timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--poems", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3, help="sonnets timed per blend")
    parser.add_argument("--judge", type=int, default=4,
                        help="seeds per single poet for the attribution check (0 = skip)")
    parser.add_argument("--forms", help="comma-separated form keys (default: all); free verse is always run")
    parser.add_argument("--strength", type=float, default=DEFAULT_STRENGTH,
                        help="style strength of every poem (default: the studio's)")
    args = parser.parse_args()
    engine = Engine()
    engine.load()
    engine.generate(PoemRequest("warm-up", BLENDS[0], sampling=Sampling(seed=1), form="haiku"))  # dictionary, lexicon
    chosen = [f for f in FORMS if not args.forms or f.key in args.forms.split(",") or f.key == "free-verse"]
    results = {form.key: run_form(engine, form, args.poems, args.strength) for form in chosen}
    free_rate = statistics.mean(results["free-verse"]["rates"])
    print(f"{args.poems} poems per form over {len(BLENDS)} blends (1-3 poets), shipped model, CPU, "
          f"{torch.get_num_threads()} threads; "
          f"strength {args.strength:g}, guided at {guidance_strength(args.strength, in_form=True):g} in forms")
    print(f"{'form':22} {'syllables':>9} {'rhymes':>7} {'refrains':>8} {'metre':>6} {'scheme':>7} {'relaxed':>7} "
          f"{'s/poem':>6} {'tok/s':>6} {'vs free':>7}")
    for form in chosen:
        r = results[form.key]
        checks = r["checks"]
        has_scheme = checks and "A" in checks[0].asked
        scheme = f"{sum(c.scheme_read_back for c in checks)}/{len(checks)}" if has_scheme else "-"
        relaxed = f"{100 * r['relaxed'] / r['lines']:.1f}%" if r["lines"] else "-"
        rate = statistics.mean(r["rates"])
        print(f"{form.key:22} {share([c.share('syllables') for c in checks]):>9} "
              f"{share([c.share('rhyme') for c in checks]):>7} "
              f"{share([c.share('refrain') for c in checks]):>8} {share([c.share('metre') for c in checks]):>6} "
              f"{scheme:>7} {relaxed:>7} {statistics.mean(r['seconds']):6.2f} {rate:6.0f} {rate / free_rate:6.2f}x")
    every = [c for key, r in results.items() for c in r["checks"]]
    print(f"{'all forms':22} {share([c.share('syllables') for c in every]):>9} "
          f"{share([c.share('rhyme') for c in every]):>7} "
          f"{share([c.share('refrain') for c in every]):>8} {share([c.share('metre') for c in every]):>6}")
    for label, blend, target in (("one poet", BLENDS[0], 10), ("3-poet blend", BLENDS[6], 20)):
        seconds, formed, free = sonnet_timing(engine, blend, args.runs, args.strength)
        print(f"Shakespearean sonnet, {label}, median of {args.runs}: {seconds:.2f} s (target < {target} s); "
              f"{formed:.0f} tok/s vs {free:.0f} tok/s free verse, same seeds and length ({formed / free:.2f}x)")
    if args.judge:
        by_poet = attribution_hits(engine, "shakespearean-sonnet", args.judge, args.strength)
        free_by_poet = attribution_hits(engine, None, args.judge, args.strength)
        sonnet = [sum(v[i] for v in by_poet.values()) for i in (0, 1)]
        free = [sum(v[i] for v in free_by_poet.values()) for i in (0, 1)]
        gap = 100 * (free[0] / free[1] - sonnet[0] / sonnet[1])
        print(f"attribution names the poet: sonnets {sonnet[0]}/{sonnet[1]}, free verse {free[0]}/{free[1]}, "
              f"{gap:.0f} points apart (target within 10; single-poet poems at strength {args.strength:g}, guided at "
              f"{guidance_strength(args.strength, in_form=True):g} in sonnets, as the independent judge reads them: "
              "Engine.attribute)")
        print(f"  per poet, sonnets vs free verse: {per_poet(by_poet, free_by_poet)}")


if __name__ == "__main__":
    main()
