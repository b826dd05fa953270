"""The `poetstudio` command: the parser assembled from the command modules, the global options, and
dispatch to the studio (no subcommand) or a subcommand's `run`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from poetstudio.commands import (
    analyze,
    corpus,
    forms,
    generate,
    library,
    poets,
    studio,
    train,
)
from poetstudio.commands import config as config_command
from poetstudio.config import DEVICES
from poetstudio.errors import UserError

COMMANDS = {
    "train": train,
    "corpus": corpus,
    "generate": generate,
    "library": library,
    "analyze": analyze,
    "forms": forms,
    "config": config_command,
    "poets": poets,
}
"""Every subcommand's module, in the order `--help` lists them."""

GLOBAL_OPTIONS = ("model", "adapter", "device")
"""Options given before the subcommand; a subcommand's own option of the same name wins over them."""


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a bad command line in one line (naming --help) instead of the whole usage;
    every subcommand's parser is one too."""

    def error(self, message: str):
        """Print `prog: message (prog --help shows the options)` and exit with status 2."""
        self.exit(2, f"{self.prog}: {message} ({self.prog} --help shows the options)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = OneLineParser(prog="poetstudio", description="A terminal poetry studio that blends poets.")
    parser.add_argument("--model", dest="global_model",
                        help="base model folder or hub id (default: the shipped model)")
    parser.add_argument("--adapter", dest="global_adapter", help="adapter folder or hub id")
    parser.add_argument("--device", dest="global_device", choices=DEVICES, help="auto, cpu, cuda or mps")
    parser.add_argument("--config", help="config TOML file (default: the one in the user config folder); "
                                         "every command reports a broken one")
    sub = parser.add_subparsers(dest="command")
    for command in COMMANDS.values():
        command.add_parser(sub)
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


def config_file(args: argparse.Namespace) -> Path:
    """The config file this command reads: the one given with --config, else the one in the user config folder."""
    from poetstudio.paths import config_path

    return Path(args.config) if args.config is not None else config_path()


def check_config(args: argparse.Namespace):
    """Read the config file once (the one given with --config, else the default one where it exists) and check
    its [keys] as the studio does, so a broken, missing or mistyped one is reported by every command in one line
    (`config --write` may name a file it is about to create). Returns the Config every command reads its
    settings from, with its own flags laid over it (`poetstudio.commands.arguments.settings_of`)."""
    from poetstudio.config import load_config

    path = config_file(args)
    writing = args.command == "config" and args.write
    if args.config is not None and not path.exists() and not writing:
        raise UserError(f"{path}: no such config file; `poetstudio --config {path} config --write` creates one")
    config = load_config(path)
    if config.keys:  # the studio's key names come with its panes (textual): read only when there are keys to check
        from poetstudio.ui.actions import check_keymap

        check_keymap(config.keys, path)
    return config


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; user errors are one line on stderr and exit status 2,
    Ctrl-C exits with status 130."""
    args = merge_global_options(build_parser().parse_args(argv))
    try:
        args.settings = check_config(args)
        command = COMMANDS[args.command] if args.command else studio
        return command.run(args)
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
