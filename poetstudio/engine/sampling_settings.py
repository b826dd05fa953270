"""Sampling settings as plain data; the defaults are the published Poetry Fusion model's."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sampling:
    """Temperature, nucleus and top-k filtering, length, repetition penalty and seed."""

    temperature: float = 0.8
    top_p: float = 0.85
    top_k: int = 40
    max_new_tokens: int = 256
    repetition_penalty: float = 1.0
    seed: int | None = None
