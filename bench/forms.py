"""Writing to a form: how often the lines meet it, and what it costs in time and tokens/s.

For every built-in form, poems across poets and blends (the same seeds each), read back by the analyzer:
lines with the asked syllable count (within one, for feminine endings), rhyme pairs the scheme asks for
that rhyme (true or slant), refrains repeated word for word, lines of iambic forms scanned iambic, and poems
whose rhyme letters read back as the asked scheme. Then seconds per Shakespearean sonnet for one poet and a
3-poet blend, and tokens/s against free verse.

    python bench/forms.py                 # 8 poems per form (targets: 95% / 90% / 100% / 80%)
    python bench/forms.py --poems 2       # a quick look
"""

from __future__ import annotations

import argparse
import statistics
import time

from poetstudio.engine.engine import Engine
from poetstudio.engine.request import PoemRequest
from poetstudio.engine.sampling_settings import Sampling
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


def run_form(engine: Engine, form, poems: int) -> dict:
    """Generate `poems` poems to `form` over the blends; return the summed checks and timings."""
    spec = form.parse()
    checks, seconds, rates, relaxed, lines = [], [], [], 0, 0
    for k in range(poems):
        sampling = Sampling(seed=1000 + k, max_new_tokens=FREE_TOKENS)
        request = PoemRequest(THEMES[k % len(THEMES)], BLENDS[k % len(BLENDS)], sampling=sampling,
                              form=None if spec.free else form.key)
        started = time.perf_counter()
        poem = engine.generate(request)
        seconds.append(time.perf_counter() - started)
        rates.append(poem.result.tokens_per_s)
        if not spec.free:
            checks.append(check_poem(poem.text, spec))
            relaxed += sum(o.level > 0 for o in poem.form_lines)
            lines += len(spec.lines)
    return {"checks": checks, "seconds": seconds, "rates": rates, "relaxed": relaxed, "lines": lines}


def sonnet_seconds(engine: Engine, blend: dict, runs: int) -> float:
    """Median seconds for a Shakespearean sonnet with this blend."""
    times = []
    for k in range(runs):
        started = time.perf_counter()
        engine.generate(PoemRequest("the sea at night", blend, sampling=Sampling(seed=2000 + k),
                                    form="shakespearean-sonnet"))
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    """Print the table per form, then the sonnet timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--poems", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3, help="sonnets timed per blend")
    args = parser.parse_args()
    engine = Engine()
    engine.load()
    engine.generate(PoemRequest("warm-up", BLENDS[0], sampling=Sampling(seed=1), form="haiku"))  # dictionary, lexicon
    results = {form.key: run_form(engine, form, args.poems) for form in FORMS}
    free_rate = statistics.mean(results["free-verse"]["rates"])
    print(f"{args.poems} poems per form over {len(BLENDS)} blends (1-3 poets), shipped model, CPU, 1 thread")
    print(f"{'form':22} {'syllables':>9} {'rhymes':>7} {'refrains':>8} {'metre':>6} {'scheme':>7} {'relaxed':>7} "
          f"{'s/poem':>6} {'tok/s':>6} {'vs free':>7}")
    for form in FORMS:
        r = results[form.key]
        checks = r["checks"]
        scheme = f"{sum(c.scheme_read_back for c in checks)}/{len(checks)}" if checks and "A" in checks[0].asked else "-"
        relaxed = f"{100 * r['relaxed'] / r['lines']:.1f}%" if r["lines"] else "-"
        rate = statistics.mean(r["rates"])
        print(f"{form.key:22} {share([c.share('syllables') for c in checks]):>9} {share([c.share('rhyme') for c in checks]):>7} "
              f"{share([c.share('refrain') for c in checks]):>8} {share([c.share('metre') for c in checks]):>6} "
              f"{scheme:>7} {relaxed:>7} {statistics.mean(r['seconds']):6.2f} {rate:6.0f} {rate / free_rate:6.2f}x")
    every = [c for key, r in results.items() for c in r["checks"]]
    print(f"{'all forms':22} {share([c.share('syllables') for c in every]):>9} {share([c.share('rhyme') for c in every]):>7} "
          f"{share([c.share('refrain') for c in every]):>8} {share([c.share('metre') for c in every]):>6}")
    one = sonnet_seconds(engine, BLENDS[0], args.runs)
    three = sonnet_seconds(engine, BLENDS[6], args.runs)
    print(f"Shakespearean sonnet, median of {args.runs}: one poet {one:.2f} s (target < 10 s), "
          f"3-poet blend {three:.2f} s (target < 20 s)")


if __name__ == "__main__":
    main()
