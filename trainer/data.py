"""From poems to packed training rows: tokenize through the prompt format, pack without padding waste."""

from __future__ import annotations

import functools
import hashlib
import random
from dataclasses import dataclass, replace

import torch

from poetstudio.corpus.passages import split_passages
from poetstudio.corpus.poem import Poem
from poetstudio.prompt_format import HEADER, IGNORE_INDEX, PromptSpec, example_ids, header_ids

NO_POET = -1


@dataclass
class Example:
    """One tokenized passage: ids, labels (header masked), and the index of its poet (or NO_POET)."""

    ids: list[int]
    labels: list[int]
    poet: int = NO_POET


@dataclass(frozen=True)
class ContrastItem:
    """A training poem for the poet contrast: its poet's index, title, mood and its first tokens."""

    poet: int
    title: str
    mood: str | None
    body: list[int]


@dataclass
class Rows:
    """Packed rows, all seq_len long: inputs, labels, per-sequence position ids and per-token poet index."""

    input_ids: torch.Tensor
    labels: torch.Tensor
    position_ids: torch.Tensor
    poets: torch.Tensor

    def __len__(self) -> int:
        return self.input_ids.shape[0]

    def select(self, index: torch.Tensor | slice) -> Rows:
        """A subset of rows."""
        return Rows(self.input_ids[index], self.labels[index], self.position_ids[index], self.poets[index])


def leaves_poet_out(text: str, share: float, seed: int) -> bool:
    """Whether a passage is written without its Poet line: a fixed draw from the passage's own text and the
    run's seed, so the same passages are left unconditioned on every run and every resume."""
    if share <= 0:
        return False
    digest = hashlib.sha256(f"{seed}\n{text}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def poem_examples(tokenizer, poems: list[Poem], poet_index: dict[str, int], seq_len: int, condition: bool,
                  unconditioned_share: float = 0.0, seed: int = 0, *, fmt: str = HEADER) -> list[Example]:
    """Tokenize poems, cut into passages that fit seq_len; `condition` adds the Poet and Mood lines.

    With `unconditioned_share` > 0 that share of conditioned passages is written with the Poet line left
    out (the Mood line stays): the model then also learns the no-poet distribution that style strength
    guides away from. Such passages carry no poet index, so per-poet figures count only conditioned ones.
    """
    def count(text: str) -> int:
        return len(tokenizer.encode(text, add_special_tokens=False))

    examples = []
    for poem in poems:
        spec = PromptSpec(poet=poem.poet if condition else None, title=poem.title,
                          mood=poem.mood if condition else None)
        budget = seq_len - len(header_ids(tokenizer, spec, fmt=fmt)) - 2  # room for the final newline and end token
        for part in split_passages(poem.text, budget, count):
            poet = poet_index.get(poem.poet, NO_POET)
            part_spec = spec
            if condition and leaves_poet_out(part, unconditioned_share, seed):
                part_spec, poet = replace(spec, poet=None), NO_POET
            ids, labels = example_ids(tokenizer, part_spec, part, fmt=fmt)
            examples.append(Example(ids[:seq_len], labels[:seq_len], poet))
    return examples


def contrast_items(tokenizer, poems: list[Poem], poet_index: dict[str, int], max_tokens: int) -> list[ContrastItem]:
    """One item per conditioned training poem: the poem's first `max_tokens` tokens, to be scored under
    its own poet and under others."""
    return [
        ContrastItem(poet_index[poem.poet], poem.title, poem.mood,
                     tokenizer.encode(poem.text.strip("\n") + "\n", add_special_tokens=False)[:max_tokens])
        for poem in poems
        if poem.poet in poet_index
    ]


def text_examples(tokenizer, blocks: list[str], seq_len: int) -> list[Example]:
    """Plain verse with no header: consecutive blocks joined up to seq_len tokens, all tokens learned."""
    bos = [tokenizer.bos_token_id] if tokenizer.bos_token_id is not None else []
    examples: list[Example] = []
    current: list[int] = []
    for block in blocks:
        ids = tokenizer.encode(block + "\n\n", add_special_tokens=False)[: seq_len - len(bos)]
        if current and len(bos) + len(current) + len(ids) > seq_len:
            examples.append(Example(bos + current, [IGNORE_INDEX] * len(bos) + current))
            current = []
        current = current + ids
    if current:
        examples.append(Example(bos + current, [IGNORE_INDEX] * len(bos) + current))
    return examples


def pack(examples: list[Example], seq_len: int, pad_id: int) -> Rows:
    """First-fit-decreasing packing into rows of seq_len; each example restarts its position ids at 0.

    Restarting positions is what lets transformers' attention mask keep packed examples apart, so packing
    saves the compute padding would waste without letting one poem see another.
    """
    bins: list[list[Example]] = []
    space: list[int] = []
    for example in sorted(examples, key=lambda e: -len(e.ids)):
        size = len(example.ids)
        slot = next((i for i, free in enumerate(space) if free >= size), None)
        if slot is None:
            bins.append([example])
            space.append(seq_len - size)
        else:
            bins[slot].append(example)
            space[slot] -= size
    n = len(bins)
    input_ids = torch.full((n, seq_len), pad_id, dtype=torch.long)
    labels = torch.full((n, seq_len), IGNORE_INDEX, dtype=torch.long)
    position_ids = torch.zeros((n, seq_len), dtype=torch.long)
    poets = torch.full((n, seq_len), NO_POET, dtype=torch.long)
    for row, members in enumerate(bins):
        cursor = 0
        for example in members:
            end = cursor + len(example.ids)
            input_ids[row, cursor:end] = torch.tensor(example.ids)
            labels[row, cursor:end] = torch.tensor(example.labels)
            position_ids[row, cursor:end] = torch.arange(len(example.ids))
            poets[row, cursor:end] = example.poet
            cursor = end
        position_ids[row, cursor:] = torch.arange(seq_len - cursor)
    return Rows(input_ids, labels, position_ids, poets)


@functools.lru_cache(maxsize=2)  # the current epoch's order and the next: a step reads it, never reshuffles it
def epoch_order(n_rows: int, seed: int, epoch: int) -> tuple[int, ...]:
    """The row order of one epoch: a shuffle fixed by (seed, epoch), so a resumed run sees the same batches."""
    order = list(range(n_rows))
    random.Random(seed * 100_003 + epoch).shuffle(order)
    return tuple(order)


def batch_at(rows: Rows, batch_size: int, step: int, seed: int) -> Rows:
    """The batch for a global step: epochs are walked in a fixed shuffled order, wrapping as needed."""
    per_epoch = max(1, len(rows) // batch_size)
    epoch, index = divmod(step, per_epoch)
    order = epoch_order(len(rows), seed, epoch)
    return rows.select(torch.tensor(order[index * batch_size : (index + 1) * batch_size]))
