"""Replace a small text file whole: what the user or the trainer wrote is the old file or the new, never half."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_text_atomic(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to a temporary file beside `path`, flush it to disk, and rename it over `path`; on
    any failure the temporary file is removed and `path` is left as it was. Creates `path`'s folder. Each
    write has its own temporary name, so two processes writing at once never rename each other's half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle_number, name = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    temporary = Path(name)
    try:
        with open(handle_number, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
