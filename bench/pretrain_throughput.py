"""Pretraining throughput: the trainer's own step on a new base, by precision and attention, in one run.

The model is the `base` recipe's shape with the shipped (SmolLM2) tokenizer: its 49,152-token vocabulary makes it
about 17M parameters, not the 6.9M of the previous default's 8,192, so its figures are not bench/README's older
ones. The baseline is how the previous default's base was first pretrained: fp32, each packed document attending
only to itself (its positions restart, so attention takes a block mask). Against it, in the same run and on the same
rows: bf16-mixed (fp32 weights, bf16 autocast: `trainer.precision`), and bf16-mixed with rows attending across their
documents (`cross_document_attention`: the fast causal kernel). Rows are packed from documents of random length
(mean about a third of a row, as the general corpus's are), so the block mask has the shape a real run sees.

    python bench/pretrain_throughput.py                           # micro-batches of 4 x 1024
    python bench/pretrain_throughput.py --batch-size 2 --grad-accum 2   # the base recipe's micro-batch (2 x 1024)
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MEAN_DOCUMENT = 350  # tokens; the cleaned general corpus's documents average about a third of a 1,024 row


def packed_rows(n_rows: int, seq_len: int, vocab: int, seed: int):
    """Rows of random tokens packed from documents of random length, positions restarting at each one."""
    from trainer.data import NO_POET, Rows

    rng = random.Random(seed)
    ids = torch.randint(4, vocab, (n_rows, seq_len), generator=torch.Generator().manual_seed(seed))  # 0-3: specials
    positions = torch.zeros((n_rows, seq_len), dtype=torch.long)
    for row in range(n_rows):
        cursor = 0
        while cursor < seq_len:
            length = min(seq_len - cursor, max(16, int(rng.expovariate(1 / MEAN_DOCUMENT))))  # 16: a header's length
            positions[row, cursor : cursor + length] = torch.arange(length)
            cursor += length
    return Rows(ids, ids.clone(), positions, torch.full_like(ids, NO_POET))


def tokens_per_s(name: str, across: bool, rows, args) -> float:
    """Train a new base of the `base` recipe's shape (with the shipped tokenizer) for --steps steps (after
    --warmup) as the trainer does; tokens per second."""
    from poetstudio.model_info import default_tokenizer_dir
    from poetstudio.runtime.hub import load_tokenizer
    from trainer.checkpoint import TrainState
    from trainer.config import build_config
    from trainer.loop import Distributed, lr_lambda, train_step
    from trainer.modeling import new_scratch_model
    from trainer.precision import pick_precision

    config = build_config("base", dict(output="unused", batch_size=args.batch_size, grad_accum=args.grad_accum,
                                       seq_len=args.seq_len, dtype=name, cross_document_attention=across,
                                       device="cpu", lr=1e-4))  # small: timing only, the weights must not blow up
    device = torch.device("cpu")
    precision = pick_precision(name, device, "scratch")
    torch.manual_seed(0)
    model = new_scratch_model(config, load_tokenizer(str(default_tokenizer_dir()))).to(device, precision.weights)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay,
                                  betas=(0.9, 0.95))  # the trainer's betas for pretraining
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda(config))

    class Data:
        """The packed rows as the training loop reads a dataset: training rows only, no contrast poems."""

        train = rows
        contrast = []
        poets: list[str] = []

    state = TrainState()
    for step in range(args.warmup + args.steps):
        if step == args.warmup:
            started = time.perf_counter()
        train_step(model, optimizer, scheduler, Data, config, state, device, Distributed(), None, precision)
        state.step += 1
    return args.steps * args.batch_size * args.grad_accum * args.seq_len / (time.perf_counter() - started)


def main() -> None:
    """Time each setting and print tokens/s with the ratio to the fp32, per-document baseline."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--grad-accum", type=int, default=1)
    parser.add_argument("--seq-len", type=int, default=1024)
    args = parser.parse_args()
    from trainer.precision import native_bf16

    rows = packed_rows(64, args.seq_len, 8192, seed=0)  # 64 rows: enough for every step; 8,192: the shipped vocabulary
    settings = [("fp32", False, "fp32, per document (baseline)"), ("bf16-mixed", False, "bf16-mixed, per document"),
                ("bf16-mixed", True, "bf16-mixed, across documents")]
    print(f"shipped base, rows {args.batch_size} x {args.seq_len} (x{args.grad_accum} accumulated), "
          f"{args.steps} timed steps, cpu x{torch.get_num_threads()}, native bf16: {native_bf16(torch.device('cpu'))}")
    baseline = None
    for name, across, label in settings:
        rate = tokens_per_s(name, across, rows, args)
        baseline = baseline or rate
        print(f"{label:32} {rate:8,.0f} tokens/s  {rate / baseline:5.2f}x", flush=True)


if __name__ == "__main__":
    main()
