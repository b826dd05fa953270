"""The weight format a blend decodes in, timed once on this machine and remembered, so a seed writes the same
poem in every process.

The decode loop keeps weights for several rows in whichever format this CPU multiplies fastest
(`fast_llama.fastest_batch_format`, about 30 ms of timing). Formats round differently, so the choice decides
the poem a seed writes; timed afresh in each process, a passing load now and then picked another format and
the same seed and settings wrote another poem. The choice is now kept in the user cache
(`paths.weight_formats_path()`, JSON: a key naming the torch version, thread count, weight shape and dtype,
and the format's name) and timed again only for a key it lacks, so a different thread count
(`[model] threads`) is timed afresh and may choose, and round, differently; delete the file to time afresh.
A file that cannot be read or written costs nothing but the timing.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path

import torch

from poetstudio.atomic_file import write_text_atomic
from poetstudio.engine.fast_llama import BATCH_FORMATS, WeightFormat, fastest_batch_format


def format_key(weight: torch.Tensor) -> str:
    """What the timing depends on: the machine's architecture, torch, its threads and the weight's shape and dtype."""
    shape = "x".join(str(n) for n in weight.shape)
    return f"{platform.machine()} torch {torch.__version__} threads {torch.get_num_threads()} {shape} {weight.dtype}"


def read_formats(path: Path) -> dict[str, str]:
    """The remembered formats by key; {} when the file is missing or not a JSON object of strings."""
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(found, dict):
        return {}
    return {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, str)}


def by_name(name: str) -> WeightFormat | None:
    """The available batch format called `name` (str(WeightFormat)), or None."""
    return next((form for form in BATCH_FORMATS if str(form) == name and form.available()), None)


def remembered_batch_format(weight: torch.Tensor, path: Path) -> WeightFormat:
    """The format remembered in `path` for this weight; else timed now and remembered there (a file that cannot
    be written is left as it is)."""
    key = format_key(weight)
    known = read_formats(path)
    remembered = by_name(known.get(key, ""))
    if remembered is not None:
        return remembered
    chosen = fastest_batch_format(weight)
    known = read_formats(path)  # read again: another process may have timed meanwhile, and its choice stands
    if by_name(known.get(key, "")) is not None:
        return by_name(known[key])
    try:
        write_text_atomic(path, json.dumps({**known, key: str(chosen)}, indent=1, sort_keys=True) + "\n")
    except OSError:
        pass
    return chosen
