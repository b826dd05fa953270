"""The metadata file written beside every trained model or adapter: what it is and how it was made."""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path

from poetstudio import __version__
from poetstudio.prompt_format import FORMAT_VERSION

METADATA_FILE = "poetstudio.json"


def write_metadata(output: Path, **fields) -> Path:
    """Write poetstudio.json with the prompt-format version, tool version and the given fields."""
    meta = {
        "poetstudio_version": __version__,
        "prompt_format_version": FORMAT_VERSION,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "host": platform.machine(),
        **fields,
    }
    path = output / METADATA_FILE
    path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    return path
