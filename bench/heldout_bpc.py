"""Held-out bits per character, several models side by side on the same text (issue 27's first target).

Every model reads the same characters: each held-out poem of poems.jsonl (the trainer's own split, by content
hash) cut to its first `--chars` characters at a line end, so models with different tokenizers are compared on
equal text. Each poem is scored three ways in one batch, in the model's own prompt format (an adapter's
declared one, a bare base's natural one): its own poet named, no poet named, and another poet named (one drawn
per poem, fixed by the poem). Printed per poet and overall, with the ratio of each model to the first.

    python bench/heldout_bpc.py                                   # the shipped model beside SmolLM2 untuned
    python bench/heldout_bpc.py --model smollm2-135m-instruct --adapter build/adapter-smollm2 --label tuned
"""

from __future__ import annotations

import argparse
import hashlib
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "poems.jsonl"
HELDOUT_FRACTION = 0.05  # the trainer's default split (trainer/recipes): the same poems every recipe holds out


def heldout_poems(chars: int):
    """The held-out poems of the shared corpus, each cut to its first `chars` characters at a line end."""
    from dataclasses import replace

    from poetstudio.corpus import read_corpus
    from poetstudio.corpus.split import split_corpus

    split = split_corpus(read_corpus([SHARED]).poems, HELDOUT_FRACTION)
    poems = []
    for poem in split.heldout:
        text = poem.text.strip("\n")
        if len(text) > chars:
            cut = text.rfind("\n", 0, chars)
            text = text[: cut if cut > 0 else chars]
        poems.append(replace(poem, text=text))
    return poems


def other_poet(poem, poets: list[str]) -> str:
    """Another poet for this poem, drawn by the poem's own text (the same in every run and every model)."""
    others = [p for p in poets if p != poem.poet]
    return others[int(hashlib.sha256(poem.text.encode()).hexdigest(), 16) % len(others)]


def score(engine, poems, poets: list[str]) -> dict[str, dict[str, float]]:
    """Per poet: nats of the poems' text named / unnamed / other-named, and characters scored."""
    import torch

    from poetstudio.prompt_format import PromptSpec, header_ids
    from poetstudio.runtime.padding import right_pad

    loaded = engine.load()
    model, tokenizer, fmt = loaded.model, loaded.tokenizer, engine.prompt_format
    totals: dict[str, dict[str, float]] = {}
    with torch.inference_mode():
        for poem in poems:
            body = tokenizer.encode(poem.text + "\n", add_special_tokens=False)
            heads = [header_ids(tokenizer, PromptSpec(poet=poet, title=poem.title), fmt=fmt)
                     for poet in (poem.poet, None, other_poet(poem, poets))]
            ids, mask = right_pad([h + body for h in heads], tokenizer.pad_token_id or 0)
            logits = model(input_ids=ids, attention_mask=mask).logits.float()
            target = torch.tensor(body)[:, None]
            row = totals.setdefault(poem.poet, {"named": 0.0, "unnamed": 0.0, "other": 0.0, "chars": 0})
            for name, i in (("named", 0), ("unnamed", 1), ("other", 2)):
                logp = torch.log_softmax(logits[i, len(heads[i]) - 1 : len(heads[i]) - 1 + len(body)], dim=-1)
                row[name] -= float(logp.gather(-1, target).sum())
            row["chars"] += len(poem.text) + 1
    return totals


def bits(row: dict[str, float], key: str) -> float:
    """Bits per character of one way of scoring."""
    return row[key] / math.log(2) / row["chars"]


def overall(totals: dict[str, dict[str, float]]) -> dict[str, float]:
    """The totals summed over poets."""
    summed = {"named": 0.0, "unnamed": 0.0, "other": 0.0, "chars": 0}
    for row in totals.values():
        for key in summed:
            summed[key] += row[key]
    return summed


def main() -> None:
    """Score each model given (default: the shipped model and SmolLM2 untuned) and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", default=None,
                        help="a base (repeatable, paired with --adapter and --label in order); '' = shipped")
    parser.add_argument("--adapter", action="append", default=None, help="an adapter folder, or '' for none")
    parser.add_argument("--label", action="append", default=None)
    parser.add_argument("--chars", type=int, default=1000, help="characters of each held-out poem scored")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    import torch

    from poetstudio.engine.engine import Engine
    from poetstudio.model_spec import shipped_spec, spec_from_names

    torch.set_num_threads(args.threads)
    models = args.model or ["", "smollm2-135m-instruct"]
    adapters = args.adapter or ["" for _ in models]
    labels = args.label or [m or "shipped" for m in models]
    poems = heldout_poems(args.chars)
    poets = sorted({p.poet for p in poems})
    print(f"held-out bits/char: {len(poems)} poems of {SHARED.name} (held-out split {HELDOUT_FRACTION}), first "
          f"{args.chars} characters of each at a line end; named / not named / another poet named")
    results = []
    for model, adapter, label in zip(models, adapters, labels):
        started = time.perf_counter()
        spec = shipped_spec() if not model else spec_from_names(model, adapter or None)
        engine = Engine(spec, device="cpu", threads=args.threads)
        totals = score(engine, poems, poets)
        results.append((label, totals))
        print(f"[{label}: {spec.base_name} + {spec.adapter or 'no adapter'}, format {engine.prompt_format}, "
              f"{time.perf_counter() - started:.0f} s]", flush=True)
    header = "".join(f" {label[:24]:>24}" for label, _ in results)
    print(f"{'poet':28}{header}   (named / unnamed / other, bits per character)")
    for poet in poets:
        cells = "".join(f" {bits(t[poet], 'named'):6.3f}/{bits(t[poet], 'unnamed'):6.3f}/{bits(t[poet], 'other'):6.3f}"
                        if poet in t else f" {'-':>24}" for _, t in results)
        print(f"{poet:28}{cells}")
    totals = [overall(t) for _, t in results]
    cells = "".join(f" {bits(t, 'named'):6.3f}/{bits(t, 'unnamed'):6.3f}/{bits(t, 'other'):6.3f}" for t in totals)
    print(f"{'all':28}{cells}")
    first = bits(totals[0], "named")
    print("ratio to " + results[0][0] + ", named: " + ", ".join(
        f"{label} {bits(t, 'named') / first:.3f}x" for (label, _), t in zip(results, totals)))
    print("target (issue 27): named 1.50 or lower")


if __name__ == "__main__":
    main()
