"""`poetstudio library list | show | search | export | import | rename | delete | undelete`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from poetstudio.errors import UserError
from poetstudio.library.export import FORMATS, blend_line, print_export, read_import, render, render_all
from poetstudio.library.store import MAX_ID, Library
from poetstudio.paths import library_path

LIST_LIMIT = 200  # poems `list` and `search` print unless --limit says otherwise
TITLE_WIDTH = 40  # terminal cells a title takes in `list` and `search`


def _whole(text: str) -> int:
    """A whole number as typed; anything else is an argparse error."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not '{text}'") from None


def _limit(text: str) -> int:
    """--limit: a whole number from 0 (no limit) up to what SQLite can count (one more is fetched)."""
    value = _whole(text)
    if not 0 <= value < MAX_ID:
        raise argparse.ArgumentTypeError(f"must be from 0 (no limit) to {MAX_ID - 1}, not {text}")
    return value


def _poem_id(text: str) -> int:
    """A poem id: a whole number from 1 to SQLite's largest integer (`library list` shows the ids)."""
    value = _whole(text)
    if not 1 <= value <= MAX_ID:
        raise argparse.ArgumentTypeError(f"must be a poem id from 1 to {MAX_ID}, not {text}; "
                                         "`poetstudio library list` shows the ids")
    return value


def add_parser(sub) -> None:
    """Register the library subcommands."""
    library = sub.add_parser("library", help="the saved-poem library, for scripts and backups")
    library.add_argument("--db", help="library file (default: the one in the user data folder)")
    lsub = library.add_subparsers(dest="library_command", required=True)
    for name, help_text in (("list", "saved poems, newest first"),
                            ("search", "full-text search over title, text and poets")):
        command = lsub.add_parser(name, help=help_text)
        if name == "search":
            command.add_argument("query")
        command.add_argument("--limit", type=_limit, default=LIST_LIMIT, metavar="N",
                             help=f"print at most N poems (default {LIST_LIMIT}; 0 = all)")
    show = lsub.add_parser("show", help="one poem")
    show.add_argument("id", type=_poem_id)
    export = lsub.add_parser("export", help="write a poem (or all with --all) as md, txt or json")
    export.add_argument("id", type=_poem_id, nargs="?")
    export.add_argument("--all", action="store_true")
    export.add_argument("--format", choices=FORMATS, default="md")
    imp = lsub.add_parser("import", help="add poems from JSON exports; poems already in the library are skipped")
    imp.add_argument("paths", nargs="+", metavar="PATH",
                     help="a file from `export --format json`, or a folder: every .json file in it")
    rename = lsub.add_parser("rename", help="give a poem a new title")
    rename.add_argument("id", type=_poem_id)
    rename.add_argument("title")
    delete = lsub.add_parser("delete", help="delete a poem (undelete brings it back)")
    delete.add_argument("id", type=_poem_id)
    undelete = lsub.add_parser("undelete", help="bring back a deleted poem")
    undelete.add_argument("id", type=_poem_id)


def _column(text: str, width: int) -> str:
    """`text` on one line, cut or padded to `width` terminal cells: a wide character (an emoji, a CJK
    letter) takes two, so the columns after it stay in line."""
    from rich.cells import set_cell_size

    return set_cell_size(" ".join(text.split()), width)


def _line(poem) -> str:
    """One poem as a `list` / `search` line: id, mark, date, title, blend (or what is damaged)."""
    star = "!" if poem.damaged else "*" if poem.favourite else " "
    about = f"damaged: {poem.damage}" if poem.damaged else blend_line(poem)
    return f"{poem.id:5} {star} {poem.created[:16].replace('T', ' ')}  {_column(poem.title, TITLE_WIDTH)}  {about}"


def _print_list(library: Library, args: argparse.Namespace) -> None:
    """`list` or `search`: the poems, cut at --limit, with notes on stderr when cut or damaged."""
    fetch = args.limit + 1 if args.limit else -1  # one more than shown tells whether the list was cut
    if args.library_command == "list":
        poems = library.list(limit=fetch)
    else:
        poems = library.search(args.query, limit=fetch)
    shown = poems[:args.limit] if args.limit else poems
    for poem in shown:
        print(_line(poem))
    if not poems:
        print("no poems" + (" match" if args.library_command == "search" else " saved yet"))
    if len(poems) > len(shown):
        of = f" of {library.count()}" if args.library_command == "list" else ""
        print(f"poetstudio: showing the newest {len(shown)}{of} poems; --limit N shows more (0 = all)",
              file=sys.stderr)
    damaged = sum(p.damaged for p in shown)
    if damaged:
        print(f"poetstudio: {damaged} damaged poem(s) marked '!': `library export ID --format json > p.json`, "
              "fix p.json, `library delete ID`, `library import p.json`", file=sys.stderr)


def _export(library: Library, args: argparse.Namespace) -> None:
    """`export`: one poem, or all oldest first, in the chosen format."""
    if args.all:
        print_export(render_all(list(reversed(library.list(limit=-1))), args.format), sys.stdout)
    elif args.id is None:
        raise UserError("give a poem id, or --all")
    else:
        print_export(render(library.get(args.id), args.format), sys.stdout)


def _import(library: Library, paths: list[str]) -> None:
    """`import`: add the poems of JSON exports, skipping those already in the library."""
    poems = [poem for path in paths for poem in read_import(Path(path))]
    added, skipped = library.import_poems(poems)
    note = f"; skipped {skipped} already in the library" if skipped else ""
    print(f"imported {added} poem(s){note}")


def run(args: argparse.Namespace) -> int:
    """Carry out one library subcommand."""
    library = Library(args.db or library_path())
    try:
        command = args.library_command
        if command in ("list", "search"):
            _print_list(library, args)
        elif command == "show":
            print(render(library.get(args.id), "txt"), end="")
        elif command == "export":
            _export(library, args)
        elif command == "import":
            _import(library, args.paths)
        elif command == "rename":
            poem = library.rename(args.id, args.title)
            print(f"renamed {poem.id} to “{poem.title}”")
        elif command == "delete":
            poem = library.get(args.id)
            library.delete(args.id)
            print(f"deleted {poem.id} “{poem.title}”; `poetstudio library undelete {poem.id}` brings it back")
        elif command == "undelete":
            poem = library.undelete(args.id)
            print(f"restored {poem.id} “{poem.title}”")
        return 0
    finally:
        library.close()
