"""Decode speed: poetstudio's decode loop vs `model.generate`, same model and settings.

Prints tokens/s of each, the ratio, a 4-poet blend's speed relative to a single poet (unguided, and with
style strength 2: one more row, the poem with no poet named), and time to first token. Both sides sample
with the published settings and generate exactly --tokens tokens (end-of-text is suppressed in `generate` by
min_new_tokens, in ours by ignore_eos).

    python bench/decode.py --tokens 200 --runs 3                         # shipped model, CPU, every core
    python bench/decode.py --tokens 128 --threads 1                      # the same on one thread
    python bench/decode.py --model smollm2-135m-instruct --tokens 128    # the packaged base (no adapter)
    python bench/decode.py --random-llama-1b --device cuda --tokens 256  # Llama-3.2-1B shape, bf16, GPU

The second compares against `generate` with `cache_implementation="static"`, which transformers compiles
on CUDA (its first call compiles; the bench warms up before timing). `--layers 2` shrinks the random
model for a quick run on the CPU.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

LLAMA_32_1B = dict(  # Llama-3.2-1B's published config: sizes, grouped queries, Llama 3 RoPE scaling
    vocab_size=128256, hidden_size=2048, intermediate_size=8192, num_hidden_layers=16, num_attention_heads=32,
    num_key_value_heads=8, head_dim=64, max_position_embeddings=131072, rms_norm_eps=1e-5, tie_word_embeddings=True,
    rope_scaling={"rope_type": "llama3", "rope_theta": 500000.0, "factor": 32.0, "low_freq_factor": 1.0,
                  "high_freq_factor": 4.0, "original_max_position_embeddings": 8192},
)


GUIDED_STRENGTH = 2.0  # any strength other than 1 adds the same one row; 2 is in the judge's sweep


class TokenIdsOnly:
    """The little of a tokenizer that decode() needs, for a model with random weights (no text to show)."""

    pad_token_id = 0
    eos_token_id = None

    def decode(self, ids, skip_special_tokens=True) -> str:
        """No text: a random model's tokens mean nothing."""
        return ""


def random_llama_bench(args) -> None:
    """A Llama-3.2-1B-shaped model with random weights: our loop (1 row and a 4-poet blend) vs static-cache
    generate, batch 1, bf16 on CUDA (fp32 elsewhere)."""
    from transformers import LlamaConfig, LlamaForCausalLM

    from poetstudio.engine.decode import decode
    from poetstudio.engine.runners import make_runner
    from poetstudio.engine.sampling import normalise_weights
    from poetstudio.engine.sampling_settings import Sampling

    device = torch.device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    config = LlamaConfig(**{**LLAMA_32_1B, "num_hidden_layers": args.layers or LLAMA_32_1B["num_hidden_layers"]})
    torch.manual_seed(0)
    with torch.device(device):
        model = LlamaForCausalLM(config).to(dtype).eval()
    tokenizer = TokenIdsOnly()
    prompts = [list(range(100, 100 + length)) for length in (21, 23, 22, 24)]  # four poets' headers differ in length
    plain = list(range(100, 118))  # the header without a Poet line is the shortest
    runner = make_runner(model)

    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize()

    def ours(rows: int, strength: float = 1.0) -> tuple[float, float]:
        rates, ttfts = [], []
        for run in range(args.runs + 2):  # two warm-ups: the first captures the CUDA graph
            sync()
            result = decode(model, tokenizer, prompts[:rows], normalise_weights([1.0] * rows),
                            Sampling(max_new_tokens=args.tokens, seed=run), ignore_eos=True, runner=runner,
                            strength=strength, unconditioned=plain)
            sync()
            if run >= 2:
                rates.append(len(result.token_ids) / result.total_s)
                ttfts.append(result.first_token_s)
        return statistics.median(rates), statistics.median(ttfts)

    def hf_generate() -> float:
        prompt = torch.tensor([prompts[0]], device=device)
        rates = []
        for run in range(args.runs + 2):  # two warm-ups: the first compiles
            torch.manual_seed(run)
            sync()
            started = time.perf_counter()
            with torch.inference_mode():
                out = model.generate(prompt, do_sample=True, temperature=0.8, top_p=0.85, top_k=40,
                                     max_new_tokens=args.tokens, min_new_tokens=args.tokens, pad_token_id=0,
                                     cache_implementation="static")
            sync()
            if run >= 2:
                rates.append((out.shape[1] - prompt.shape[1]) / (time.perf_counter() - started))
        return statistics.median(rates)

    generate_rate = hf_generate()
    single_rate, ttft = ours(1)
    blend_rate, blend_ttft = ours(4)
    guided_rate, guided_ttft = ours(4, GUIDED_STRENGTH)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"cpu ({torch.get_num_threads()} threads)"
    print(f"Llama-3.2-1B-shaped model ({config.num_hidden_layers} layers, random weights, {str(dtype)[6:]}) on {name}, "
          f"{args.tokens} tokens, batch 1, median of {args.runs}; runner {type(runner).__name__}")
    print(f"transformers generate, static cache:   {generate_rate:7.1f} tok/s")
    print(f"poetstudio decode, 1 poet:             {single_rate:7.1f} tok/s  (first token {ttft * 1000:.0f} ms)")
    print(f"poetstudio decode, 4-poet blend:       {blend_rate:7.1f} tok/s  (first token {blend_ttft * 1000:.0f} ms)")
    print(f"poetstudio decode, 4-poet + guidance:  {guided_rate:7.1f} tok/s  (first token {guided_ttft * 1000:.0f} ms; "
          f"5 rows, strength {GUIDED_STRENGTH:g})")
    print(f"ratio ours/generate:  {single_rate / generate_rate:.2f}x (target 2x)")
    print(f"ratio 4-poet/1-poet:  {blend_rate / single_rate:.2f}x (target 0.9x)")
    print(f"ratio 4-poet+guidance/1-poet:  {guided_rate / single_rate:.2f}x")


def main() -> None:
    """Time both decoders and print the figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--random-llama-1b", action="store_true", help="a Llama-3.2-1B-shaped random model")
    parser.add_argument("--layers", type=int, default=0, help="with --random-llama-1b: fewer layers, for a quick run")
    parser.add_argument("--model", help="base to time instead of the shipped model (e.g. smollm2-135m-instruct)")
    parser.add_argument("--adapter", help="adapter over --model (default: none over another base)")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (default 0: every core, as the engine)")
    args = parser.parse_args()
    if args.random_llama_1b:
        random_llama_bench(args)
    else:
        shipped_model_bench(args)


def shipped_model_bench(args) -> None:
    """The shipped model: our loop (exact fp32, default, 4-poet blend, 4-poet blend with guidance) vs
    `generate`. One poet, the blend and the guided blend run in turn within each run, and their ratios are
    the median of the per-run ratios, so a change in a shared machine's load hits all three alike."""
    from poetstudio.engine.constraints import word_constraint
    from poetstudio.engine.decode import decode
    from poetstudio.engine.engine import Engine, row_prompts, unconditioned_prompt
    from poetstudio.engine.request import PoemRequest
    from poetstudio.engine.sampling import normalise_weights
    from poetstudio.engine.sampling_settings import Sampling
    from poetstudio.model_spec import spec_from_names

    engine = Engine(spec_from_names(args.model, args.adapter), device=args.device, threads=args.threads)
    loaded = engine.load()
    model, tokenizer = loaded.model, loaded.tokenizer
    fmt = engine.prompt_format  # the adapter's declared format (a base alone: its natural one)
    poets = engine.known_poets()
    unguarded = Sampling(real_words=False, word_repeats=0, tidy_lines=False, echo_penalty=0.0)
    single = PoemRequest(theme="the sea at night", blend={poets[0]: 1.0}, sampling=unguarded)
    blend = PoemRequest(theme="the sea at night", blend={p: 1.0 for p in poets[:4]}, sampling=unguarded)
    guided = PoemRequest(theme="the sea at night", blend={p: 1.0 for p in poets[:4]}, strength=GUIDED_STRENGTH,
                         sampling=unguarded)
    studio = PoemRequest(theme="the sea at night", blend={p: 1.0 for p in poets[:4]}, strength=GUIDED_STRENGTH)
    no_stop = Sampling(max_new_tokens=args.tokens, seed=0)

    from poetstudio.engine.runners import make_runner

    exact_runner = make_runner(model, "fp32")

    def ours(requests: list[PoemRequest], runner) -> tuple[list[list[float]], list[list[float]]]:
        """Each request once per run, in turn (the first run warms up): tokens/s and first-token seconds."""
        rows = [(row_prompts(tokenizer, r, list(r.blend), fmt), normalise_weights(list(r.blend.values())),
                 unconditioned_prompt(tokenizer, r, fmt)) for r in requests]
        rates, ttfts = [[] for _ in requests], [[] for _ in requests]
        for run in range(args.runs + 1):
            for index, (request, (prompts, weights, plain)) in enumerate(zip(requests, rows)):
                rules = request.sampling  # the layout rule without its end (budget 0): every run is timed whole
                guard = word_constraint(tokenizer, no_stop.top_k, real=rules.real_words,
                                        word_repeats=rules.word_repeats, tidy_lines=rules.tidy_lines, budget=0,
                                        echo_penalty=rules.echo_penalty)
                result = decode(model, tokenizer, prompts, weights, Sampling(**{**no_stop.__dict__, "seed": run}),
                                ignore_eos=True, runner=runner, strength=request.strength, unconditioned=plain,
                                constraint=guard)
                if run:
                    rates[index].append(len(result.token_ids) / result.total_s)
                    ttfts[index].append(result.first_token_s)
        return rates, ttfts

    def ratio(rates: list[float], base: list[float]) -> float:
        return statistics.median(a / b for a, b in zip(rates, base))

    def hf_generate() -> float:
        prompt = torch.tensor([row_prompts(tokenizer, single, [poets[0]], fmt)[0]])
        rates = []
        for run in range(args.runs + 1):
            torch.manual_seed(run)
            started = time.perf_counter()
            with torch.inference_mode():
                out = model.generate(prompt, do_sample=True, temperature=0.8, top_p=0.85, top_k=40,
                                     max_new_tokens=args.tokens, min_new_tokens=args.tokens,
                                     pad_token_id=tokenizer.pad_token_id)
            if run:
                rates.append((out.shape[1] - prompt.shape[1]) / (time.perf_counter() - started))
        return statistics.median(rates)

    generate_rate = hf_generate()
    ([exact_rates], [exact_ttfts]) = ours([single], exact_runner)
    (single_rates, blend_rates, guided_rates, studio_rates), (ttfts, blend_ttfts, guided_ttfts, studio_ttfts) = ours(
        [single, blend, guided, studio], engine.runner)
    exact_rate, exact_ttft = statistics.median(exact_rates), statistics.median(exact_ttfts)
    single_rate, ttft = statistics.median(single_rates), statistics.median(ttfts)
    blend_rate, blend_ttft = statistics.median(blend_rates), statistics.median(blend_ttfts)
    guided_rate, guided_ttft = statistics.median(guided_rates), statistics.median(guided_ttfts)
    studio_rate, studio_ttft = statistics.median(studio_rates), statistics.median(studio_ttfts)
    generate_again = hf_generate()
    generate_rate = max(generate_rate, generate_again)  # the better of two runs: the ratio is not flattered
    print(f"shipped model on {loaded.device} ({torch.get_num_threads()} threads), {args.tokens} tokens, "
          f"median of {args.runs}")
    print(f"transformers generate (fp32):              {generate_rate:7.1f} tok/s")
    print(f"poetstudio decode, fp32 weights, 1 poet:   {exact_rate:7.1f} tok/s  (logits equal generate's to 1e-5; "
          f"first token {exact_ttft * 1000:.0f} ms)")
    print(f"poetstudio decode, default (1-row format): {single_rate:7.1f} tok/s  (first token {ttft * 1000:.0f} ms)")
    print(f"poetstudio decode, default, 4-poet blend:  {blend_rate:7.1f} tok/s  "
          f"(first token {blend_ttft * 1000:.0f} ms)")
    print(f"poetstudio decode, 4-poet + guidance:      {guided_rate:7.1f} tok/s  "
          f"(first token {guided_ttft * 1000:.0f} ms; "
          f"5 rows, strength {GUIDED_STRENGTH:g})")
    print(f"4-poet + guidance + free-verse rules:      {studio_rate:7.1f} tok/s  "
          f"(first token {studio_ttft * 1000:.0f} ms; the free-verse rules check the top 64 tokens a step)")
    print(f"ratio ours/generate, same fp32 numerics: {exact_rate / generate_rate:.2f}x")
    print(f"ratio ours/generate, default:            {single_rate / generate_rate:.2f}x (target 1.5x)")
    print(f"ratio 4-poet/1-poet:                     {ratio(blend_rates, single_rates):.2f}x (target 0.6x)")
    print(f"ratio 4-poet+guidance/1-poet:            {ratio(guided_rates, single_rates):.2f}x (target 0.5x)")
    print(f"ratio 4-poet+guidance+rules/1-poet:      {ratio(studio_rates, single_rates):.2f}x (target 0.5x)")


if __name__ == "__main__":
    main()
