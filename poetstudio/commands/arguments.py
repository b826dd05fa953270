"""Checks that `generate`, `analyze` and the studio make of their model arguments before anything loads: the
adapter folder, the blend's poets and the mood against the adapter's metadata (read as the engine will read it,
without torch), and the device asked for."""

from __future__ import annotations

import argparse
import copy
from collections.abc import Mapping
from pathlib import Path

from poetstudio.config import Config, apply_overrides
from poetstudio.errors import UserError
from poetstudio.model_info import (
    METADATA_FILE,
    ModelCard,
    adapter_folder_problem,
    card_from_metadata,
    read_base_metadata,
    read_metadata,
)
from poetstudio.model_source import looks_like_hub_id
from poetstudio.model_spec import ModelSpec

MODEL_FLAGS = ("quantize", "blend_mode", "balance")
"""Flags that set the [model] field of the same name (--model, --adapter and --device go by apply_overrides)."""
SAMPLING_FLAGS = {"temperature": "temperature", "top_p": "top_p", "top_k": "top_k",
                  "max_new_tokens": "max_new_tokens", "repetition_penalty": "repetition_penalty",
                  "word_repeats": "word_repeats", "echo_penalty": "echo_penalty", "strength": "strength",
                  "n": "variations"}
"""Flag (argparse dest) -> [sampling] field it overrides; a flag left out (None) keeps the file's value."""
SWITCHES_OFF = {"any_words": "real_words", "any_lines": "tidy_lines"}
"""Flags that turn a [sampling] switch off when given."""


def settings_of(args: argparse.Namespace) -> Config:
    """The one settings model a command works from: the config file as `main` read it (the defaults where there
    is none), with every flag this command was given laid over it. The flags are checked by the command itself
    (each names its flag); the file's values were checked when it was read."""
    config = copy.deepcopy(getattr(args, "settings", None) or Config())
    apply_overrides(config, getattr(args, "model", None), getattr(args, "adapter", None),
                    getattr(args, "device", None))
    for name in MODEL_FLAGS:
        if getattr(args, name, None) is not None:
            setattr(config.model, name, getattr(args, name))
    for flag, name in SAMPLING_FLAGS.items():
        if getattr(args, flag, None) is not None:
            setattr(config.sampling, name, getattr(args, flag))
    for flag, name in SWITCHES_OFF.items():
        if getattr(args, flag, False):
            setattr(config.sampling, name, False)
    return config


def check_adapter(adapter: str | None) -> None:
    """A one-line UserError for an --adapter named as a folder that does not exist (or is a file); a hub id
    ('org/name') is left to the loader."""
    if not adapter or looks_like_hub_id(adapter):
        return
    problem = adapter_folder_problem(adapter)
    if problem is not None:
        raise UserError(problem)


def card_before_loading(spec: ModelSpec) -> ModelCard:
    """The card the engine will make once the model is loaded, from the same metadata (the adapter folder's
    poetstudio.json, {} for a hub adapter or a folder without one; the base folder's authors), read now."""
    check_adapter(spec.adapter)
    meta_file = Path(spec.adapter) / METADATA_FILE if spec.adapter else None
    metadata = read_metadata(meta_file) if meta_file is not None and meta_file.is_file() else {}
    return card_from_metadata(metadata, Path(spec.adapter) if spec.adapter else None,
                              read_base_metadata(spec.base_folder))


def check_blend(card: ModelCard, blend: Mapping[str, float]) -> None:
    """A one-line UserError for a blend the model cannot write (an unknown or unavailable poet, a bad weight)."""
    card.resolve(blend)


def check_device(name: str) -> None:
    """A one-line UserError for --device cuda or mps where torch has none (imports torch, loads no model)."""
    if name not in ("cuda", "mps"):
        return
    import torch

    present = torch.cuda.is_available() if name == "cuda" else torch.backends.mps.is_available()
    if not present:
        what = "CUDA GPU" if name == "cuda" else "Apple MPS device"
        raise UserError(f"--device {name} asked for, but torch sees no {what} here; use --device cpu or auto")
