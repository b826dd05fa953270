"""Where a model runs, for generation and training alike (the trainer's precision: trainer.precision)."""

from __future__ import annotations

import os

import torch

from poetstudio.errors import UserError

TORCH_DEFAULT_THREADS = torch.get_num_threads()  # read at import, before the engine sets its own count


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


def usable_cores() -> int:
    """The cores a poem is decoded on by default: OMP_NUM_THREADS where it is set, else the fewer of the CPUs
    this process may run on (its affinity, where the OS tells it) and torch's own default (the physical cores:
    a second hyperthread on a core adds nothing to a memory-bound decode and takes time from the studio)."""
    asked = os.environ.get("OMP_NUM_THREADS", "")
    if asked.isdigit() and int(asked) > 0:
        return int(asked)
    try:
        allowed = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no affinity call
        allowed = os.cpu_count() or 1
    return max(1, min(allowed, TORCH_DEFAULT_THREADS))


def decode_threads(asked: int, spare: int = 0) -> int:
    """The threads a poem is decoded on: `asked`, or for 0 (`[model] threads`) `usable_cores()` less `spare`
    (at least one): the studio spares a core for the screen, which on two cores keeps a keystroke's p95 at
    35 ms where decoding on both took it to 66 ms (bench/ui.py)."""
    if asked < 0:
        raise UserError(f"threads must be 0 (every core) or more, not {asked}")
    return asked if asked > 0 else max(1, usable_cores() - spare)
