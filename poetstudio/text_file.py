"""Read a text file a person named on the command line (a poem, a text to check for copying): UTF-8 with any
byte-order mark dropped, and anything that is not such a file is one line that says what to give instead."""

from __future__ import annotations

import sys
from pathlib import Path

from poetstudio.errors import UserError

BOM = "\ufeff"  # a byte-order mark some editors write first; it is no part of the text


def read_text_file(name: str, give: str) -> str:
    """The text of the file `name`, its byte-order mark dropped. A missing file, a folder, an unreadable file
    or one that is not UTF-8 text is a UserError naming the file and ending with `give` (what to name instead,
    e.g. "give a text file with the poem")."""
    path = Path(name)
    if path.is_dir():
        raise UserError(f"{name} is a folder, not a file; {give}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserError(f"no such file: {name}; {give}") from None
    except UnicodeDecodeError:
        raise UserError(f"{name} is not UTF-8 text; save it as UTF-8 and try again") from None
    except OSError as exc:
        raise UserError(f"cannot read {name} ({exc.strerror or exc}); {give}") from None
    if "\x00" in text:
        raise UserError(f"{name} is a binary file, not text; {give}")
    return text


def read_standard_input(give: str) -> str:
    """Standard input read whole as UTF-8, its byte-order mark dropped; input that is not UTF-8 text (or is
    binary) is a UserError ending with `give`."""
    stream = sys.stdin
    try:
        raw = stream.buffer.read() if hasattr(stream, "buffer") else None
        text = raw.decode("utf-8") if raw is not None else stream.read()
    except UnicodeDecodeError:
        raise UserError("standard input is not UTF-8 text; convert it to UTF-8 and try again") from None
    text = text.removeprefix(BOM).replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        raise UserError(f"standard input is binary, not text; {give}")
    return text
