"""`poetstudio train --recipe balance`: fit an adapter's poet balance with the engine writing the poems.

The fitting itself (pairs, readings, least squares, gains) is trainer/balance.py and the reader
trainer/stylometry.py; this command joins them to the engine, which writes each half-and-half poem as the
studio would (published sampling, real-words guard, the default style strength) with the adapter's own
balance left out.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from poetstudio.errors import UserError
from poetstudio.model_info import METADATA_FILE


def engine_writer(engine):
    """A trainer.balance.PoemWriter over `engine`: one poem of a blend, theme and seed, as the studio writes it."""
    from poetstudio.engine.request import PoemRequest
    from poetstudio.engine.sampling_settings import DEFAULT_STRENGTH, Sampling
    from trainer.balance import NEW_TOKENS

    def write(blend: dict[str, float], theme: str, seed: int) -> str:
        """The poem's text, at the studio's default strength and the balance's poem length."""
        request = PoemRequest(theme=theme, blend=blend, strength=DEFAULT_STRENGTH,
                              sampling=Sampling(seed=seed, max_new_tokens=NEW_TOKENS))
        return engine.generate(request).text

    return write


def run_balance(config) -> Path:
    """Fit the reader on the training split, fit the balance of the adapter in config.output, write it there."""
    from poetstudio.corpus import read_corpus
    from poetstudio.corpus.split import split_corpus
    from poetstudio.engine.engine import Engine
    from poetstudio.engine.sampling_settings import DEFAULT_STRENGTH
    from poetstudio.model_spec import spec_from_names
    from trainer.balance import fit_balance, write_balance
    from trainer.judge import judged_poets
    from trainer.stylometry import fit_reader, reader_accuracy

    adapter = Path(config.output)
    if not (adapter / METADATA_FILE).is_file():
        raise UserError(f"{adapter} has no {METADATA_FILE}: give --output an adapter folder made by "
                        "`poetstudio train`")
    started = time.perf_counter()
    split = split_corpus(read_corpus(config.corpus).poems, config.heldout_fraction)
    engine = Engine(spec_from_names(config.base_model, str(adapter)), config.device, balanced=False)
    engine.load()
    if not engine.card.exact:
        raise UserError(f"{adapter} does not blend exactly (no per-poet rows to weigh); its balance cannot be fitted")
    poets = [p for p in judged_poets(split.train) if p in engine.known_poets()]
    reader = fit_reader(split.train, poets, config.seed)
    right, total = reader_accuracy(reader, split.heldout)
    print(f"reader (function words, punctuation, line shape): {right}/{total} = {right / max(total, 1):.1%} of "
          f"held-out passages named right; {len(poets)} poets", flush=True)
    fit = fit_balance(engine_writer(engine), reader, poets, config.balance_poems, config.balance_rounds,
                      config.seed, report=lambda line: print(line, flush=True))
    details = {"strength": DEFAULT_STRENGTH, "poems_per_pair": config.balance_poems,
               "rounds": config.balance_rounds, "seed": config.seed,
               "reader": "trainer/stylometry.py (function words, punctuation, line shape)",
               "reader_heldout": f"{right}/{total}",
               "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    meta_file = write_balance(adapter, fit, details)
    print(f"balance written to {meta_file} [{(time.perf_counter() - started) / 60:.1f} min]")
    return meta_file
