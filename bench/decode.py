"""Decode speed on the shipped model: poetstudio's decode loop vs `model.generate`, same model and settings.

Prints tokens/s of each, the ratio, a 4-poet blend's speed relative to a single poet, and time to first
token. Both sides sample with the published settings and generate exactly --tokens tokens (end-of-text
is suppressed in `generate` by min_new_tokens; ours is given a poem long enough not to stop).

    python bench/decode.py --tokens 200 --runs 3
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch


def main() -> None:
    """Time both decoders and print the figures and ratios."""
    from poetstudio.engine.decode import decode
    from poetstudio.engine.engine import Engine, row_prompts
    from poetstudio.engine.request import PoemRequest
    from poetstudio.engine.sampling import normalise_weights
    from poetstudio.engine.sampling_settings import Sampling

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    engine = Engine(device=args.device)
    loaded = engine.load()
    model, tokenizer = loaded.model, loaded.tokenizer
    poets = engine.known_poets()
    single = PoemRequest(theme="the sea at night", blend={poets[0]: 1.0})
    blend = PoemRequest(theme="the sea at night", blend={p: 1.0 for p in poets[:4]})
    no_stop = Sampling(max_new_tokens=args.tokens, seed=0)

    def ours(request: PoemRequest) -> tuple[float, float]:
        prompts = row_prompts(tokenizer, request, list(request.blend))
        weights = normalise_weights(list(request.blend.values()))
        rates, ttfts = [], []
        for run in range(args.runs + 1):
            saved = tokenizer.eos_token_id
            tokenizer.eos_token_id = -1  # measure full length: never stop early
            try:
                result = decode(model, tokenizer, prompts, weights, Sampling(**{**no_stop.__dict__, "seed": run}))
            finally:
                tokenizer.eos_token_id = saved
            if run:
                rates.append(len(result.token_ids) / result.total_s)
                ttfts.append(result.first_token_s)
        return statistics.median(rates), statistics.median(ttfts)

    def hf_generate() -> float:
        prompt = torch.tensor([row_prompts(tokenizer, single, [poets[0]])[0]])
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

    single_rate, ttft = ours(single)
    blend_rate, blend_ttft = ours(blend)
    generate_rate = hf_generate()
    print(f"shipped model on {loaded.device} ({torch.get_num_threads()} threads), {args.tokens} tokens, median of {args.runs}")
    print(f"poetstudio decode, 1 poet:   {single_rate:7.1f} tok/s  (time to first token {ttft * 1000:.0f} ms)")
    print(f"poetstudio decode, 4 poets:  {blend_rate:7.1f} tok/s  (time to first token {blend_ttft * 1000:.0f} ms)")
    print(f"transformers generate:       {generate_rate:7.1f} tok/s")
    print(f"ratio ours/generate: {single_rate / generate_rate:.2f}x (target 1.5x)")
    print(f"ratio 4-poet/1-poet: {blend_rate / single_rate:.2f}x (target 0.6x)")


if __name__ == "__main__":
    main()
