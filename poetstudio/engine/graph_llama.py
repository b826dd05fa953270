"""FastLlama's decode step with every shape and address fixed, so that on CUDA it runs as one CUDA graph.

A one-token step of a 1B model is hundreds of small kernels; launched one by one from Python, the GPU
waits on the launches. Here the step reads its token, position and cache slot from tensors, attends over
the whole cache with unwritten and padded slots masked (no slicing by a Python length), and advances its
own cursor, so it can be captured once per (rows, capacity) and replayed for every token, as gpt-fast
does with torch.compile's "reduce-overhead" mode but without a compiler. The captured graph is checked
against the same step run eagerly before it is trusted; the eager step is the fallback and runs on any
device.
"""

from __future__ import annotations

import torch

from poetstudio.engine.fast_llama import FastLlama

CAPACITY_STEP = 128  # capacities are rounded up to this, so one captured graph serves many prompt lengths
KEPT_SHAPES = 8  # (rows, capacity) buffer sets and graphs kept; the oldest goes first


def bucket(capacity: int) -> int:
    """`capacity` rounded up to a multiple of CAPACITY_STEP."""
    return -(-capacity // CAPACITY_STEP) * CAPACITY_STEP


class GraphLlama(FastLlama):
    """FastLlama whose cache buffers persist per (rows, capacity), with a fixed-shape step to replay."""

    def __init__(self, model, use_graphs: bool | None = None):
        super().__init__(model)
        self.use_graphs = self.embed.device.type == "cuda" if use_graphs is None else use_graphs
        self._buffers: dict[tuple[int, int], dict[str, torch.Tensor]] = {}
        self._graphs: dict[tuple[int, int], tuple[torch.cuda.CUDAGraph, torch.Tensor] | None] = {}
        self.graph: tuple[torch.cuda.CUDAGraph, torch.Tensor] | None = None

    def _allocate(self, rows: int, capacity: int) -> None:
        """Reuse (zeroed in place) the buffers made for this shape before: a captured graph keeps their addresses."""
        buffers = self._buffers.get((rows, capacity))
        if buffers is None:
            if len(self._buffers) >= KEPT_SHAPES:
                oldest = next(iter(self._buffers))
                del self._buffers[oldest]
                self._graphs.pop(oldest, None)
            super()._allocate(rows, capacity)
            device = self.embed.device
            self._buffers[rows, capacity] = {
                "keys": self.keys, "values": self.values, "valid": self.valid, "padding": self.padding,
                "cos_table": self.cos_table, "sin_table": self.sin_table,
                "cursor": torch.zeros((), dtype=torch.long, device=device),
                "step_positions": torch.zeros((rows, 1), dtype=torch.long, device=device),
                "step_ids": torch.zeros((rows, 1), dtype=torch.long, device=device),
            }
            buffers = self._buffers[rows, capacity]
        else:
            for name in ("keys", "values", "valid", "padding"):
                buffers[name].zero_()
        for name, tensor in buffers.items():
            setattr(self, name, tensor)

    def begin_steps(self, next_positions: torch.Tensor) -> None:
        """After the prompt: point the step at the next cache slot and each row's next position, mask every
        slot not yet written, and get this shape's graph ready (captured on first use)."""
        self.cursor.fill_(self.length)
        self.step_positions.copy_(next_positions)
        self.padding[..., self.length:] = float("-inf")
        self.padded = True
        key = (self.step_ids.shape[0], self.keys.shape[3])
        if self.use_graphs and key not in self._graphs:
            self._graphs[key] = self._capture()
        self.graph = self._graphs.get(key)

    def step(self, token: int) -> torch.Tensor:
        """Feed one shared token to every row and return the next logits (a graph replay where captured)."""
        self.step_ids.fill_(token)
        if self.graph is None:
            return self.static_step()
        graph, logits = self.graph
        graph.replay()
        return logits

    def static_step(self) -> torch.Tensor:
        """One token for every row at `cursor`, attending over the whole cache with the slots not yet
        written masked out; fixed shapes and no host synchronisation."""
        slot = self.cursor.view(1)
        self.padding.index_fill_(3, slot, 0.0)
        capacity = self.keys.shape[3]

        def attend(index: int, qk: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
            self.keys[index].index_copy_(2, slot, qk[:, :, self.heads:].transpose(1, 2))
            self.values[index].index_copy_(2, slot, v.transpose(1, 2))
            return self._attend_one(index, qk[:, 0, : self.heads], capacity)

        logits = self.run_layers(self.step_ids, self.step_positions, attend)
        self.cursor.add_(1)
        self.step_positions.add_(1)
        return logits

    def _capture(self) -> tuple[torch.cuda.CUDAGraph, torch.Tensor] | None:
        """Capture `static_step` as a CUDA graph and check one replay against the eager step; None (run
        eagerly) if capture fails or the replay disagrees. Leaves the cache as it found it, but for the
        slot at `cursor`, which the first real step overwrites."""
        cursor, positions = self.cursor.clone(), self.step_positions.clone()

        def rewind() -> None:
            self.cursor.copy_(cursor)
            self.step_positions.copy_(positions)

        try:
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                for _ in range(2):  # warm-up, as capture requires: kernels chosen, workspaces allocated
                    self.static_step()
                    rewind()
            torch.cuda.current_stream().wait_stream(side)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                logits = self.static_step()
            eager = self.static_step().clone()
            rewind()
            graph.replay()
            rewind()
            agrees = torch.allclose(logits.float(), eager.float(), atol=1e-2, rtol=1e-2)
        except RuntimeError:
            rewind()
            return None
        return (graph, logits) if agrees else None
