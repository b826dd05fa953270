"""How a training run does its arithmetic: the dtype its weights are kept in, and the dtype autocast computes in.

Mixed precision (`bf16-mixed`) keeps the weights and AdamW's state in fp32 and runs the forward pass in bf16
under autocast, so every update lands in full precision. Pure `bf16` weights would round away the small
late-schedule updates: bf16 holds 8 significant bits, so a weight of 0.05 cannot move by less than about 2e-4.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass

import torch

from poetstudio.errors import UserError

NAMES = ("auto", "fp32", "bf16", "fp16", "bf16-mixed")
_PURE = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


@dataclass(frozen=True)
class Precision:
    """Weights in `weights`; the forward pass under autocast to `compute`, or in the weights' dtype when None."""

    weights: torch.dtype
    compute: torch.dtype | None = None

    def autocast(self, device: torch.device) -> AbstractContextManager:
        """The context a forward pass runs in (a no-op without a compute dtype)."""
        return torch.autocast(device.type, dtype=self.compute or self.weights, enabled=self.compute is not None)

    @property
    def name(self) -> str:
        """Its name as a recipe writes it (fp32, bf16, fp16, bf16-mixed): what the metadata and checkpoints record."""
        if self.compute is not None:
            return "bf16-mixed"
        return next(name for name, dtype in _PURE.items() if dtype == self.weights)


AMPERE = 8  # CUDA compute capability from which bf16 tensor cores exist (A100, RTX 30xx, H100); older cards emulate it


def native_bf16(device: torch.device) -> bool:
    """Whether bf16 matrix products run natively here: a bf16-capable CUDA card, or a CPU with AVX512-BF16 or
    AMX (where bf16-mixed trained the shipped base at 1.7x-1.8x fp32's tokens per second, bench/README.md).
    The CPU probes are torch's private helpers, so a torch without them reads as no."""
    if device.type == "cuda":
        return torch.cuda.get_device_capability(device)[0] >= AMPERE  # is_bf16_supported() counts emulation
    if device.type == "cpu":
        probes = [getattr(torch.cpu, name, None) for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
        return any(bool(probe()) for probe in probes if probe is not None)
    return False


def pick_precision(name: str, device: torch.device, mode: str) -> Precision:
    """The precision named, or for 'auto': bf16-mixed where bf16 is native, except a LoRA run on CUDA, whose
    frozen base is simply held in bf16 (peft keeps the adapter's own weights in fp32); fp32 elsewhere."""
    if name not in NAMES:
        raise UserError(f"unknown dtype '{name}'; use one of {', '.join(NAMES)}")
    if name in ("bf16", "bf16-mixed") and device.type == "cuda" and not native_bf16(device):
        raise UserError(f"dtype '{name}' needs a GPU with bf16 (this one has none); use --dtype fp32 or auto")
    if name == "bf16-mixed":
        return Precision(torch.float32, torch.bfloat16)
    if name != "auto":
        return Precision(_PURE[name])
    if not native_bf16(device):
        return Precision(torch.float32)
    if device.type == "cuda" and mode == "lora":
        return Precision(torch.bfloat16)
    return Precision(torch.float32, torch.bfloat16)
