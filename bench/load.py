"""Time a model's load, stage by stage, in fresh processes (issue 27's target: a later load of the packaged
SmolLM2 base, already converted into the user cache, in 3 s or less).

Each run is a new Python process, so imports are paid as a person starting `poetstudio generate` pays them:

    python bench/load.py --runs 3                                   # the shipped default and the packaged base
    python bench/load.py --model smollm2-135m-instruct --adapter build/adapter-smollm2 --runs 3

The stages: importing torch, transformers and peft; the base's key and cache check (a GGUF's hash, the converted
folder's manifest); the tokenizer; the weights; the adapter (loaded and merged). `load_model` is the sum as the
engine calls it, measured on its own in the same process after the stages (so its imports are already paid).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

CHILD = r"""
import json, sys, time
stages = {}
t = time.perf_counter()
import torch, transformers, peft  # noqa: F401
stages["imports"] = time.perf_counter() - t
from poetstudio.model_spec import spec_from_names
from poetstudio.runtime.hub import load_causal_lm, load_tokenizer, pretrained_location
spec = spec_from_names(sys.argv[1] or None, sys.argv[2] or None)
t = time.perf_counter()
location, _ = pretrained_location(spec.base)
spec.base.content_key()
stages["key and cache check"] = time.perf_counter() - t
t = time.perf_counter()
load_tokenizer(location)
stages["tokenizer"] = time.perf_counter() - t
t = time.perf_counter()
model = load_causal_lm(location, torch.float32)
stages["weights"] = time.perf_counter() - t
if spec.adapter:
    t = time.perf_counter()
    peft.PeftModel.from_pretrained(model, spec.adapter).merge_and_unload()
    stages["adapter (merged)"] = time.perf_counter() - t
del model
from poetstudio.engine.loader import load_model
import poetstudio.model_source as source
source._HASHED.clear()
t = time.perf_counter()
load_model(spec, "cpu")
stages["load_model (imports paid)"] = time.perf_counter() - t
print("STAGES " + json.dumps(stages))
"""


def run_once(model: str, adapter: str) -> dict[str, float]:
    """One fresh process's stage times, in seconds."""
    out = subprocess.run([sys.executable, "-c", CHILD, model, adapter], capture_output=True, text=True,
                         timeout=600, check=True).stdout
    return json.loads(next(line for line in out.splitlines() if line.startswith("STAGES "))[7:])


def report(label: str, runs: list[dict[str, float]]) -> None:
    """Median of each stage over the runs, and the cold total (imports + stages)."""
    print(f"{label} (median of {len(runs)} fresh processes):")
    for stage in runs[0]:
        print(f"  {stage:28} {statistics.median(r[stage] for r in runs):6.2f} s")
    cold = [sum(v for k, v in r.items() if not k.startswith("load_model")) for r in runs]
    print(f"  {'cold total':28} {statistics.median(cold):6.2f} s")


def main() -> None:
    """Time the loads asked for (by default the shipped model, then the packaged SmolLM2 base)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", help="base to time (repeatable); default: shipped and smollm2")
    parser.add_argument("--adapter", default="", help="adapter loaded over --model (one --model only)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    models = args.model or ["", "smollm2-135m-instruct"]
    for model in models:
        runs = [run_once(model, args.adapter) for _ in range(args.runs)]
        report(model or "shipped default", runs)


if __name__ == "__main__":
    main()
