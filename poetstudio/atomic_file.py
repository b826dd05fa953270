"""Replace a small text file whole: what the user or the trainer wrote is the old file or the new, never half.

A write that fails (disk full, read-only folder, no permission, no folder that can be made) is a FileWriteError
whose message says in one line what went wrong and what to do (`write_problem`)."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from poetstudio.errors import FileWriteError

FULL = (errno.ENOSPC, errno.EDQUOT)
READ_ONLY = (errno.EROFS,)
REFUSED = (errno.EACCES, errno.EPERM)
IN_THE_WAY = (errno.ENOTDIR, errno.EEXIST)


def write_problem(exc: OSError, path: Path, where: str | None = None) -> str:
    """Why `path` could not be written, and what to do, in one line (after 'could not write PATH: '); `where`
    names the place written when it is not a file's folder (standard output)."""
    number = exc.errno
    place = where or str(exc.filename or path.parent)
    if number in FULL:
        return "the disk is full (or over its quota); free some space and try again"
    if number in READ_ONLY:
        return "its file system is read-only; choose a folder on a writable disk"
    if number in REFUSED:
        return f"permission denied ({place} cannot be written); make it writable or choose another folder"
    if number in IN_THE_WAY:
        return f"its folder {path.parent} cannot be made (a file is in the way); move that file or choose another"
    return f"{exc.strerror or exc}; check the disk and {place}"


def write_error(exc: OSError, path: Path) -> FileWriteError:
    """The one-line FileWriteError for an OSError met while writing `path` (kept with its errno)."""
    if isinstance(exc, FileWriteError):
        return exc
    return FileWriteError(f"could not write {path}: {write_problem(exc, path)}", exc.errno)


def write_text_atomic(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to a temporary file beside `path`, flush it to disk, and rename it over `path`; on
    any failure the temporary file is removed and `path` is left as it was (an OSError comes back as a
    one-line FileWriteError). Creates `path`'s folder. Each write has its own temporary name, so two processes
    writing at once never rename each other's half."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle_number, name = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise write_error(exc, path) from None
    temporary = Path(name)
    try:
        with open(handle_number, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException as exc:
        temporary.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise write_error(exc, path) from None
        raise
