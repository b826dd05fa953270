"""The `poetstudio` command: the studio, and the headless subcommands (train, corpus stats, poets, generate,
analyze, library)."""

from __future__ import annotations

import argparse
import os
import sys

from poetstudio.analysis.cli import add_analyze_parser
from poetstudio.errors import UserError
from poetstudio.generate_cli import add_generate_parser
from poetstudio.library.cli import add_library_parser

TRAIN_FLAGS: dict[str, type] = {
    "mode": str, "base_model": str, "output": str, "seed": int, "heldout_fraction": float, "seq_len": int,
    "batch_size": int, "grad_accum": int, "lr": float, "warmup_steps": int, "max_steps": int,
    "max_minutes": float, "eval_every": int, "eval_batches": int, "patience": int, "checkpoint_every": int,
    "lora_r": int, "lora_alpha": int, "lora_dropout": float, "quantize": str, "device": str, "dtype": str,
    "vocab_size": int, "hidden_size": int, "num_layers": int, "num_heads": int, "intermediate_size": int,
    "min_poems_per_poet": int, "contrast_weight": float, "contrast_poems": int, "contrast_negatives": int,
    "contrast_tokens": int, "general_corpus": str, "unconditioned_share": float, "cache_dir": str,
    "poems_repeat": int,
}


def _add_train(sub) -> None:
    train = sub.add_parser("train", help="fine-tune a LoRA adapter (or train a small base model from scratch)")
    train.add_argument("--recipe", "--preset", dest="recipe", default=None,
                       help="preset (default, original, base) or a TOML recipe file; flags override it")
    train.add_argument("--corpus", action="append", help="corpus file or folder (repeatable)")
    train.add_argument("--general-verse", action="append", help="Gutenberg .txt file or folder for scratch runs")
    train.add_argument("--target-modules", help="comma-separated module names, or all-linear")
    train.add_argument("--resume", action="store_true", help="continue from the checkpoint in --output")
    for name, kind in TRAIN_FLAGS.items():
        train.add_argument("--" + name.replace("_", "-"), type=kind, default=None)


def _add_corpus(sub) -> None:
    corpus = sub.add_parser("corpus", help="inspect a corpus")
    corpus_sub = corpus.add_subparsers(dest="corpus_command", required=True)
    stats = corpus_sub.add_parser("stats", help="poems, lines and tokens per poet and per mood; thin poets; a general/ folder's cleaning")
    stats.add_argument("paths", nargs="+", help=".jsonl, .csv, a folder of poet folders, or a general/ folder (MANIFEST.tsv)")
    stats.add_argument("--novelty", metavar="TEXTFILE", help="also print the share of the file's 8-grams found in the corpus")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(prog="poetstudio", description="A terminal poetry studio that blends poets.")
    parser.add_argument("--model", help="base model folder or hub id for the studio (default: the shipped model)")
    parser.add_argument("--adapter", help="adapter folder or hub id for the studio")
    parser.add_argument("--device", help="auto, cpu, cuda or mps")
    parser.add_argument("--config", help="config TOML file (default: the one in the user config folder)")
    sub = parser.add_subparsers(dest="command")
    _add_train(sub)
    _add_corpus(sub)
    add_generate_parser(sub)
    add_library_parser(sub)
    add_analyze_parser(sub)
    config = sub.add_parser("config", help="show the config file's path and its documented defaults")
    config.add_argument("--write", action="store_true", help="create the file with the documented defaults (never overwrites)")
    poets = sub.add_parser("poets", help="the poets (and moods) the model knows")
    poets.add_argument("--adapter", help="adapter folder (default: the shipped one)")
    return parser


def run_train(args: argparse.Namespace) -> int:
    """`poetstudio train`: build the configuration, train, print where the result went."""
    from trainer.config import build_config
    from trainer.loop import train

    overrides = {name: getattr(args, name) for name in TRAIN_FLAGS}
    overrides["corpus"] = args.corpus
    overrides["general_verse"] = args.general_verse
    if args.target_modules:
        overrides["target_modules"] = [m.strip() for m in args.target_modules.split(",") if m.strip()]
    config = build_config(args.recipe, overrides)
    result = train(config, resume=args.resume)
    if int(os.environ.get("RANK", "0")) != 0:
        return 0
    if result.interrupted:
        print(f"interrupted at step {result.steps}; checkpoint saved: run the same command with --resume to continue")
        return 130
    why = "stopped early: held-out loss stopped improving" if result.stopped_early else "done"
    print(f"{why} at step {result.steps}; best held-out loss {result.best_heldout_loss:.4f}; "
          f"{result.tokens_per_s:,.0f} tok/s; {result.wall_s / 60:.1f} min; saved to {result.output}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; user errors are one line on stderr and exit status 2."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "train":
            return run_train(args)
        if args.command == "generate":
            from poetstudio.generate_cli import run_generate

            return run_generate(args)
        if args.command == "analyze":
            from poetstudio.analysis.cli import run_analyze

            return run_analyze(args)
        if args.command == "library":
            from poetstudio.library.cli import run_library

            return run_library(args)
        if args.command == "corpus":
            from poetstudio.corpus.stats import run_stats

            return run_stats(args.paths, args.novelty)
        if args.command == "config":
            from poetstudio.config import show_config

            return show_config(args.config, args.write)
        if args.command == "poets":
            from poetstudio.model_info import print_poets

            return print_poets(args.adapter)
        from poetstudio.ui.launch import run_studio

        return run_studio(args.model, args.adapter, args.device, args.config)
    except UserError as exc:
        print(f"poetstudio: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `poetstudio analyze --json poem | head` closed the pipe: nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # as Python's docs advise for SIGPIPE
        return 0


if __name__ == "__main__":
    sys.exit(main())
