"""A deterministic held-out split, by poem and per poet, that never depends on file order."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from poetstudio.corpus.poem import Poem

DEFAULT_HELDOUT_FRACTION = 0.05
MIN_POEMS_FOR_HELDOUT = 4  # a poet with fewer poems than this keeps them all for training


@dataclass
class Split:
    """Poems for training and poems held out for measuring loss."""

    train: list[Poem]
    heldout: list[Poem]


def split_corpus(poems: list[Poem], fraction: float = DEFAULT_HELDOUT_FRACTION) -> Split:
    """Hold out ceil(fraction * n) of each poet's poems, chosen by a hash of each poem's content."""
    by_poet: dict[str, list[Poem]] = defaultdict(list)
    for poem in poems:
        by_poet[poem.poet].append(poem)
    heldout_keys: set[str] = set()
    for poet_poems in by_poet.values():
        if len(poet_poems) < MIN_POEMS_FOR_HELDOUT or fraction <= 0:
            continue
        ranked = sorted(poet_poems, key=lambda p: p.key)
        heldout_keys.update(p.key for p in ranked[: math.ceil(fraction * len(poet_poems))])
    return Split(
        train=[p for p in poems if p.key not in heldout_keys],
        heldout=[p for p in poems if p.key in heldout_keys],
    )
