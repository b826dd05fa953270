"""The judge's bench: blend fidelity as read by a poet classifier that shares nothing with the model.

The judge (trainer/judge.py: character and word TF-IDF, logistic regression) is fitted here on the
training split of ../shared/corpus/poems.jsonl (the project's own split) and never sees generated text.
In one run, with fixed seeds and the published sampling settings (temperature 0.8, top_p 0.85, top_k 40):
  1. heldout:   the judge's accuracy on the held-out poems' passages, overall and per poet (target 90%)
  2. readslike: on the held-out poems (whole) and canonical poems, how often the model's own attribution,
                the judge, and their mean name the right poet (what the studio's *reads like* should be)
  3. for each --strength S (style strength; passed to the engine as PoemRequest.strength):
     singles: --n poems per judged poet over varied themes, the share the judge gives the poet asked for
              (target 90%); sweeps: Dickinson-Whitman, Shakespeare-Poe, Donne-Yeats at weights 0 .. 1, the
              judge's share of the first poet within the pair (Spearman >= 0.9; the 0.5 blend in 0.35-0.65);
              copying: share of generated 8-word sequences found in the training text (target under 2%);
              non-words: share of generated words in neither the CMU dictionary nor the corpus;
              bits/char: held-out bits per character of the guided distribution u + S (b - u)
  4. the strength table
  5. mids:      each pair's 0.5 blend alone, --n poems per --strength, with the standard error of the mean
                share (the sweeps' midpoints measured more tightly)
Blends are weighed with the adapter's poet balance where it has one (trainer/balance.py, fitted with another
reader on other themes and seeds); --unbalanced leaves it out.

    python bench/judge.py --parts heldout,readslike          # no generation
    python bench/judge.py --n 16 --strength 1 1.5 2 3        # the full run
    python bench/judge.py --parts mids --n 48 --strength 2   # the 0.5 blends, 48 poems each
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from dataclasses import dataclass, field, fields
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "corpus"
POEMS = CORPUS / "poems.jsonl"
THEMES = ["the sea at night", "a letter never sent", "winter morning", "the old house", "a garden after rain",
          "the city at dawn", "a candle", "the last train", "my mother's hands", "a field of stars",
          "the death of a friend", "a wedding in spring", "the soldier's return", "love and time",
          "the river in flood", "a bird at the window"]  # 16: each single-poet poem of a run gets its own
PAIRS = [("Emily Dickinson", "Walt Whitman"), ("William Shakespeare", "Edgar Allan Poe"), ("John Donne", "W. B. Yeats")]
SWEEP_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)
BLEND_RANGE = (0.35, 0.65)  # issue 10: a half-and-half blend heard as 35-65% of the first poet counts as half each
MAX_SCORED_TOKENS = 200  # of a held-out poem, for bits/char: the base has 256 positions, headers take ~30


def spearman(x: list[float], y: list[float]) -> float:
    """Spearman's rank correlation (ties share their mean rank)."""
    def ranks(values: list[float]) -> list[float]:
        order = sorted(range(len(values)), key=values.__getitem__)
        result, i = [0.0] * len(values), 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
                j += 1
            for k in range(i, j + 1):
                result[order[k]] = (i + j) / 2 + 1
            i = j + 1
        return result

    rx, ry = ranks(x), ranks(y)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sx, sy = sum((a - mx) ** 2 for a in rx) ** 0.5, sum((b - my) ** 2 for b in ry) ** 0.5
    return cov / (sx * sy) if sx and sy else 0.0


def corpus_split():
    """The project's split of poems.jsonl."""
    from poetstudio.corpus import read_path
    from poetstudio.corpus.split import split_corpus

    if not POEMS.exists():
        raise SystemExit(f"judge: needs the corpus at {POEMS}")
    return split_corpus(read_path(POEMS).poems)


def build_judge(split, judge_dir: str | None):
    """The judge: loaded from `judge_dir` (as the studio ships it) or fitted now on the training split."""
    from poetstudio.analysis.judge import load_judge
    from trainer.judge import fit_judge

    return load_judge(judge_dir) if judge_dir else fit_judge(split.train).judge


def heldout_line(judge, split) -> str:
    """The report's first line: the judge's accuracy on the held-out poems' passages, per poet."""
    from trainer.judge import format_accuracy, passage_accuracy

    line = format_accuracy(passage_accuracy(judge, split.heldout))
    left = sorted({p.poet for p in split.train} - set(judge.poets))
    return line + (f"\n  not judged (too few poems): {', '.join(left)}" if left else "")


def share_within(shares: dict[str, float], a: str, b: str) -> float:
    """a's share of the pair (a, b)."""
    total = shares.get(a, 0.0) + shares.get(b, 0.0)
    return shares.get(a, 0.0) / total if total else 0.5


def mean_of(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
    """The combined read: the mean of two share dicts (a poet missing from one counts 0 there), renormalised."""
    mixed = {p: (a.get(p, 0.0) + b.get(p, 0.0)) / 2 for p in set(a) | set(b)}
    total = sum(mixed.values()) or 1.0
    return {p: v / total for p, v in mixed.items()}


def canonical_poems() -> list[tuple[str, str, str, str]]:
    """(label, poet, title, text) of canonical poems: from poems.jsonl by title, Dickinson's from the
    published model's CSV (poems.jsonl lacks it), the Whitman catalogue from the held-out I Sing the Body Electric."""
    from poetstudio.corpus import read_path

    poems = {(p.poet, p.title): p for p in read_path(POEMS).poems}
    result = []
    sonnet = poems.get(("William Shakespeare", "Sonnet 18"))
    if sonnet:
        result.append(("Sonnet 18 (held out)", sonnet.poet, sonnet.title, sonnet.text))
    csv = CORPUS / "LLM_Dataset.csv"
    if csv.exists():
        for p in read_path(csv).poems:
            if p.title.startswith("Because I could not stop for Death"):
                result.append(("Because I could not stop for Death (not in poems.jsonl)", p.poet, p.title, p.text))
                break
    body = poems.get(("Walt Whitman", "I Sing the Body Electric"))
    if body:
        catalogue = body.text[body.text.rfind("\n9\n") + 3:] if "\n9\n" in body.text else body.text[-1500:]
        result.append(("Whitman catalogue: I Sing the Body Electric 9 (held out)", body.poet, body.title, catalogue))
    america = poems.get(("Walt Whitman", "I Hear America Singing"))
    if america:
        result.append(("I Hear America Singing (training split)", america.poet, america.title, america.text))
    return result


def reads_like(engine, judge, split) -> None:
    """How often the model's attribution (a), the judge (b) and their mean (c) name the right poet."""
    poems = [p for p in split.heldout if p.poet in judge.poets]
    score = {"a": 0, "b": 0, "c": 0}
    per_poet: dict[str, list[int]] = {}
    for poem in poems:
        model = engine.model_attribute(poem.text, poem.title).shares
        own = judge.probabilities(poem.text)
        picks = {"a": max(model, key=model.get), "b": max(own, key=own.get)}
        both = mean_of(model, own)
        picks["c"] = max(both, key=both.get)
        counts = per_poet.setdefault(poem.poet, [0, 0, 0, 0])
        counts[3] += 1
        for i, key in enumerate("abc"):
            score[key] += picks[key] == poem.poet
            counts[i] += picks[key] == poem.poet
    n = len(poems)
    print(f"reads like, on {n} held-out poems (whole): (a) model {score['a']}/{n} = {score['a'] / n:.1%}, "
          f"(b) judge {score['b']}/{n} = {score['b'] / n:.1%}, "
          f"(c) mean of both {score['c']}/{n} = {score['c'] / n:.1%}")
    print("  " + ", ".join(f"{p.split()[-1]} {a}/{b}/{c} of {t}" for p, (a, b, c, t) in sorted(per_poet.items())))
    for label, poet, title, text in canonical_poems():
        model = engine.model_attribute(text, title).shares
        own = judge.probabilities(text)
        both = mean_of(model, own)
        parts = [f"{name} {top(s)}" for name, s in (("(a)", model), ("(b)", own), ("(c)", both))]
        print(f"  {label} [{poet.split()[-1]}]: " + "; ".join(parts))


def top(shares: dict[str, float]) -> str:
    """'Dickinson 87%': the largest share."""
    best = max(shares, key=shares.get)
    return f"{best.split()[-1]} {shares[best]:.0%}"


@dataclass
class StrengthRun:
    """What one strength gave: singles right/total, sweeps' correlations and mid shares, and the texts."""

    strength: float
    right: int = 0
    total: int = 0
    rhos: list[float] = field(default_factory=list)
    mids: list[float] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


def make_request(theme: str, blend: dict[str, float], seed: int, max_new_tokens: int, strength: float,
                 any_words: bool = False, word_repeats: int | None = None):
    """A PoemRequest with the published sampling and the studio's free-verse rules: the real-words guard, the
    limit on a word's uses in a line (`word_repeats`; None: the studio's default), the echo penalty and the
    layout rule.
    `any_words` is the model alone: no rule, unless `word_repeats` is given.
    `strength` is set only when it is not 1, so this runs on engines from before style strength too (they
    refuse other strengths)."""
    from poetstudio.engine.request import PoemRequest
    from poetstudio.engine.sampling_settings import Sampling

    extra = {}
    if strength != 1:
        if "strength" not in {f.name for f in fields(PoemRequest)}:
            raise SystemExit("judge: this engine has no style strength (PoemRequest.strength); use --strength 1")
        extra["strength"] = strength
    settings = {f.name for f in fields(Sampling)}
    if any_words:
        if "real_words" not in settings:
            raise SystemExit("judge: this engine has no real-words guard; drop --any-words")
        extra_sampling = {"real_words": False}
    else:
        extra_sampling = {}
    if word_repeats is None and any_words and "word_repeats" in settings:
        word_repeats = 0
    if any_words:
        extra_sampling.update({name: off for name, off in (("tidy_lines", False), ("echo_penalty", 0.0))
                               if name in settings})
    if word_repeats is not None:
        if "word_repeats" not in settings:
            raise SystemExit("judge: this engine has no limit on a word's uses in a line; drop --word-repeats")
        extra_sampling["word_repeats"] = word_repeats
    sampling = Sampling(seed=seed, max_new_tokens=max_new_tokens, **extra_sampling)  # else the published settings
    return PoemRequest(theme=theme, blend=blend, sampling=sampling, **extra)


def poems_for(engine, blend: dict[str, float], args, strength: float) -> list[str]:
    """--n poems of `blend`: poem i has theme THEMES[i % 16] and seed --seed + i (the same at every strength)."""
    blend = {p: w for p, w in blend.items() if w > 0}
    return [engine.generate(make_request(THEMES[i % len(THEMES)], blend, args.seed + i, args.max_new_tokens,
                                         strength, args.any_words, args.word_repeats)).text for i in range(args.n)]


def run_strength(engine, judge, args, strength: float) -> StrengthRun:
    """Singles and sweeps at one strength, as the judge reads them."""
    run = StrengthRun(strength)
    print(f"strength {strength:g}:")
    poets = [p for p in judge.poets if p in engine.known_poets()]
    for poet in poets:
        texts = poems_for(engine, {poet: 1.0}, args, strength)
        shares = [judge.probabilities(t) for t in texts]
        hits = sum(max(s, key=s.get) == poet for s in shares)
        run.right, run.total = run.right + hits, run.total + len(texts)
        run.texts += texts
        print(f"  single {poet:28} {hits:2}/{len(texts)} judged {poet.split()[-1]}; "
              f"mean share {sum(s[poet] for s in shares) / len(shares):.2f}")
    print(f"  singles: {run.right}/{run.total} = {run.right / max(run.total, 1):.1%} "
          f"judged as the poet asked for (target 90%)")
    for a, b in PAIRS:
        if a not in poets or b not in poets:
            continue
        within = []
        for weight in SWEEP_WEIGHTS:
            texts = poems_for(engine, {a: weight, b: 1 - weight}, args, strength)
            run.texts += texts
            within.append(sum(share_within(judge.probabilities(t), a, b) for t in texts) / len(texts))
        rho = spearman(list(SWEEP_WEIGHTS), within)
        mid = within[SWEEP_WEIGHTS.index(0.5)]
        run.rhos.append(rho)
        run.mids.append(mid)
        print(f"  sweep {a.split()[-1]}-{b.split()[-1]} at {' '.join(f'{w:g}' for w in SWEEP_WEIGHTS)}: "
              f"{a.split()[-1]}'s share within the pair {' '.join(f'{v:.2f}' for v in within)}; "
              f"Spearman {rho:.2f} (target 0.9); "
              f"0.5 blend {mid:.2f} ({in_range(mid)} 0.35-0.65)")
    return run


def in_range(share: float) -> str:
    """'in' when a 0.5 blend's share lies inside BLEND_RANGE, else 'OUT of'."""
    return "in" if BLEND_RANGE[0] <= share <= BLEND_RANGE[1] else "OUT of"


def midpoints(engine, judge, args) -> None:
    """Each pair's 0.5 blend at every --strength: the judge's mean share of the first poet within the pair over
    --n poems (seeds --seed .. --seed + n - 1, so the first 16 are the sweep's), with its standard error."""
    for strength in args.strength:
        for a, b in PAIRS:
            if not all(p in judge.poets and p in engine.known_poets() for p in (a, b)):
                continue
            texts = poems_for(engine, {a: 0.5, b: 0.5}, args, strength)
            shares = [share_within(judge.probabilities(t), a, b) for t in texts]
            mean = statistics.fmean(shares)
            error = statistics.stdev(shares) / math.sqrt(len(shares)) if len(shares) > 1 else 0.0
            print(f"strength {strength:g} {a.split()[-1]}-{b.split()[-1]} 0.5: {mean:.2f} +- "
                  f"{error:.2f} ({len(shares)} poems; "
                  f"{in_range(mean)} 0.35-0.65)", flush=True)


def training_index():
    """Hashes of every 8-word sequence of the training text (poems.jsonl and raw/), and its word set."""
    from poetstudio.corpus import read_path
    from poetstudio.corpus.general import strip_gutenberg
    from poetstudio.corpus.novelty import ngrams, words

    texts = [p.text for p in read_path(POEMS).poems]
    books = sorted((CORPUS / "raw").rglob("*.txt"))
    texts += [strip_gutenberg(b.read_text(encoding="utf-8-sig", errors="replace")) for b in books]
    grams = {hash(g) for t in texts for g in ngrams(t)}
    return grams, {w for t in texts for w in words(t)}


def copied_share(texts: list[str], grams: set[int]) -> float:
    """Share of the texts' 8-word sequences found in the training text."""
    from poetstudio.corpus.novelty import ngrams

    found = [hash(g) in grams for t in texts for g in ngrams(t)]
    return sum(found) / len(found) if found else 0.0


def nonword_share(texts: list[str], corpus_words: set[str]) -> float:
    """Share of the texts' words in neither the CMU dictionary nor the corpus."""
    from poetstudio.analysis.pronounce import cmu
    from poetstudio.corpus.novelty import words

    dictionary = cmu()
    found = [w for t in texts for w in words(t)]
    odd = [w for w in found if w not in corpus_words and w.replace("’", "'") not in dictionary]
    return len(odd) / len(found) if found else 0.0


def guided_bits_per_char(engine, poems, strengths: list[float]) -> dict[float, float]:
    """Held-out bits per character of log_softmax(u + s (b - u)) for each s: b the poem's own poet's row, u
    the row with no Poet line (the unconditioned header), over each poem's first MAX_SCORED_TOKENS tokens."""
    per_poet = bits_per_char_by_poet(engine, poems, strengths)
    nats = {s: sum(n[s] for n, _ in per_poet.values()) for s in strengths}
    chars = sum(c for _, c in per_poet.values())
    return {s: nats[s] / math.log(2) / chars for s in strengths}


def bits_per_char_by_poet(engine, poems, strengths: list[float]) -> dict[str, tuple[dict[float, float], int]]:
    """Per poet: (nats of the poems' text under each strength, characters scored); see guided_bits_per_char.
    Strength 0 is the poem with no poet named, 1 the poem under its own poet."""
    import torch

    from poetstudio.prompt_format import PromptSpec, header_ids
    from poetstudio.runtime.padding import right_pad

    loaded = engine.load()
    model, tokenizer = loaded.model, loaded.tokenizer
    device = next(model.parameters()).device
    totals: dict[str, tuple[dict[float, float], int]] = {}
    with torch.inference_mode():
        for poem in poems:
            body = tokenizer.encode(poem.text.strip("\n") + "\n", add_special_tokens=False)[:MAX_SCORED_TOKENS]
            heads = [header_ids(tokenizer, PromptSpec(poet=poet, title=poem.title), fmt=engine.prompt_format)
                     for poet in (poem.poet, None)]
            ids, mask = right_pad([h + body for h in heads], tokenizer.pad_token_id or 0)
            logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits.float().cpu()
            b, u = (logits[i, len(h) - 1 : len(h) - 1 + len(body)] for i, h in enumerate(heads))
            target = torch.tensor(body)[:, None]
            nats, chars = totals.setdefault(poem.poet, ({s: 0.0 for s in strengths}, 0))
            for s in strengths:
                logp = torch.log_softmax(u + s * (b - u), dim=-1)
                nats[s] -= float(logp.gather(-1, target).sum())
            totals[poem.poet] = (nats, chars + len(tokenizer.decode(body)))
    return totals


def wrong_poet_nats(engine, poems) -> dict[str, tuple[float, int]]:
    """Per poet: (nats of the poems' text under each of the other poets named, averaged over those poets,
    characters scored), over each poem's first MAX_SCORED_TOKENS tokens."""
    import torch

    from poetstudio.prompt_format import PromptSpec, header_ids
    from poetstudio.runtime.padding import right_pad

    loaded = engine.load()
    model, tokenizer = loaded.model, loaded.tokenizer
    device = next(model.parameters()).device
    poets = sorted({p.poet for p in poems})
    totals: dict[str, tuple[float, int]] = {}
    with torch.inference_mode():
        for poem in poems:
            others = [p for p in poets if p != poem.poet]
            if not others:
                continue
            body = tokenizer.encode(poem.text.strip("\n") + "\n", add_special_tokens=False)[:MAX_SCORED_TOKENS]
            heads = [header_ids(tokenizer, PromptSpec(poet=poet, title=poem.title), fmt=engine.prompt_format)
                     for poet in others]
            ids, mask = right_pad([h + body for h in heads], tokenizer.pad_token_id or 0)
            logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits.float().cpu()
            target = torch.tensor(body)[:, None]
            nats = sum(-float(torch.log_softmax(logits[i, len(h) - 1 : len(h) - 1 + len(body)], -1)
                              .gather(-1, target).sum()) for i, h in enumerate(heads)) / len(heads)
            total, chars = totals.get(poem.poet, (0.0, 0))
            totals[poem.poet] = (total + nats, chars + len(tokenizer.decode(body)))
    return totals


def conditioning_table(engine, poems) -> None:
    """Held-out bits per character per poet with the poet named, not named, and another poet named.

    "Not named - named" cannot reach much: a model whose no-poet header is the mixture of its poets (what a
    well-trained one learns) has p(x) >= prior(poet) p(x | poet), so naming the poet saves at most
    log2(1 / prior) bits on a whole passage: with the adapter's poets at 3.6% (Poe) to 28% (Whitman) of its
    passages, 1.8 to 4.8 bits, under 0.01 bits/char over a 200-token passage (about 700 characters).
    "Wrong - named" has no such ceiling: it grows with how differently the model hears its poets."""
    per_poet = bits_per_char_by_poet(engine, poems, [0.0, 1.0])
    wrong = wrong_poet_nats(engine, poems)
    print(f"held-out bits/char (first {MAX_SCORED_TOKENS} tokens of {len(poems)} held-out poems): "
          "poet named, not named, worth; another poet named (mean), wrong - named")
    for poet, (nats, chars) in sorted(per_poet.items()):
        named, plain = (nats[s] / math.log(2) / chars for s in (1.0, 0.0))
        other = f"{wrong[poet][0] / math.log(2) / chars:6.3f} {wrong[poet][0] / math.log(2) / chars - named:+6.3f}" \
            if poet in wrong else "     -      -"
        print(f"  {poet:28} {named:6.3f} {plain:6.3f} {plain - named:+6.3f}   {other}")
    chars = sum(c for _, c in per_poet.values())
    named, plain = (sum(n[s] for n, _ in per_poet.values()) / math.log(2) / chars for s in (1.0, 0.0))
    other = sum(n for n, _ in wrong.values()) / math.log(2) / chars if wrong else float("nan")
    print(f"  {'all':28} {named:6.3f} {plain:6.3f} {plain - named:+6.3f}   {other:6.3f} {other - named:+6.3f}  "
          "(targets: named 1.80 or lower on a CPU-trained model; worth 0.1 or more)", flush=True)


def main() -> None:
    """Run the parts asked for and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=16, help="poems per single poet and per sweep point")
    parser.add_argument("--max-new-tokens", type=int, default=120)
    parser.add_argument("--strength", type=float, nargs="+", default=[1.0],
                        help="style strength(s) to run, e.g. 1 1.5 2 3")
    parser.add_argument("--seed", type=int, default=500, help="poem i of every blend uses seed SEED + i")
    parser.add_argument("--any-words", action="store_true",
                        help="generate without the studio's free-verse rules, real words, the line rule, the echo "
                             "penalty and the layout rule (the model's own words; --word-repeats puts the line "
                             "rule back)")
    parser.add_argument("--word-repeats", type=int,
                        help="a word's uses in one line, 0 = no limit (default: the studio's, Sampling.word_repeats)")
    parser.add_argument("--model")
    parser.add_argument("--adapter")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--unbalanced", action="store_true",
                        help="leave out the adapter's poet balance (its gains; trainer/balance.py) to see what it does")
    parser.add_argument("--judge-dir", help="use this exported judge (as the studio ships it) instead of fitting one")
    parser.add_argument("--parts", default="heldout,readslike,generate",
                        help="comma-separated: heldout, readslike, generate, bpc (held-out bits/char with "
                             "the poet named and not), mids (the pairs' 0.5 blends alone)")
    args = parser.parse_args()
    if any(s <= 0 for s in args.strength):
        raise SystemExit("judge: --strength values must be above 0")
    parts = {p.strip() for p in args.parts.split(",")}
    started = time.perf_counter()
    split = corpus_split()
    judge = build_judge(split, args.judge_dir)
    print(heldout_line(judge, split), flush=True)
    engine = None
    if parts & {"readslike", "generate", "bpc", "mids"}:
        from poetstudio.engine.engine import Engine
        from poetstudio.model_spec import spec_from_names

        engine = Engine(spec_from_names(args.model, args.adapter), args.device, balanced=not args.unbalanced)
        engine.load()
        gains = engine.card.balance  # empty with --unbalanced
        print("blend balance: " + (", ".join(f"{p.split()[-1]} {g:.2f}" for p, g in gains.items()) if gains
                                   else "none (every poet's gain 1)"), flush=True)
    if "readslike" in parts:
        reads_like(engine, judge, split)
    if "bpc" in parts:
        conditioning_table(engine, [p for p in split.heldout if p.poet in engine.known_poets()])
    if "mids" in parts:
        midpoints(engine, judge, args)
    if "generate" in parts:
        grams, corpus_words = training_index()
        scored = [p for p in split.heldout if p.poet in judge.poets and p.poet in engine.known_poets()]
        bits = guided_bits_per_char(engine, scored, args.strength)
        runs = []
        for strength in args.strength:
            run = run_strength(engine, judge, args, strength)
            print(f"  copying: {copied_share(run.texts, grams):.2%} of generated 8-word sequences found in the "
                  f"training text (target under 2%)", flush=True)
            runs.append(run)
        print(f"\nstrength table ({args.n} poems per single poet and per sweep point, "
              f"{args.max_new_tokens} new tokens, {'no word guard' if args.any_words else 'real words (the studio)'}, "
              f"seeds from {args.seed}; bits/char on {len(scored)} held-out poems)")
        print("strength  singles judged right  sweep Spearman (min)  0.5 blends in range  "
              "held-out bits/char  non-words  copied")
        for run in runs:
            rho = f"{sum(run.rhos) / len(run.rhos):.2f} ({min(run.rhos):.2f})" if run.rhos else "-"
            inside = sum(in_range(m) == "in" for m in run.mids)
            print(f"{run.strength:8g}  {run.right:>4}/{run.total:<4} = {run.right / max(run.total, 1):5.1%}  "
                  f"{rho:>20}  {inside:>10}/{len(run.mids):<8}  {bits[run.strength]:18.3f}  "
                  f"{nonword_share(run.texts, corpus_words):9.2%}  "
                  f"{copied_share(run.texts, grams):6.2%}")
    print(f"[{time.perf_counter() - started:.0f} s]")


if __name__ == "__main__":
    main()
