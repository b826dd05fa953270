"""How a model name is looked up: a local folder offline, anything else as a hub id."""

from __future__ import annotations

from pathlib import Path


def source_kwargs(name: str) -> dict:
    """`from_pretrained` keyword arguments: local folders load with no network at all."""
    return {"local_files_only": True} if Path(name).is_dir() else {}


def looks_like_hub_id(name: str) -> bool:
    """True for 'org/name' ids (not paths)."""
    return name.count("/") == 1 and not name.startswith((".", "/", "~"))
