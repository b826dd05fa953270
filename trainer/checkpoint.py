"""Resumable checkpoints without pickle: tensors in safetensors, everything else in JSON, swapped in atomically."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

CHECKPOINT_DIR = "checkpoint"


@dataclass
class TrainState:
    """Counters of a run that a resume must restore."""

    step: int = 0
    best_loss: float = float("inf")
    bad_evals: int = 0
    tokens_seen: int = 0
    elapsed_s: float = 0.0
    best_per_poet: dict[str, float] = field(default_factory=dict)
    history: list[dict] = field(default_factory=list)


def trainable_state(model) -> dict[str, torch.Tensor]:
    """The parameters being trained (LoRA weights, or the whole model from scratch), by name."""
    return {name: p.detach().contiguous().cpu() for name, p in model.named_parameters() if p.requires_grad}


def _optimizer_tensors(optimizer) -> tuple[dict[str, torch.Tensor], dict]:
    state = optimizer.state_dict()
    tensors = {}
    for param_id, slots in state["state"].items():
        for slot, value in slots.items():
            tensors[f"opt.{param_id}.{slot}"] = (value if torch.is_tensor(value) else torch.tensor(value)).cpu()
    return tensors, {"param_groups": state["param_groups"]}


def _restore_optimizer(optimizer, tensors: dict[str, torch.Tensor], groups: dict) -> None:
    state: dict[int, dict] = {}
    for key, value in tensors.items():
        if key.startswith("opt."):
            _, param_id, slot = key.split(".", 2)
            state.setdefault(int(param_id), {})[slot] = value
    optimizer.load_state_dict({"state": state, "param_groups": groups["param_groups"]})


def save_checkpoint(output: Path, model, optimizer, scheduler, state: TrainState, config: dict) -> Path:
    """Write a complete checkpoint next to the old one, then swap it in, so a crash never leaves a broken one."""
    final = output / CHECKPOINT_DIR
    fresh = output / f"{CHECKPOINT_DIR}.new"
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True)
    opt_tensors, opt_groups = _optimizer_tensors(optimizer)
    tensors = {f"model.{k}": v for k, v in trainable_state(model).items()}
    tensors.update(opt_tensors)
    tensors["rng.torch"] = torch.get_rng_state()
    if torch.cuda.is_available() and torch.cuda.is_initialized():  # dropout on CUDA draws from the GPU's generator
        tensors["rng.cuda"] = torch.cuda.get_rng_state()
    save_file(tensors, fresh / "state.safetensors")
    meta = {
        "state": state.__dict__,
        "optimizer": opt_groups,
        "scheduler": scheduler.state_dict(),
        "config": config,
    }
    (fresh / "trainer_state.json").write_text(json.dumps(meta, indent=1, default=float))
    old = output / f"{CHECKPOINT_DIR}.old"
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    fresh.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    return final


def find_checkpoint(output: Path) -> Path | None:
    """The newest complete checkpoint in an output folder, if any."""
    for name in (CHECKPOINT_DIR, f"{CHECKPOINT_DIR}.old"):
        candidate = output / name
        if (candidate / "trainer_state.json").exists() and (candidate / "state.safetensors").exists():
            return candidate
    return None


def load_checkpoint(path: Path, model, optimizer, scheduler) -> tuple[TrainState, dict]:
    """Restore model, optimizer, scheduler and RNG from a checkpoint; return its counters and saved config."""
    tensors = load_file(path / "state.safetensors")
    meta = json.loads((path / "trainer_state.json").read_text())
    weights = {k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")}
    params = dict(model.named_parameters())
    with torch.no_grad():
        for name, value in weights.items():
            params[name].copy_(value.to(params[name].device, params[name].dtype))
    settings = [{k: v for k, v in group.items() if k != "params"} for group in optimizer.param_groups]
    _restore_optimizer(optimizer, tensors, meta["optimizer"])
    for group, kept in zip(optimizer.param_groups, settings):
        group.update(kept)  # this run's --lr, weight decay, betas: the checkpoint's would silently win
    scheduler.load_state_dict(meta["scheduler"])
    scheduler.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
    follow_schedule(optimizer, scheduler)
    torch.set_rng_state(tensors["rng.torch"])
    if "rng.cuda" in tensors and torch.cuda.is_available():
        torch.cuda.set_rng_state(tensors["rng.cuda"])
    return TrainState(**meta["state"]), meta["config"]


def follow_schedule(optimizer, scheduler) -> None:
    """Set each parameter group's learning rate to what this run's schedule gives at the restored step.

    The optimizer's saved rate is the one the checkpointed run's schedule set after its last step; a resume
    with another max_steps, another peak rate (--lr) or a budget fitted anew has another cosine, and the next
    step must use it, as a run that never stopped would (the scheduler only recomputes the rate after that
    step).
    """
    for group, base, factor in zip(optimizer.param_groups, scheduler.base_lrs, scheduler.lr_lambdas):
        group["lr"] = base * factor(scheduler.last_epoch)
    scheduler._last_lr = [group["lr"] for group in optimizer.param_groups]  # what get_last_lr() reports
