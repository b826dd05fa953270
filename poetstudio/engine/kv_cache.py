"""The static KV cache of the fast decode forwards: one object per batch shape (rows, capacity).

It owns every layer's keys and values, which slots hold real tokens (not left padding), the additive mask a
single query reads them through, and the rotary tables for the positions it can hold. The forward writes
into it through `write` only, so FastLlama and GraphLlama share one cache type: FastLlama makes a fresh one
per prompt, GraphLlama keeps one per (rows, capacity) bucket and clears it in place, because a captured
CUDA graph has the addresses of its tensors baked in.
"""

from __future__ import annotations

import torch


class KVCache:
    """Keys and values of `layers` layers for `rows` sequences of up to `capacity` tokens, with their masks.

    `length` is how many slots (columns, shared by every row) are written; `padded` is True once any slot is
    masked, so a query must add `padding` to its scores.
    """

    def __init__(self, layers: int, rows: int, kv_heads: int, capacity: int, head_dim: int, dtype: torch.dtype,
                 device, rotary: tuple[torch.Tensor, torch.Tensor]):
        shape = (layers, rows, kv_heads, capacity, head_dim)
        self.keys = torch.zeros(shape, dtype=dtype, device=device)
        self.values = torch.zeros(shape, dtype=dtype, device=device)
        self.valid = torch.zeros((rows, capacity), dtype=torch.bool, device=device)
        # additive attention mask for one query: -inf at padded (and, in a fixed-shape step, unwritten) slots
        self.padding = torch.zeros((rows, kv_heads, 1, capacity), dtype=dtype, device=device)
        self.cos, self.sin = rotary
        self.length = 0
        self.padded = False

    @property
    def rows(self) -> int:
        """Sequences in the batch."""
        return self.keys.shape[1]

    @property
    def capacity(self) -> int:
        """Slots per sequence."""
        return self.keys.shape[3]

    def clear(self) -> None:
        """Empty the cache in place (same tensors, same addresses)."""
        for tensor in (self.keys, self.values, self.valid, self.padding):
            tensor.zero_()
        self.length = 0
        self.padded = False

    def claim(self, valid: torch.Tensor) -> tuple[int, int]:
        """Take the next `valid.shape[1]` slots for new tokens (valid: (rows, count), False = padding, which is
        masked for every later query); returns the slots' (start, end)."""
        start, end = self.length, self.length + valid.shape[1]
        self.valid[:, start:end] = valid
        if not bool(valid.all()):
            self.padding[:, :, 0, start:end].masked_fill_(~valid[:, None], float("-inf"))
            self.padded = True
        self.length = end
        return start, end

    def write(self, layer: int, slots: slice | torch.Tensor, keys: torch.Tensor, values: torch.Tensor) -> None:
        """Store layer `layer`'s new keys and values, each (rows, kv_heads, count, head_dim), at `slots`: a
        slice of slots, or a one-element tensor holding the slot (a fixed-shape step reads it on the device,
        with no host synchronisation)."""
        if isinstance(slots, slice):
            self.keys[layer, :, :, slots] = keys
            self.values[layer, :, :, slots] = values
        else:
            self.keys[layer].index_copy_(2, slots, keys)
            self.values[layer].index_copy_(2, slots, values)

    def prompt_mask(self, start: int, end: int) -> torch.Tensor:
        """Boolean mask (rows, 1, end - start, end) for the new tokens in slots start:end: causal, padding
        hidden, and every token sees itself (so a padding query gets no empty row, hence no NaN)."""
        count, device = end - start, self.valid.device
        causal = torch.ones((count, end), dtype=torch.bool, device=device).tril(diagonal=start)
        itself = torch.zeros((count, end), dtype=torch.bool, device=device)
        itself[:, start:end] = torch.eye(count, dtype=torch.bool, device=device)
        return ((causal[None] & self.valid[:, None, :end]) | itself[None])[:, None]

    def mask_unwritten(self) -> None:
        """Mask every slot past `length`, for a step that attends over the whole capacity."""
        self.padding[..., self.length:] = float("-inf")
        self.padded = True

    def unmask(self, slot: torch.Tensor) -> None:
        """Let queries see `slot` (a one-element tensor), about to be written by a fixed-shape step."""
        self.padding.index_fill_(3, slot, 0.0)
