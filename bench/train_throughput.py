"""Trainer throughput: poetstudio's packed LoRA loop vs a plain transformers Trainer + peft run.

Same base model, same LoRA settings, same corpus and the same batch of 16 sequences per step. The figure
that matters is useful tokens (not padding) per second; the ratio printed at the end is ours / plain.

    python bench/train_throughput.py                   # shipped base model, CPU or GPU as found
    python bench/train_throughput.py --random-llama-1b # a Llama-3.2-1B-shaped model with random weights (GPU)
    python bench/train_throughput.py --corpus ../shared/corpus/LLM_Dataset.csv --seq-len 512  # the published data
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpus" / "poems.jsonl"
FIXTURE = ROOT / "tests" / "fixtures" / "mini.jsonl"


def random_llama_1b(folder: Path) -> str:
    """Save a Llama-3.2-1B-shaped model with random weights (and the shipped tokenizer) to `folder`."""
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from poetstudio.model_info import default_tokenizer_dir

    tokenizer = AutoTokenizer.from_pretrained(default_tokenizer_dir(), local_files_only=True)
    config = LlamaConfig(vocab_size=128_256, hidden_size=2048, intermediate_size=8192, num_hidden_layers=16,
                         num_attention_heads=32, num_key_value_heads=8, max_position_embeddings=2048,
                         tie_word_embeddings=True, rope_theta=500_000.0)
    with torch.device("cuda" if torch.cuda.is_available() else "cpu"):
        model = LlamaForCausalLM(config).to(torch.bfloat16)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


def ours(config, steps: int, warmup: int) -> float:
    """Useful tokens per second of poetstudio's loop over packed rows."""
    from poetstudio.runtime.device import pick_device
    from trainer.checkpoint import TrainState
    from trainer.data import batch_at
    from trainer.dataset import build_dataset, read_split
    from trainer.loop import Distributed, lr_lambda, prepare_model_and_tokenizer, train_step
    from trainer.precision import pick_precision

    device = pick_device(config.device)
    precision = pick_precision(config.dtype, device, config.mode)
    report, split = read_split(config)
    model, tokenizer = prepare_model_and_tokenizer(config, device, precision.weights, None)
    data = build_dataset(config, tokenizer, report, split, [])
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=config.lr)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda(config))
    state, dist = TrainState(), Distributed()
    useful = 0
    for step in range(warmup + steps):
        if step == warmup:
            _sync(device)
            started = time.perf_counter()
        if step >= warmup:
            useful += int((batch_at(data.train, config.batch_size, state.step, config.seed).labels != -100).sum())
        train_step(model, optimizer, scheduler, data, config, state, device, dist, tokenizer, precision)
        state.step += 1
    _sync(device)
    return useful / (time.perf_counter() - started)


def plain(config, steps: int, warmup: int) -> float:
    """Useful tokens per second of transformers.Trainer + peft with padding to the longest in each batch."""
    from transformers import DataCollatorForSeq2Seq, Trainer, TrainerCallback, TrainingArguments

    from poetstudio.runtime.device import pick_device
    from trainer.data import poem_examples
    from trainer.dataset import read_split
    from trainer.modeling import add_lora, load_base_model, load_tokenizer
    from trainer.precision import pick_precision

    device = pick_device(config.device)
    precision = pick_precision(config.dtype, device, config.mode)
    tokenizer = load_tokenizer(config.base_model)
    model = add_lora(load_base_model(config, device, precision.weights), config)
    _, split = read_split(config)
    poets = {p: i for i, p in enumerate(sorted({p.poet for p in split.train}))}
    examples = poem_examples(tokenizer, split.train, poets, config.seq_len, condition=True)
    rows = [{"input_ids": e.ids, "attention_mask": [1] * len(e.ids), "labels": e.labels} for e in examples]
    collate = DataCollatorForSeq2Seq(tokenizer, padding="longest", label_pad_token_id=-100)
    counted = {"tokens": 0, "timing": False}

    def counting_collator(features):
        batch = collate(features)
        if counted["timing"]:
            counted["tokens"] += int((batch["labels"] != -100).sum())
        return batch

    class Clock(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step == warmup:
                _sync(device)
                counted["timing"], counted["start"] = True, time.perf_counter()

    with tempfile.TemporaryDirectory() as out:
        args = TrainingArguments(
            output_dir=out, per_device_train_batch_size=config.batch_size, max_steps=warmup + steps,
            learning_rate=config.lr, report_to=[], save_strategy="no", logging_steps=10_000,
            bf16=torch.bfloat16 in (precision.weights, precision.compute), use_cpu=device.type == "cpu",
            dataloader_num_workers=0,
            disable_tqdm=True, seed=config.seed,
        )
        trainer = Trainer(
            model=model, args=args, train_dataset=rows, data_collator=counting_collator, callbacks=[Clock()]
        )
        trainer.train()
    _sync(device)
    # the collator runs one batch ahead of the step that ends the timing window; that batch is not trained
    return counted["tokens"] * steps / (steps + 1) / (time.perf_counter() - counted["start"])


def _sync(device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def main() -> None:
    """Run both trainers and print tokens/s and the ratio."""
    from poetstudio.model_spec import shipped_base
    from trainer.config import build_config

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--seq-len", type=int, default=256)
    parser.add_argument("--random-llama-1b", action="store_true")
    parser.add_argument("--quantize", default="none")
    parser.add_argument("--dtype", default="auto", help="both loops' precision (trainer.precision): auto, fp32, "
                                                         "bf16-mixed, ...")
    parser.add_argument("--corpus", help="corpus file (default: ../shared/corpus/poems.jsonl, else a test fixture)")
    args = parser.parse_args()
    corpus = Path(args.corpus) if args.corpus else (SHARED if SHARED.exists() else FIXTURE)
    with tempfile.TemporaryDirectory() as tmp:
        base = random_llama_1b(Path(tmp)) if args.random_llama_1b else shipped_base().location
        config = build_config("default", dict(base_model=base, corpus=[str(corpus)], output=tmp + "/out",
                                              general_corpus="",  # the baseline reads the poems alone
                                              batch_size=args.batch_size, seq_len=args.seq_len, quantize=args.quantize,
                                              dtype=args.dtype,
                                              contrast_weight=0.0))  # like for like: the baseline has no contrast
        ours_rate = ours(config, args.steps, args.warmup)
        plain_rate = plain(config, args.steps, args.warmup)
    device = "cuda: " + torch.cuda.get_device_name() if torch.cuda.is_available() else f"cpu x{torch.get_num_threads()}"
    model_name = Path(base).name if not args.random_llama_1b else "Llama-3.2-1B-shaped (random)"
    print(f"model {model_name}, corpus {corpus.name}, "
          f"batch {args.batch_size} x {args.seq_len}, {args.steps} timed steps, {device}, dtype {args.dtype}")
    print(f"poetstudio trainer (packed):       {ours_rate:10,.0f} useful tokens/s")
    print(f"transformers Trainer + peft (pad): {plain_rate:10,.0f} useful tokens/s")
    print(f"ratio: {ours_rate / plain_rate:.2f}x")


if __name__ == "__main__":
    main()
