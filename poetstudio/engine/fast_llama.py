"""A compact Llama forward for decoding, in the spirit of gpt-fast: static KV cache, fused projections.

It reads the weights of a loaded Hugging Face Llama model (and reuses its rotary embedding, so RoPE
scaling such as Llama 3's is exact) and skips the framework's per-call work (cache objects, mask
building, keyword plumbing), which on a small model costs as much as the maths. Models it does not
cover (other architectures, biases, other activations) use the ordinary transformers forward instead.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from poetstudio.engine.kv_cache import KVCache


def supports(model) -> bool:
    """True for plain Llama-architecture models this forward reproduces exactly."""
    config = model.config
    return (
        getattr(config, "model_type", "") == "llama"
        and not getattr(config, "attention_bias", False)
        and not getattr(config, "mlp_bias", False)
        and getattr(config, "hidden_act", "") == "silu"
        and not hasattr(model, "peft_config")
        and all(p.device.type in ("cpu", "cuda") for p in model.parameters())
        and getattr(model, "quantization_method", None) is None
    )


def rms_norm(x: torch.Tensor, weight: torch.Tensor, eps: float) -> torch.Tensor:
    """Llama's RMSNorm, computed in fp32 as transformers does (one fused op)."""
    if x.dtype != torch.float32:
        return weight * F.rms_norm(x.float(), x.shape[-1:], eps=eps).to(x.dtype)
    return F.rms_norm(x, x.shape[-1:], weight, eps)


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    """Llama's rotary helper: the last dimension's halves swapped, the first negated."""
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def _packs(dtype: torch.dtype) -> bool:
    """True where this torch build and CPU can keep `dtype` weights in oneDNN's blocked layout."""
    mkldnn = getattr(torch.ops, "mkldnn", None)
    if not torch.backends.mkldnn.is_available() or not hasattr(mkldnn, "_reorder_linear_weight"):
        return False
    if dtype == torch.bfloat16:
        return bool(mkldnn._is_mkldnn_bf16_supported())
    return dtype == torch.float32


@dataclass(frozen=True)
class WeightFormat:
    """How the forward keeps a weight matrix: its dtype, and whether pre-packed in oneDNN's blocked layout.

    Packing is done once at load; an unpacked matrix is re-laid-out by the CPU kernel on every product,
    which for a few rows costs more than the product itself (bf16, 4 rows: 1.8 ms a step unpacked against
    0.8 ms packed for the shipped model's 25 products on this project's machines).
    """

    dtype: torch.dtype
    packed: bool = False

    def available(self) -> bool:
        """True if this format can be made here."""
        return not self.packed or _packs(self.dtype)

    def prepare(self, *parts: torch.Tensor) -> torch.Tensor:
        """The weight in this format; several parts are stacked along the output dimension (a fused
        projection). The parts are copied straight into the new dtype, with no concatenated copy in the
        model's dtype on the way (a packed format still makes its blocked copy from the unpacked one)."""
        rows = sum(part.shape[0] for part in parts)
        if len(parts) == 1 and parts[0].dtype == self.dtype:
            weight = parts[0].detach()
        else:
            weight = torch.empty((rows, parts[0].shape[1]), dtype=self.dtype, device=parts[0].device)
            start = 0
            for part in parts:
                weight[start:start + part.shape[0]].copy_(part.detach())
                start += part.shape[0]
        return torch.ops.mkldnn._reorder_linear_weight(weight, None) if self.packed else weight

    def __str__(self) -> str:
        return str(self.dtype).removeprefix("torch.") + (" packed" if self.packed else "")


BATCH_FORMATS = tuple(WeightFormat(dtype, packed) for packed in (True, False)
                      for dtype in (torch.bfloat16, torch.float16, torch.float32))


def linear(x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """x @ weight.T in the weight's format, returned in x's dtype."""
    if weight.is_mkldnn:
        out = torch.ops.mkldnn._linear_pointwise(x.to(weight.dtype), weight, None, "none", [], "")
    else:
        out = F.linear(x.to(weight.dtype), weight)
    return out.to(x.dtype)


def fastest_batch_format(weight: torch.Tensor, rows: int = 4, repeats: int = 8) -> WeightFormat:
    """The weight format in which this CPU multiplies several rows fastest. CPUs differ: with native bf16
    (AVX-512 BF16, AMX, recent Arm) packed bf16 does 4 rows for about the price of one, while fp16
    products of several rows can cost as much as doing each row alone. Timed once on the output head
    (the largest matrix; about 30 ms)."""
    x = torch.randn(rows, 1, weight.shape[1])
    timings = {}
    for form in BATCH_FORMATS:
        if not form.available():
            continue
        try:
            prepared = form.prepare(weight)
            linear(x, prepared)
        except RuntimeError:  # a oneDNN build that reports support it lacks: skip the format
            continue
        started = time.perf_counter()
        for _ in range(repeats):
            linear(x, prepared)
        timings[form] = time.perf_counter() - started
    return min(timings, key=timings.get)


class FastLlama:
    """Decode-time forward over rows that share nothing but the weights; call `reset` before each prompt.

    `single` is the weight format for one row, `batch` for several (a blend); both default to the model's
    own dtype, unpacked, which reproduces transformers' logits. Prompts run in `batch` (`use_format_for`). A
    format's weights are made the first time they are needed, so a process that only ever writes blends (style
    strength above 1 is always two rows or more) never holds the one-row copy. The keys and values live in `cache` (a
    KVCache for the current batch shape), written by the forward and read by attention.
    """

    def __init__(self, model, single: WeightFormat | None = None, batch: WeightFormat | None = None):
        config = model.config
        self.model = model
        self.embed = model.model.embed_tokens.weight
        self.single = single or WeightFormat(self.embed.dtype)
        self.batch = batch or self.single
        self.heads = config.num_attention_heads
        self.kv_heads = config.num_key_value_heads
        self.head_dim = getattr(config, "head_dim", None) or config.hidden_size // self.heads
        self.eps = config.rms_norm_eps
        self.final_norm = model.model.norm.weight
        self.rotary = model.model.rotary_emb
        self.layer_count = len(model.model.layers)
        self._weights: dict[WeightFormat, tuple[list, torch.Tensor]] = {}
        self.layers: list = []  # the weights in the current format, taken by `use_format_for` on each forward
        self.lm_head: torch.Tensor | None = None
        self.cache: KVCache | None = None

    @property
    def keys(self) -> torch.Tensor:
        """The current cache's keys: (layers, rows, kv_heads, capacity, head_dim)."""
        return self.cache.keys

    @property
    def values(self) -> torch.Tensor:
        """The current cache's values, shaped as `keys`."""
        return self.cache.values

    def weights(self, form: WeightFormat) -> tuple[list, torch.Tensor]:
        """The layers' fused weights and the output head in `form`, made on first use and kept."""
        if form not in self._weights:
            with torch.inference_mode(False), torch.no_grad():  # made on a prompt's first use, inside the
                self._weights[form] = self._made_in(form)  #        forward's inference mode: kept as plain tensors
        return self._weights[form]

    def _made_in(self, form: WeightFormat) -> tuple[list, torch.Tensor]:
        """The layers' fused weights and the output head, made afresh in `form`."""
        layers = []
        for layer in self.model.model.layers:
            attention, mlp = layer.self_attn, layer.mlp
            layers.append((
                layer.input_layernorm.weight,
                form.prepare(attention.q_proj.weight, attention.k_proj.weight, attention.v_proj.weight),
                form.prepare(attention.o_proj.weight),
                layer.post_attention_layernorm.weight,
                form.prepare(mlp.gate_proj.weight, mlp.up_proj.weight),
                form.prepare(mlp.down_proj.weight),
            ))
        return layers, form.prepare(self.model.lm_head.weight)

    def reset(self, rows: int, capacity: int) -> None:
        """Empty the cache for `rows` sequences of up to `capacity` tokens."""
        self.cache = self.cache_for(rows, capacity)

    def use_format_for(self, rows: int, count: int) -> None:
        """Take the weights in the format fastest for `rows` x `count` new tokens: `single` for one token of
        one row, `batch` for anything more (a blend's step, and every prompt: a prompt of one row is a product
        of many rows too, and on a CPU without native fp16 the one-row fp16 weights took 860 ms over a 40-token
        prompt against 280 ms in fp32)."""
        self.layers, self.lm_head = self.weights(self.single if rows * count == 1 else self.batch)

    def cache_for(self, rows: int, capacity: int) -> KVCache:
        """An empty cache for this shape: here always a fresh one (GraphLlama reuses one per shape)."""
        return self.new_cache(rows, capacity)

    def new_cache(self, rows: int, capacity: int) -> KVCache:
        """A freshly allocated, zeroed cache for `rows` x `capacity`, with the rotary tables for that length."""
        device = self.embed.device
        cos, sin = self.rotary(self.embed[:1][None], torch.arange(capacity, device=device)[None])
        return KVCache(self.layer_count, rows, self.kv_heads, capacity, self.head_dim, self.embed.dtype, device,
                       (cos[0], sin[0]))

    def _attend_one(self, index: int, q: torch.Tensor, end: int) -> torch.Tensor:
        """One new query per row (rows, heads, head_dim) over layer `index`'s first `end` cache slots, as
        (rows, 1, heads x head_dim). Two batched products over the cache in place, query heads grouped by
        the key head they share (no repeated keys): on the CPU 3-4% faster a step than SDPA's kernel for
        a single query, and on CUDA free of SDPA's backend rules for masked grouped queries."""
        cache = self.cache
        rows, groups = q.shape[0], self.heads // self.kv_heads
        q = q.reshape(rows * self.kv_heads, groups, self.head_dim)  # query heads sharing a key head together
        keys = cache.keys[index].view(rows * self.kv_heads, -1, self.head_dim)[:, :end]
        values = cache.values[index].view(rows * self.kv_heads, -1, self.head_dim)[:, :end]
        scale = self.head_dim ** -0.5
        if cache.padded:
            padding = cache.padding.view(rows * self.kv_heads, 1, -1)[:, :, :end]
            scores = torch.baddbmm(padding, q, keys.transpose(1, 2), alpha=scale)
        else:
            scores = torch.bmm(q, keys.transpose(1, 2)).mul_(scale)
        probs = torch.softmax(scores, dim=-1, dtype=torch.float32).to(values.dtype)  # fp32 softmax, as transformers
        return torch.bmm(probs, values).view(rows, 1, self.heads * self.head_dim)

    def attend(self, index: int, q: torch.Tensor, end: int, mask: torch.Tensor | None) -> torch.Tensor:
        """Rotated queries (rows, count, heads, head_dim) over layer `index`'s first `end` cache slots, as
        (rows, count, heads x head_dim): one query a row by `_attend_one`, several (the prompt) by SDPA
        with `mask` (KVCache.prompt_mask)."""
        rows, count = q.shape[:2]
        if count == 1:
            return self._attend_one(index, q[:, 0], end)
        return F.scaled_dot_product_attention(
            q.transpose(1, 2), self.cache.keys[index, :, :, :end], self.cache.values[index, :, :, :end],
            attn_mask=mask, enable_gqa=self.kv_heads != self.heads,
        ).transpose(1, 2).reshape(rows, count, self.heads * self.head_dim)

    @torch.inference_mode()
    def forward(self, ids: torch.Tensor, positions: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        """Logits of each row's last token. ids/positions/valid: (rows, new tokens); valid False = padding."""
        start, end = self.cache.claim(valid)
        mask = self.cache.prompt_mask(start, end) if end - start > 1 else None
        self.use_format_for(*ids.shape)
        return self.run_layers(ids, positions, slice(start, end), end, mask)

    def run_layers(self, ids: torch.Tensor, positions: torch.Tensor, slots: slice | torch.Tensor, end: int,
                   mask: torch.Tensor | None = None) -> torch.Tensor:
        """Embed, run every decoder layer and the output head; logits of each row's last token. Each layer
        writes its new keys and values at `slots` of the cache (KVCache.write) and attends over the first
        `end` slots (`attend`, with `mask` for several new tokens a row)."""
        rows, count = ids.shape
        x = F.embedding(ids, self.embed)
        cos, sin = self.cache.cos[positions].unsqueeze(2), self.cache.sin[positions].unsqueeze(2)
        q_size, kv_size = self.heads * self.head_dim, self.kv_heads * self.head_dim
        for index, (norm1, qkv, out, norm2, gate_up, down) in enumerate(self.layers):
            h = rms_norm(x, norm1, self.eps)
            qk, v = linear(h, qkv).split((q_size + kv_size, kv_size), dim=-1)
            qk = qk.view(rows, count, self.heads + self.kv_heads, self.head_dim)
            qk = qk * cos + rotate_half(qk) * sin  # queries and keys rotated together: one set of ops
            v = v.view(rows, count, self.kv_heads, self.head_dim)
            self.cache.write(index, slots, qk[:, :, self.heads:].transpose(1, 2), v.transpose(1, 2))
            x = x + linear(self.attend(index, qk[:, :, : self.heads], end, mask), out)
            h = rms_norm(x, norm2, self.eps)
            gate, up = linear(h, gate_up).chunk(2, dim=-1)
            x = x + linear(F.silu(gate) * up, down)
        return linear(rms_norm(x[:, -1], self.final_norm, self.eps), self.lm_head)
