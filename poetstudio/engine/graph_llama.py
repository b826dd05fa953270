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

from dataclasses import dataclass

import torch

from poetstudio.engine.fast_llama import FastLlama
from poetstudio.engine.kv_cache import KVCache

CAPACITY_STEP = 128  # capacities are rounded up to this, so one captured graph serves many prompt lengths
KEPT_SHAPES = 8  # (rows, capacity) buffer sets and graphs kept; the oldest goes first


def bucket(capacity: int) -> int:
    """`capacity` rounded up to a multiple of CAPACITY_STEP."""
    return -(-capacity // CAPACITY_STEP) * CAPACITY_STEP


@dataclass(eq=False)
class ShapeBuffers:
    """What one (rows, capacity) keeps between prompts, at fixed addresses: the cache, the step's inputs
    (each row's token and position, and the cache slot the step writes), and the graph captured over them
    (`graph` None and `tried` True: capture failed or disagreed, so the step runs eagerly)."""

    cache: KVCache
    ids: torch.Tensor
    positions: torch.Tensor
    cursor: torch.Tensor
    graph: tuple[torch.cuda.CUDAGraph, torch.Tensor] | None = None
    tried: bool = False


class GraphLlama(FastLlama):
    """FastLlama whose cache and step inputs persist per (rows, capacity), with a fixed-shape step to replay."""

    def __init__(self, model, use_graphs: bool | None = None):
        super().__init__(model)
        self.use_graphs = self.embed.device.type == "cuda" if use_graphs is None else use_graphs
        self._shapes: dict[tuple[int, int], ShapeBuffers] = {}
        self.buffers: ShapeBuffers | None = None

    def cache_for(self, rows: int, capacity: int) -> KVCache:
        """This shape's cache, cleared in place when it was made before (a captured graph keeps its
        addresses); the oldest shape is dropped beyond KEPT_SHAPES."""
        buffers = self._shapes.get((rows, capacity))
        if buffers is None:
            if len(self._shapes) >= KEPT_SHAPES:
                del self._shapes[next(iter(self._shapes))]
            device = self.embed.device
            buffers = self._shapes[rows, capacity] = ShapeBuffers(
                self.new_cache(rows, capacity),
                ids=torch.zeros((rows, 1), dtype=torch.long, device=device),
                positions=torch.zeros((rows, 1), dtype=torch.long, device=device),
                cursor=torch.zeros((), dtype=torch.long, device=device),
            )
        else:
            buffers.cache.clear()
        self.buffers = buffers
        return buffers.cache

    def begin_steps(self, next_positions: torch.Tensor) -> None:
        """After the prompt: point the step at the next cache slot and each row's next position, mask every
        slot not yet written, and get this shape's graph ready (captured on first use)."""
        buffers = self.buffers
        buffers.cursor.fill_(self.cache.length)
        buffers.positions.copy_(next_positions)
        self.cache.mask_unwritten()
        if self.use_graphs and not buffers.tried:
            buffers.graph, buffers.tried = self._capture(), True

    def step(self, token: int) -> torch.Tensor:
        """Feed one shared token to every row and return the next logits (a graph replay where captured)."""
        self.buffers.ids.fill_(token)
        if self.buffers.graph is None:
            return self.static_step()
        graph, logits = self.buffers.graph
        graph.replay()
        return logits

    def static_step(self) -> torch.Tensor:
        """One token for every row at `cursor`, attending over the whole cache with the slots not yet
        written masked out; fixed shapes and no host synchronisation."""
        buffers = self.buffers
        slot = buffers.cursor.view(1)
        self.cache.unmask(slot)
        logits = self.run_layers(buffers.ids, buffers.positions, slot, self.cache.capacity)
        buffers.cursor.add_(1)
        buffers.positions.add_(1)
        return logits

    def _capture(self) -> tuple[torch.cuda.CUDAGraph, torch.Tensor] | None:
        """Capture `static_step` as a CUDA graph and check one replay against the eager step; None (run
        eagerly) if capture fails or the replay disagrees. Leaves the cache as it found it, but for the
        slot at `cursor`, which the first real step overwrites."""
        buffers = self.buffers
        cursor, positions = buffers.cursor.clone(), buffers.positions.clone()

        def rewind() -> None:
            buffers.cursor.copy_(cursor)
            buffers.positions.copy_(positions)

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
