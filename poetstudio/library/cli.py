"""`poetstudio library list | show ID | search QUERY | export ID --format md|txt|json | import FILE`."""

from __future__ import annotations

import argparse
from pathlib import Path

from poetstudio.library.export import FORMATS, blend_line, read_import, render
from poetstudio.library.store import Library
from poetstudio.paths import library_path


def add_library_parser(sub) -> None:
    """Register the library subcommands."""
    library = sub.add_parser("library", help="the saved-poem library, for scripts and backups")
    library.add_argument("--db", help="library file (default: the one in the user data folder)")
    lsub = library.add_subparsers(dest="library_command", required=True)
    lsub.add_parser("list", help="saved poems, newest first")
    show = lsub.add_parser("show", help="one poem")
    show.add_argument("id", type=int)
    search = lsub.add_parser("search", help="full-text search over title, text and poets")
    search.add_argument("query")
    export = lsub.add_parser("export", help="write a poem (or all with --all) as md, txt or json")
    export.add_argument("id", type=int, nargs="?")
    export.add_argument("--all", action="store_true")
    export.add_argument("--format", choices=FORMATS, default="md")
    imp = lsub.add_parser("import", help="add poems from a JSON export")
    imp.add_argument("file")


def _line(poem) -> str:
    star = "*" if poem.favourite else " "
    return f"{poem.id:5} {star} {poem.created[:16].replace('T', ' ')}  {poem.title[:40]:40}  {blend_line(poem)}"


def run_library(args: argparse.Namespace) -> int:
    """Carry out one library subcommand."""
    library = Library(args.db or library_path())
    try:
        command = args.library_command
        if command in ("list", "search"):
            poems = library.list() if command == "list" else library.search(args.query)
            for poem in poems:
                print(_line(poem))
            if not poems:
                print("no poems" + (" match" if command == "search" else " saved yet"))
        elif command == "show":
            print(render(library.get(args.id), "txt"), end="")
        elif command == "export":
            if args.all:
                poems = list(reversed(library.list(limit=1_000_000)))
                if args.format == "json":
                    import json

                    print(json.dumps([p.to_dict() for p in poems], indent=2, ensure_ascii=False))
                else:
                    print("\n".join(render(p, args.format) for p in poems), end="")
            elif args.id is None:
                from poetstudio.errors import UserError

                raise UserError("give a poem id, or --all")
            else:
                print(render(library.get(args.id), args.format), end="")
        elif command == "import":
            poems = read_import(Path(args.file))
            for poem in poems:
                library.save(poem)
            print(f"imported {len(poems)} poem(s)")
        return 0
    finally:
        library.close()
