"""`poetstudio config`: the config file's path and its documented defaults; --write creates the file."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub) -> None:
    """Register the config subcommand."""
    config = sub.add_parser("config", help="show the config file's path and its documented defaults")
    config.add_argument("--write", action="store_true",
                        help="create the file with the documented defaults (never overwrites)")


def run(args: argparse.Namespace) -> int:
    """Print the path and the documented defaults; --write creates the file if absent."""
    from poetstudio.config import DEFAULT_CONFIG_TOML, load_config
    from poetstudio.paths import config_path

    path = Path(args.config) if args.config else config_path()
    load_config(path)
    if args.write:
        if path.exists():
            print(f"{path} exists already; left as it is")
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(DEFAULT_CONFIG_TOML, encoding="utf-8")
            print(f"wrote {path}")
        return 0
    state = "exists" if path.exists() else "absent: defaults in force (create it with --write)"
    print(f"# config file: {path} ({state})")
    print(DEFAULT_CONFIG_TOML, end="")
    return 0
