"""The training loop, top to bottom: prepare, then step / evaluate / keep the best / checkpoint, then finish.

One loop serves both jobs: fine-tuning a LoRA adapter on a base model, and training a small base model
from scratch. Runs under `torchrun` / `accelerate launch` are data parallel (each rank takes every
world-th batch row; gradients are averaged by DistributedDataParallel).
"""

from __future__ import annotations

import math
import os
import random
import shutil
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from rich.console import Console
from transformers.utils import logging as hf_logging

from poetstudio.corpus.vocabulary import write_word_list
from poetstudio.errors import UserError
from poetstudio.model_source import parse_source
from poetstudio.prompt_format import HEADER, IGNORE_INDEX, poet_rows
from poetstudio.runtime.device import pick_device
from poetstudio.runtime.padding import right_pad
from trainer.checkpoint import (
    TrainState,
    find_checkpoint,
    load_checkpoint,
    save_checkpoint,
)
from trainer.config import TrainConfig, run_format
from trainer.data import NO_POET, ContrastItem, Rows, batch_at
from trainer.dataset import Dataset, book_verse, build_dataset, general_texts, read_split
from trainer.metadata import write_metadata
from trainer.modeling import (
    add_lora,
    continued_model,
    load_base_model,
    load_tokenizer,
    new_scratch_model,
)
from trainer.precision import Precision, pick_precision
from trainer.pretrain_data import pretrain_corpus, pretrain_dataset, tokenizer_texts
from trainer.progress import TrainProgress
from trainer.shipping import name_base_portably
from trainer.throughput import utilisation
from trainer.tokenizer_build import train_tokenizer

hf_logging.disable_progress_bar()

BUDGET_PROBE_STEPS = 20  # steps timed before a budget-sized schedule is fixed: past warm-up noise and compilation
GRAD_CLIP_NORM = 1.0  # the usual clip for transformer training; guards the first steps of a fresh model


@dataclass
class Distributed:
    """Where this process sits in a data-parallel run (a single process is rank 0 of 1)."""

    rank: int = 0
    world: int = 1

    @property
    def main(self) -> bool:
        """Only the main process writes files and draws progress."""
        return self.rank == 0


@dataclass
class TrainResult:
    """What a finished (or stopped) run reports."""

    output: Path
    steps: int
    best_heldout_loss: float
    heldout_per_poet: dict[str, float]
    train_loss: float
    tokens_per_s: float
    wall_s: float
    stopped_early: bool
    interrupted: bool
    model_flops_per_s: float = 0.0
    model_flops_utilisation: float | None = None


def setup_distributed(device: torch.device) -> tuple[Distributed, torch.device]:
    """Join the process group when launched by torchrun/accelerate (WORLD_SIZE > 1)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Distributed(), device
    rank, local = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    backend = "nccl" if device.type == "cuda" else "gloo"
    torch.distributed.init_process_group(backend=backend)
    if device.type == "cuda":
        device = torch.device("cuda", local)
        torch.cuda.set_device(device)
    return Distributed(rank, world), device


def agree(flag: bool, dist: Distributed, device) -> bool:
    """True on every rank if it is true on any: ranks whose clocks disagree must still evaluate (a collective)
    and stop at the same step, or the others wait for them for ever."""
    if dist.world <= 1:
        return flag
    value = torch.tensor([1.0 if flag else 0.0], device=device)
    torch.distributed.all_reduce(value, op=torch.distributed.ReduceOp.MAX)
    return bool(value.item())


def lr_lambda(config: TrainConfig):
    """Linear warm-up, then cosine decay to min_lr_ratio of the peak by max_steps."""
    def factor(step: int) -> float:
        if step < config.warmup_steps:
            return (step + 1) / config.warmup_steps
        progress = min(1.0, (step - config.warmup_steps) / max(1, config.max_steps - config.warmup_steps))
        return config.min_lr_ratio + (1 - config.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress))
    return factor


FULL = Precision(torch.float32)  # what a caller that names no precision gets: the weights' own dtype


def token_losses(model, batch: Rows, device: torch.device, precision: Precision = FULL,
                 across_documents: bool = False) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per-token next-token losses of a packed batch, with the labels and poets they belong to.

    Each packed example attends only to itself (its positions restart at 0), unless `across_documents`: then a
    row is one causal sequence, as in GPT-2's pretraining, which runs the fast causal attention kernel instead
    of a block mask. The labels are shifted left (not the logits), so the large logits tensor is never copied.
    The forward pass runs under the run's autocast; the losses are taken in fp32.
    """
    inputs = batch.input_ids.to(device)
    positions = None if across_documents else batch.position_ids.to(device)
    with precision.autocast(device):
        logits = model(input_ids=inputs, position_ids=positions, use_cache=False).logits
    labels = torch.cat([batch.labels[:, 1:], batch.labels.new_full((len(batch), 1), -100)], dim=1).to(device)
    poets = torch.cat([batch.poets[:, 1:], batch.poets.new_full((len(batch), 1), NO_POET)], dim=1).to(device)
    flat = logits.reshape(-1, logits.shape[-1])
    flat = flat if flat.dtype == torch.float32 else flat.float()
    losses = F.cross_entropy(flat, labels.reshape(-1), reduction="none")
    return losses.view_as(labels), labels, poets


def contrast_batch(tokenizer, items: list[ContrastItem], poets: list[str], config: TrainConfig, step: int,
                   rank: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """`contrast_poems` training poems, each written out under its own poet and `contrast_negatives` others:
    right-padded (ids, attention mask, labels on the poem only); rows come in groups, the true poet first."""
    rng = random.Random((config.seed * 1_000_003 + step) * 64 + rank)
    negatives = min(config.contrast_negatives, len(poets) - 1)
    rows, starts = [], []
    for item in rng.sample(items, min(config.contrast_poems, len(items))):
        others = rng.sample([i for i in range(len(poets)) if i != item.poet], negatives)
        group, group_starts = poet_rows(tokenizer, item.body, [poets[p] for p in [item.poet, *others]],
                                        item.title, item.mood, fmt=run_format(config, tokenizer))
        rows += group
        starts += group_starts
    ids, mask = right_pad(rows, tokenizer.pad_token_id or 0)
    target = torch.full_like(ids, IGNORE_INDEX)
    for i, (row, start) in enumerate(zip(rows, starts)):
        target[i, start : len(row)] = torch.tensor(row[start:])
    return ids, mask, target


def contrast_loss(model, ids: torch.Tensor, mask: torch.Tensor, target: torch.Tensor, group: int,
                  device, precision: Precision = FULL) -> torch.Tensor:
    """Cross-entropy of picking each poem's own poet from its group by the poem's log-likelihood under each:
    the term that makes the poets' conditionings tell apart what they wrote."""
    with precision.autocast(device):
        logits = model(input_ids=ids.to(device), attention_mask=mask.to(device), use_cache=False).logits
    shifted = torch.cat([target[:, 1:], target.new_full((len(target), 1), IGNORE_INDEX)], dim=1).to(device)
    losses = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), shifted.reshape(-1), reduction="none")
    loglik = -losses.view_as(shifted).sum(dim=1).view(-1, group)
    return F.cross_entropy(loglik, torch.zeros(len(loglik), dtype=torch.long, device=device))


def train_step(model, optimizer, scheduler, data: Dataset, config: TrainConfig, state: TrainState, device, dist,
               tokenizer=None, precision: Precision = FULL) -> float:
    """One optimizer step over grad_accum micro-batches (plus the poet contrast when its weight is set);
    returns the mean token loss."""
    model.train()
    rows = data.train
    total_loss, total_tokens = 0.0, 0
    for micro in range(config.grad_accum):
        batch = batch_at(rows, config.batch_size * dist.world, state.step * config.grad_accum + micro, config.seed)
        batch = batch.select(slice(dist.rank, None, dist.world))
        losses, labels, _ = token_losses(model, batch, device, precision, config.cross_document_attention)
        mask = labels != -100
        count = int(mask.sum())
        loss = losses[mask].sum() / max(1, count) / config.grad_accum
        loss.backward()
        total_loss += float(losses[mask].detach().sum())
        total_tokens += count
    if config.contrast_weight > 0 and data.contrast and len(data.poets) > 1:
        ids, mask, target = contrast_batch(tokenizer, data.contrast, data.poets, config, state.step, dist.rank)
        group = 1 + min(config.contrast_negatives, len(data.poets) - 1)
        (config.contrast_weight * contrast_loss(model, ids, mask, target, group, device, precision)).backward()
    torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], GRAD_CLIP_NORM)
    optimizer.step()
    scheduler.step()
    optimizer.zero_grad(set_to_none=True)
    state.tokens_seen += config.seq_len * config.batch_size * config.grad_accum * dist.world
    return total_loss / max(1, total_tokens)


@torch.no_grad()
def evaluate(model, rows: Rows, poets: list[str], config: TrainConfig, device, dist,
             precision: Precision = FULL) -> tuple[float, dict[str, float]]:
    """Held-out loss per token, overall and per poet (sums gathered over ranks), each packed document read on
    its own. The loop evaluates in the weights' own precision (no autocast), so held-out losses compare across
    runs and resumes of any precision."""
    model.eval()
    n_poets = len(poets)
    sums = torch.zeros(n_poets + 1, dtype=torch.float64, device=device)
    counts = torch.zeros(n_poets + 1, dtype=torch.float64, device=device)
    limit = len(rows) if config.eval_batches <= 0 else min(len(rows), config.eval_batches * config.batch_size)
    for start in range(dist.rank * config.batch_size, limit, config.batch_size * dist.world):
        losses, labels, poet_ids = token_losses(model, rows.select(slice(start, start + config.batch_size)), device,
                                                precision)
        mask = labels != -100
        slot = torch.where(poet_ids == NO_POET, n_poets, poet_ids)
        sums.index_add_(0, slot[mask], losses[mask].double())
        counts.index_add_(0, slot[mask], torch.ones_like(losses[mask], dtype=torch.float64))
    if dist.world > 1:
        torch.distributed.all_reduce(sums)
        torch.distributed.all_reduce(counts)
    overall = float(sums.sum() / counts.sum().clamp(min=1))
    per_poet = {poets[i]: float(sums[i] / counts[i]) for i in range(n_poets) if counts[i] > 0}
    return overall, per_poet


def save_best(model, tokenizer, output: Path, config: TrainConfig) -> None:
    """Save the current weights as the run's result: a whole model (scratch), or an adapter that carries its
    base's tokenizer and names its base portably (trainer.shipping)."""
    target = model.module if hasattr(model, "module") else model
    target.save_pretrained(output)
    tokenizer.save_pretrained(output)
    if config.mode != "scratch":
        name_base_portably(output, config.base_model)


def prepare_model_and_tokenizer(config: TrainConfig, device, dtype, texts_for_tokenizer, resume: bool = False):
    """Scratch: a new tokenizer (the run's own on resume) and model, or with `init_from` a saved model and its
    tokenizer whose pretraining goes on. LoRA: the base's tokenizer, plus an adapter."""
    if config.mode == "scratch" and config.init_from:
        return continued_model(config, device, dtype), load_tokenizer(config.init_from)
    if config.mode == "scratch":
        saved = Path(config.output) / "tokenizer.json"
        if resume and saved.exists():
            tokenizer = load_tokenizer(config.output)
        else:
            tokenizer = train_tokenizer(texts_for_tokenizer(), config.vocab_size)
        return new_scratch_model(config, tokenizer).to(device=device, dtype=dtype), tokenizer
    tokenizer = load_tokenizer(config.base_model)
    return add_lora(load_base_model(config, device, dtype), config), tokenizer


RUN_FILES = ("poetstudio.json", "checkpoint", "checkpoint.old", "adapter_config.json", "config.json")
"""What marks a folder as a poetstudio run's own: a later run may write over it (or resume it)."""


def check_output_folder(output: Path) -> None:
    """Refuse an --output that is a file, or a folder holding a person's own files: a run writes README.md (the
    model card), weights and checkpoints there and would overwrite theirs."""
    if output.exists() and not output.is_dir():
        raise UserError(f"--output {output} is a file; give a folder for the run (a new or empty one)")
    if output.is_dir() and any(output.iterdir()) and not any((output / name).exists() for name in RUN_FILES):
        raise UserError(f"--output {output} holds files that are not a poetstudio run; give a new or empty folder "
                        "(a run writes README.md, weights and checkpoints there)")


def train(config: TrainConfig, resume: bool = False, console=None) -> TrainResult:
    """Run training as configured; Ctrl-C saves a checkpoint that `resume=True` continues from."""
    output = Path(config.output)
    check_output_folder(output)
    if output.exists() and any(output.iterdir()) and not resume and find_checkpoint(output) is not None:
        raise UserError(f"{output} holds a checkpoint already; add --resume to continue it or pick a new --output")
    torch.manual_seed(config.seed)
    device = pick_device(config.device)
    dist, device = setup_distributed(device)
    precision = pick_precision(config.dtype, device, config.mode)
    dtype = precision.weights
    report, split = read_split(config)
    if config.mode == "scratch" and config.prompt_format == "auto":
        config.prompt_format = HEADER  # a scratch tokenizer has no chat template
    if config.general_corpus and config.mode == "scratch":
        cleaned = pretrain_corpus(config, split)
        model, tokenizer = prepare_model_and_tokenizer(config, device, dtype, lambda: tokenizer_texts(cleaned), resume)
        data = pretrain_dataset(config, tokenizer, report, split, cleaned)
        if dist.main:
            Path(config.output).mkdir(parents=True, exist_ok=True)
            write_word_list(config.output, data.words)
    else:
        blocks = general_texts(config, split.heldout)
        model, tokenizer = prepare_model_and_tokenizer(
            config, device, dtype, lambda: [p.text for p in split.train] + blocks, resume
        )
        config.prompt_format = run_format(config, tokenizer)
        data = build_dataset(config, tokenizer, report, split, blocks, book_verse(config, split))
        if dist.main and data.words is not None:
            Path(config.output).mkdir(parents=True, exist_ok=True)
            write_word_list(config.output, data.words)
    if len(data.train) == 0:
        raise UserError("the corpus gave no training examples; check --corpus")
    if dist.main:
        (console or Console(stderr=True)).print(
            f"{len(data.poets)} poets, {len(data.train)} train rows and {len(data.heldout)} held-out rows of "
            f"{config.seq_len} tokens, {data.general_blocks} general-verse blocks, {len(data.skipped)} rows skipped; "
            f"{sum(p.numel() for p in model.parameters() if p.requires_grad):,} trainable parameters on {device}"
        )
    if dist.world > 1:
        model = torch.nn.parallel.DistributedDataParallel(model)
    if config.compile:
        model.compile()  # in place: the state dict keeps its names, so saving and checkpoints are unchanged
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=config.lr, weight_decay=config.weight_decay, betas=(0.9, 0.95),
                                  fused=device.type == "cuda")
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda(config))
    state = TrainState()
    if resume:
        checkpoint = find_checkpoint(output)
        if checkpoint is None:
            raise UserError(f"no checkpoint in {output} to resume; drop --resume to start fresh")
        state, saved = load_checkpoint(checkpoint, model, optimizer, scheduler)
        if dist.main and saved.get("precision", precision.name) != precision.name:
            (console or Console(stderr=True)).print(
                f"note: resuming in {precision.name}; the checkpoint was written in {saved['precision']}")
    if dist.main:
        output.mkdir(parents=True, exist_ok=True)
    try:
        return run_loop(config, model, tokenizer, optimizer, scheduler, data, state, device, dist, console, precision)
    finally:
        if dist.world > 1:
            torch.distributed.barrier()  # leave together: a rank that tears down first can strand the others
            torch.distributed.destroy_process_group()


def run_settings(config: TrainConfig, precision: Precision) -> dict:
    """What a checkpoint records of the run: every setting, and the precision 'auto' resolved to here."""
    return {**config.to_dict(), "precision": precision.name}


def fit_schedule_to_budget(config: TrainConfig, state: TrainState, seconds_per_step: float) -> None:
    """Size the run to `budget_minutes` of wall clock: once the first steps are timed, max_steps becomes the
    step the budget runs out at (never more than the recipe's), and the cosine decay, which reads max_steps,
    ends there, so a fixed budget still ends on a fully decayed learning rate."""
    remaining = config.budget_minutes * 60 - state.elapsed_s
    config.max_steps = max(state.step + 1, min(config.max_steps, state.step + int(remaining / seconds_per_step)))


class StopOnSigterm:
    """While training, SIGTERM (`kill PID`, a job scheduler's stop; a run started in the background with
    `nohup ... &` ignores Ctrl-C's SIGINT) asks the loop to stop after the step in hand, on every rank
    together, with a checkpoint. The first SIGTERM puts the previous handler back, so a second one stops a
    run that hangs as before. Only the main thread can take signals; elsewhere it never fires."""

    def __init__(self):
        self.requested = False
        self._previous = None

    def _on_sigterm(self, signum, frame) -> None:
        self.requested = True
        signal.signal(signal.SIGTERM, self._previous)

    def __enter__(self) -> StopOnSigterm:
        if threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGTERM, self._on_sigterm)
            self._previous = previous if previous is not None else signal.SIG_DFL  # None: set from C
        return self

    def __exit__(self, *exc) -> None:
        if self._previous is not None and signal.getsignal(signal.SIGTERM) == self._on_sigterm:
            signal.signal(signal.SIGTERM, self._previous)


def run_loop(config, model, tokenizer, optimizer, scheduler, data: Dataset, state: TrainState, device, dist,
             console, precision: Precision = FULL) -> TrainResult:
    """Step until max_steps, the time limit, early stop, or Ctrl-C (or SIGTERM); evaluate, keep the best,
    checkpoint."""
    output = Path(config.output)
    started = time.perf_counter() - state.elapsed_s
    tokens_at_start, clock_at_start, steps_at_start = state.tokens_seen, time.perf_counter(), state.step
    train_loss, stopped_early, interrupted = float("nan"), False, False
    last_eval: dict[str, float] = {}
    progress = TrainProgress(config.max_steps, state.step, enabled=dist.main, console=console)
    try:
        with progress, StopOnSigterm() as sigterm:
            while state.step < config.max_steps:
                train_loss = train_step(model, optimizer, scheduler, data, config, state, device, dist, tokenizer,
                                        precision)
                state.step += 1
                state.elapsed_s = time.perf_counter() - started
                rate = (state.tokens_seen - tokens_at_start) / max(1e-9, time.perf_counter() - clock_at_start)
                progress.update(state.step, train_loss, rate)
                if agree(sigterm.requested, dist, device):
                    interrupted = True
                    if dist.main:
                        save_checkpoint(output, model, optimizer, scheduler, state, run_settings(config, precision))
                    break
                if state.step - steps_at_start == BUDGET_PROBE_STEPS and config.budget_minutes > 0:
                    fit_schedule_to_budget(config, state, (time.perf_counter() - clock_at_start) / BUDGET_PROBE_STEPS)
                    progress.retotal(config.max_steps)
                out_of_time = agree(config.max_minutes > 0 and state.elapsed_s > config.max_minutes * 60, dist, device)
                if state.step % config.eval_every == 0 or state.step == config.max_steps or out_of_time:
                    heldout, last_eval = evaluate(model, data.heldout, data.poets, config, device, dist)
                    state.history.append({"step": state.step, "train_loss": train_loss, "heldout_loss": heldout})
                    progress.evaluated(state.step, heldout, last_eval)
                    if heldout < state.best_loss or len(data.heldout) == 0:
                        state.best_loss, state.bad_evals, state.best_per_poet = heldout, 0, last_eval
                        if dist.main:
                            save_best(model, tokenizer, output, config)
                            _write_run_metadata(config, model, data, state, train_loss, last_eval, rate, device,
                                                precision)
                    else:
                        state.bad_evals += 1
                        if state.bad_evals >= config.patience:
                            stopped_early = True
                if dist.main and (state.step % config.checkpoint_every == 0 or stopped_early or out_of_time):
                    save_checkpoint(output, model, optimizer, scheduler, state, run_settings(config, precision))
                if stopped_early or out_of_time:
                    break
    except KeyboardInterrupt:
        interrupted = True
        if dist.main:
            save_checkpoint(output, model, optimizer, scheduler, state, run_settings(config, precision))
    wall = time.perf_counter() - started
    rate = (state.tokens_seen - tokens_at_start) / max(1e-9, time.perf_counter() - clock_at_start)
    if dist.main and not interrupted and state.step >= config.max_steps and not stopped_early:
        shutil.rmtree(output / "checkpoint.old", ignore_errors=True)
    flops, mfu = utilisation(model.module if hasattr(model, "module") else model, config.seq_len, rate, device)
    return TrainResult(output, state.step, state.best_loss, state.best_per_poet,
                       train_loss, rate, wall, stopped_early, interrupted, flops, mfu)


def _write_run_metadata(config: TrainConfig, model, data: Dataset, state: TrainState, train_loss, per_poet, rate,
                        device, precision: Precision = FULL) -> None:
    flops, mfu = utilisation(model.module if hasattr(model, "module") else model, config.seq_len, rate, device)
    write_metadata(
        Path(config.output),
        kind="adapter" if config.mode == "lora" else "base_model",
        base_model=config.base_model if config.mode == "lora" else None,
        base_key=parse_source(config.base_model).content_key() if config.mode == "lora" else None,
        blend_mode="exact" if config.mode == "lora" else None,
        prompt_format=config.prompt_format,
        poets=data.poet_counts,
        moods=data.moods,
        corpus=config.corpus,
        general_verse=config.general_verse,
        general_verse_blocks=data.general_blocks,
        corpus_hash=data.corpus_hash,
        skipped_rows=len(data.skipped),
        hyperparameters=config.to_dict(),
        **data.card,
        step=state.step,
        tokens_seen=state.tokens_seen,
        train_loss=train_loss,
        heldout_loss=state.best_loss,
        heldout_loss_per_poet=per_poet,
        wall_time_s=round(state.elapsed_s, 1),
        tokens_per_s=round(rate, 1),
        model_flops_per_s=round(flops),
        model_flops_utilisation=None if mfu is None else round(mfu, 4),
        device=str(device),
        precision=precision.name,
        device_name=torch.cuda.get_device_name(device) if device.type == "cuda" else os.uname().machine,
    )
