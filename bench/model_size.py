"""Which model size the CPU can decode fast enough: random Llama-architecture models of several sizes.

For each size, a model with random weights (the shipped vocabulary of 8,192 and a 1,024-token context)
is decoded by the engine's own runner, exactly as the studio does it:
  - one poet (one row), in the single-row format the engine uses today (fp16) and in packed bf16;
  - a 4-poet blend with style strength (five rows: four poets and the no-poet row of guidance).
The targets are 60 tokens/s or better for one poet and 30 tokens/s or better for the guided 4-poet blend
on 2 CPU cores; the bench prints each size's figures, its ratio to the smallest size (the baseline
measured in the same run), and the largest size meeting both.

    python bench/model_size.py --tokens 120 --runs 3
"""

from __future__ import annotations

import argparse
import statistics

import torch

SIZES = {  # name: (width, layers, heads, SwiGLU width); head size 64 throughout, SwiGLU about 8/3 of width
    "7M": (256, 6, 4, 704),
    "16M": (384, 8, 6, 1024),
    "30M": (512, 8, 8, 1408),
    "45M": (576, 10, 9, 1536),
    "60M": (640, 12, 10, 1728),
    "90M": (768, 12, 12, 2048),
}
VOCAB = 8192  # the shipped tokenizer's vocabulary
CONTEXT = 1024  # the context the new model is trained for
SHIP_LIMIT_MB = 120  # the shipped model's size limit (issue 11): fp32 holds 30M parameters, bf16 60M
SINGLE_TARGET = 60.0  # tokens/s for one poet (issue 11)
BLEND_TARGET = 30.0  # tokens/s for a 4-poet blend with style strength (issue 11)


def random_model(width: int, layers: int, heads: int, inter: int):
    """A Llama-architecture model of this shape with random weights, in fp32 as the trainer saves it."""
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(vocab_size=VOCAB, hidden_size=width, num_hidden_layers=layers, num_attention_heads=heads,
                         num_key_value_heads=heads, intermediate_size=inter, max_position_embeddings=CONTEXT,
                         tie_word_embeddings=True)
    torch.manual_seed(0)
    return LlamaForCausalLM(config).eval()


def tokens_per_s(model, runner, rows: int, tokens: int, runs: int) -> float:
    """Median tokens/s of `runs` decodes of `tokens` tokens over `rows` rows (after one warm-up)."""
    from poetstudio.engine.decode import decode
    from poetstudio.engine.sampling import normalise_weights
    from poetstudio.engine.sampling_settings import Sampling

    class TokenIdsOnly:
        pad_token_id = 0
        eos_token_id = None

        def decode(self, ids, skip_special_tokens=True) -> str:
            return ""

    prompts = [list(range(100, 100 + n)) for n in (18, 21, 20, 22, 16)][:rows]  # headers differ in length
    rates = []
    for run in range(runs + 1):
        result = decode(model, TokenIdsOnly(), prompts, normalise_weights([1.0] * rows),
                        Sampling(max_new_tokens=tokens, seed=run), ignore_eos=True, runner=runner)
        if run:
            rates.append(len(result.token_ids) / result.total_s)
    return statistics.median(rates)


def main() -> None:
    """Time each size and print the table."""
    from poetstudio.engine.fast_llama import WeightFormat
    from poetstudio.engine.runners import FastRunner, make_runner

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=120)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", nargs="*", default=list(SIZES), choices=list(SIZES))
    args = parser.parse_args()
    torch.set_num_threads(1)  # one thread, as bench/README.md's figures were taken (the engine uses every core)
    print(f"random Llama models, vocabulary {VOCAB}, {torch.get_num_threads()} threads, {args.tokens} tokens, "
          f"median of {args.runs}")
    print(f"{'size':>5} {'params':>8} {'1 poet fp16':>12} {'1 poet bf16p':>13} {'4 poets+guide':>14}  vs smallest")
    baseline = None
    best = None
    for name in args.sizes:
        model = random_model(*SIZES[name])
        params = sum(p.numel() for p in model.parameters())
        default = make_runner(model)
        packed = FastRunner(model, WeightFormat(torch.bfloat16, packed=True))
        single = tokens_per_s(model, default, 1, args.tokens, args.runs)
        single_packed = tokens_per_s(model, packed, 1, args.tokens, args.runs) \
            if WeightFormat(torch.bfloat16, packed=True).available() else float("nan")
        guided = tokens_per_s(model, default, 5, args.tokens, args.runs)
        fastest_single = max(single, single_packed) if single_packed == single_packed else single
        baseline = baseline or (fastest_single, guided)
        print(f"{name:>5} {params / 1e6:7.1f}M {single:10.1f}/s {single_packed:11.1f}/s {guided:12.1f}/s  "
              f"{fastest_single / baseline[0]:.2f}x / {guided / baseline[1]:.2f}x")
        if fastest_single >= SINGLE_TARGET and guided >= BLEND_TARGET:
            best = name
    print(f"largest size meeting {SINGLE_TARGET:.0f} tok/s (1 poet) and {BLEND_TARGET:.0f} tok/s (4 poets + guidance): "
          f"{best or 'none'}")


if __name__ == "__main__":
    main()
