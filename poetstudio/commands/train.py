"""`poetstudio train`: its flags (each described in --help) and running it."""

from __future__ import annotations

import argparse
import math
import os

from poetstudio.config import DEVICES, QUANTIZE
from poetstudio.errors import UserError


def parse_bool(text: str) -> bool:
    """A yes/no flag value: true/false, yes/no, on/off or 1/0."""
    value = text.strip().lower()
    if value in ("true", "yes", "on", "1"):
        return True
    if value in ("false", "no", "off", "0"):
        return False
    raise argparse.ArgumentTypeError(f"'{text}' is not true or false")


TRAIN_FLAGS: dict[str, tuple[type, str]] = {
    "mode": (str, "lora (fine-tune an adapter) or scratch (train a small base model)"),
    "base_model": (str, "base model: hub id or local folder"),
    "output": (str, "folder the adapter (or model) and its checkpoints are written to"),
    "seed": (int, "random seed for the split, shuffling and initialisation"),
    "heldout_fraction": (float, "share of poems held out for evaluation, e.g. 0.05"),
    "seq_len": (int, "tokens per training example"),
    "batch_size": (int, "examples per step (per process)"),
    "grad_accum": (int, "steps whose gradients are summed before each update"),
    "lr": (float, "peak learning rate (cosine decay after warm-up)"),
    "warmup_steps": (int, "steps of linear warm-up"),
    "max_steps": (int, "optimizer steps to run at most"),
    "max_minutes": (float, "stop (with a checkpoint) after this many minutes; 0 = no limit"),
    "eval_every": (int, "evaluate the held-out loss every N steps"),
    "eval_batches": (int, "held-out batches per evaluation; 0 = all"),
    "patience": (int, "stop after this many evaluations without improvement"),
    "checkpoint_every": (int, "save a resumable checkpoint every N steps"),
    "lora_r": (int, "LoRA rank"),
    "lora_alpha": (int, "LoRA alpha (the update is scaled by alpha / r)"),
    "lora_dropout": (float, "dropout on the LoRA layers"),
    "quantize": (str, "none, or nf4 for 4-bit QLoRA (CUDA + bitsandbytes)"),
    "device": (str, "auto, cpu, cuda or mps"),
    "dtype": (str, "auto (bf16-mixed where bf16 is native: CUDA, or a CPU with AVX512-BF16/AMX, but a LoRA run "
                     "on CUDA holds its frozen base in bf16; else fp32), bf16-mixed (fp32 weights, bf16 autocast), "
                     "fp32, bf16 or fp16"),
    "vocab_size": (int, "scratch: tokenizer vocabulary size"),
    "hidden_size": (int, "scratch: model width"),
    "num_layers": (int, "scratch: transformer layers"),
    "num_heads": (int, "scratch: attention heads"),
    "intermediate_size": (int, "scratch: feed-forward width"),
    "min_poems_per_poet": (int, "poets with fewer training poems are left out (listed as unavailable)"),
    "contrast_weight": (float, "weight of the poet contrast loss that teaches poets apart; 0 = off"),
    "contrast_poems": (int, "poems per step in the poet contrast"),
    "contrast_negatives": (int, "other poets each contrast poem is scored under"),
    "contrast_tokens": (int, "a poem's first tokens that the contrast reads"),
    "init_from": (str, "scratch: go on pretraining this saved model (folder) with its tokenizer instead of a new one"),
    "compile": (parse_bool, "torch.compile the model before training (true/false; worth it on a GPU)"),
    "budget_minutes": (float, "size the learning-rate schedule to this much wall clock (0 = off): "
                              "max_steps is fitted after the first steps"),
    "unconditioned_share": (float,
                            "share of passages (LoRA) or documents (pretraining) written without their Poet line"),
    "general_corpus": (str, "scratch: a general/ folder of Gutenberg verse books with MANIFEST.tsv to pretrain on"),
    "cache_dir": (str, "where the cleaned corpus and the flat token files are cached between runs"),
    "cross_document_attention": (parse_bool, "training rows attend across the documents packed in them "
                                             "(true/false): the fast causal kernel, as GPT-2 pretrained"),
    "poems_repeat": (int, "scratch: how many times the ten poets' training poems go into the pretraining data"),
    "balance_poems": (int, "balance: half-and-half poems per pair of poets in each round"),
    "balance_rounds": (int, "balance: rounds over every pair (two or more measure how far a gain moves a voice)"),
}
"""Every recipe field that is also a flag: its type and its --help line."""

CHOICES = {
    "mode": ("lora", "scratch", "judge", "balance"),
    "quantize": QUANTIZE,
    "device": DEVICES,
    "dtype": ("auto", "bf16-mixed", "fp32", "bf16", "fp16"),
}
"""The flags that take one of a few words (argparse lists them in a bad one's message)."""

STEPS = 10**9  # counts of steps, batches and poems: far past any run, and catches a slip of 1e12
RANGES: dict[str, tuple[float, float, bool]] = {
    "seed": (-2**63, 2**63 - 1, True),
    "heldout_fraction": (0, 0.5, False),
    "seq_len": (1, 32768, True),
    "batch_size": (1, 4096, True),
    "grad_accum": (1, 4096, True),
    "lr": (0, 1, True),
    "warmup_steps": (0, STEPS, True),
    "max_steps": (1, STEPS, True),
    "max_minutes": (0, 10**7, True),
    "eval_every": (1, STEPS, True),
    "eval_batches": (0, STEPS, True),
    "patience": (0, STEPS, True),
    "checkpoint_every": (1, STEPS, True),
    "lora_r": (1, 4096, True),
    "lora_alpha": (1, 65536, True),
    "lora_dropout": (0, 1, False),
    "vocab_size": (1, 1_000_000, True),
    "hidden_size": (1, 65536, True),
    "num_layers": (1, 1024, True),
    "num_heads": (1, 1024, True),
    "intermediate_size": (1, 262144, True),
    "min_poems_per_poet": (0, STEPS, True),
    "contrast_weight": (0, 1000, True),
    "contrast_poems": (0, 4096, True),
    "contrast_negatives": (0, 4096, True),
    "contrast_tokens": (0, 32768, True),
    "budget_minutes": (0, 10**7, True),
    "unconditioned_share": (0, 1, False),
    "poems_repeat": (1, 1000, True),
    "balance_poems": (1, STEPS, True),
    "balance_rounds": (1, STEPS, True),
}
"""Each numeric flag's range (low, high, whether high itself is allowed): a value outside is one line before
anything loads. `lr` must also be above 0."""


def _in_range(name: str, value: float) -> bool:
    """True for a finite value within the flag's range."""
    low, high, closed = RANGES[name]
    if not math.isfinite(value) or value < low or (value > high if closed else value >= high):
        return False
    return not (name == "lr" and value == 0)


def check_flags(args: argparse.Namespace) -> None:
    """A one-line UserError for the first numeric flag given outside its range (every one finite; the recipe's
    own values are the trainer's to check)."""
    for name, (low, high, closed) in RANGES.items():
        value = getattr(args, name)
        if value is None or _in_range(name, value):
            continue
        span = f"from {low} to {high}" if closed else f"of {low} or more and below {high}"
        span = "above 0 and at most 1" if name == "lr" else span
        raise UserError(f"--{name.replace('_', '-')} must be a number {span}, not {value}")


def add_parser(sub) -> None:
    """Register the train subcommand; every flag left out keeps the recipe's value."""
    train = sub.add_parser("train", help="fine-tune a LoRA adapter (or train a small base model from scratch)",
                           description="Train with a recipe; every flag given overrides the recipe's value.")
    train.add_argument("--recipe", "--preset", dest="recipe", default=None,
                       help="preset (default, original, base, judge, balance) or a TOML recipe file; flags override it")
    train.add_argument("--corpus", action="append", help="corpus file or folder (repeatable)")
    train.add_argument("--general-verse", action="append", help="Gutenberg .txt file or folder for scratch runs")
    train.add_argument("--target-modules", help="comma-separated module names, or all-linear")
    train.add_argument("--resume", action="store_true", help="continue from the checkpoint in --output")
    for name, (kind, help_text) in TRAIN_FLAGS.items():
        train.add_argument("--" + name.replace("_", "-"), type=kind, default=None, help=help_text,
                           choices=CHOICES.get(name),
                           metavar=None if kind is str else "BOOL" if kind is parse_bool else kind.__name__.upper())


def run(args: argparse.Namespace) -> int:
    """`poetstudio train`: build the configuration, train, print where the result went."""
    check_flags(args)
    from trainer.config import build_config

    overrides = {name: getattr(args, name) for name in TRAIN_FLAGS}
    overrides["corpus"] = args.corpus
    overrides["general_verse"] = args.general_verse
    if args.target_modules:
        overrides["target_modules"] = [m.strip() for m in args.target_modules.split(",") if m.strip()]
    config = build_config(args.recipe, overrides)
    if config.mode == "judge":
        from trainer.judge import train_judge

        train_judge(config)
        return 0
    if config.mode == "balance":
        from poetstudio.commands.balance import run_balance

        run_balance(config)
        return 0
    from trainer.loop import train

    result = train(config, resume=args.resume)
    if int(os.environ.get("RANK", "0")) != 0:
        return 0
    if result.interrupted:
        print(f"interrupted at step {result.steps}; checkpoint saved: run the same command with --resume to continue")
        return 130
    why = "stopped early: held-out loss stopped improving" if result.stopped_early else "done"
    mfu = "" if result.model_flops_utilisation is None else f", MFU {100 * result.model_flops_utilisation:.1f}%"
    print(f"{why} at step {result.steps}; best held-out loss {result.best_heldout_loss:.4f}; "
          f"{result.tokens_per_s:,.0f} tok/s ({result.model_flops_per_s / 1e12:.2f} model TFLOP/s{mfu}); "
          f"{result.wall_s / 60:.1f} min; saved to {result.output}")
    return 0
