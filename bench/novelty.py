"""Recitation check: generate poems with the shipped model and print the share of their 8-word sequences
that occur anywhere in the training text (poems.jsonl and the general verse). Target: under 2%.

    python bench/novelty.py --per-poet 8 --max-new-tokens 160
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
THEMES = ["the sea at night", "a letter never sent", "winter morning", "the old house", "a garden after rain",
          "the city at dawn", "a candle", "the last train", "my mother's hands", "a field of stars"]


def training_texts() -> list[str]:
    """Every text the shipped model saw: the poems and the general verse books."""
    from poetstudio.corpus import read_path
    from poetstudio.corpus.general import strip_gutenberg

    texts = [p.text for p in read_path(CORPUS / "poems.jsonl").poems]
    for book in sorted((CORPUS / "raw").rglob("*.txt")):
        texts.append(strip_gutenberg(book.read_text(encoding="utf-8-sig", errors="replace")))
    return texts


def main() -> None:
    """Generate, measure, print per poet and overall; --samples writes one sample per poet as JSON."""
    from poetstudio.corpus.novelty import copied_share, ngram_index
    from poetstudio.engine.engine import Engine
    from poetstudio.engine.request import PoemRequest
    from poetstudio.engine.sampling_settings import Sampling

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-poet", type=int, default=6)
    parser.add_argument("--max-new-tokens", type=int, default=160)
    parser.add_argument("--samples", help="write the first poem of each poet to this JSON file")
    args = parser.parse_args()
    index = ngram_index(training_texts())
    engine = Engine()
    poets = engine.known_poets()
    everything, samples = [], {}
    for poet in poets:
        poems = []
        for i in range(args.per_poet):
            theme = THEMES[i % len(THEMES)]
            request = PoemRequest(theme=theme, blend={poet: 1.0},
                                  sampling=Sampling(seed=1000 + i, max_new_tokens=args.max_new_tokens))
            poems.append(engine.generate(request).text)
        samples[poet] = {"theme": THEMES[0], "seed": 1000, "text": poems[0]}
        share, grams = copied_share(poems, index)
        print(f"{poet:28} {share:6.2%} of {grams} 8-grams found in the corpus")
        everything.extend(poems)
    share, grams = copied_share(everything, index)
    print(f"{'all poets':28} {share:6.2%} of {grams} 8-grams found in the corpus (target: under 2%)")
    if args.samples:
        Path(args.samples).write_text(json.dumps(samples, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
