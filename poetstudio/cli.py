"""The `poetstudio` command: the studio, and the headless subcommands (train, corpus stats, poets, generate,
analyze, forms, library)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from poetstudio.analysis.cli import add_analyze_parser
from poetstudio.errors import UserError
from poetstudio.forms.cli import add_forms_parser
from poetstudio.generate_cli import add_generate_parser
from poetstudio.library.cli import add_library_parser
from poetstudio.train_cli import add_train_parser

GLOBAL_OPTIONS = ("model", "adapter", "device")
"""Options given before the subcommand; a subcommand's own option of the same name wins over them."""

def _add_corpus(sub) -> None:
    corpus = sub.add_parser("corpus", help="inspect a corpus")
    corpus_sub = corpus.add_subparsers(dest="corpus_command", required=True)
    stats = corpus_sub.add_parser("stats", help="poems, lines and tokens per poet and per mood; thin poets; a general/ folder's cleaning")
    stats.add_argument("paths", nargs="+", help=".jsonl, .csv, a folder of poet folders, or a general/ folder (MANIFEST.tsv)")
    stats.add_argument("--novelty", metavar="TEXTFILE", help="also print the share of the file's 8-grams found in the corpus")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(prog="poetstudio", description="A terminal poetry studio that blends poets.")
    parser.add_argument("--model", dest="global_model",
                        help="base model folder or hub id (default: the shipped model)")
    parser.add_argument("--adapter", dest="global_adapter", help="adapter folder or hub id")
    parser.add_argument("--device", dest="global_device", help="auto, cpu, cuda or mps")
    parser.add_argument("--config", help="config TOML file (default: the one in the user config folder); "
                                         "every command reports a broken one")
    sub = parser.add_subparsers(dest="command")
    add_train_parser(sub)
    _add_corpus(sub)
    add_generate_parser(sub)
    add_library_parser(sub)
    add_analyze_parser(sub)
    add_forms_parser(sub)
    config = sub.add_parser("config", help="show the config file's path and its documented defaults")
    config.add_argument("--write", action="store_true", help="create the file with the documented defaults (never overwrites)")
    poets = sub.add_parser("poets", help="the poets (and moods) the model knows")
    poets.add_argument("--adapter", help="adapter folder (default: the shipped one)")
    return parser


def merge_global_options(args: argparse.Namespace) -> argparse.Namespace:
    """`poetstudio --adapter X poets` uses X: a global option fills the subcommand's when that was not given
    (argparse would otherwise let the subcommand's default overwrite it)."""
    for name in GLOBAL_OPTIONS:
        given, own = getattr(args, "global_" + name), getattr(args, name, None)
        if given is not None and (own is None or (name == "device" and own == "auto")):
            setattr(args, name, given)
        elif not hasattr(args, name):
            setattr(args, name, None)
    return args


def check_config(args: argparse.Namespace) -> None:
    """Read the file given with --config, so a broken or missing one is reported by every command
    (`config --write` may name a file it is about to create)."""
    if args.config is None:
        return
    from poetstudio.config import load_config

    path = Path(args.config)
    if not path.exists() and not (args.command == "config" and args.write):
        raise UserError(f"{path}: no such config file; `poetstudio --config {path} config --write` creates one")
    load_config(path)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; user errors are one line on stderr and exit status 2,
    Ctrl-C exits with status 130."""
    args = merge_global_options(build_parser().parse_args(argv))
    try:
        check_config(args)
        if args.command == "train":
            from poetstudio.train_cli import run_train

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
        if args.command == "forms":
            from poetstudio.forms.cli import run_forms

            return run_forms(args)
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
    except KeyboardInterrupt:
        print("\npoetstudio: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `poetstudio analyze --json poem | head` closed the pipe: nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # as Python's docs advise for SIGPIPE
        return 0


if __name__ == "__main__":
    sys.exit(main())
