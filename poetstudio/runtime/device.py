"""Where a model runs and in which dtype, for generation and training alike."""

from __future__ import annotations

import torch

from poetstudio.errors import UserError

DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


def pick_device(name: str = "auto") -> torch.device:
    """'auto' picks CUDA, then Apple MPS, then the CPU."""
    if name != "auto":
        if name.startswith("cuda") and not torch.cuda.is_available():
            raise UserError("--device cuda asked for, but torch sees no CUDA GPU; use --device cpu or auto")
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def pick_dtype(name: str, device: torch.device) -> torch.dtype:
    """'auto' is bf16 on CUDA (where it is supported) and fp32 elsewhere; otherwise one of DTYPES' names."""
    if name != "auto":
        return DTYPES[name]
    if device.type == "cuda" and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return torch.float32
