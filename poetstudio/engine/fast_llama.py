"""A compact Llama forward for decoding, in the spirit of gpt-fast: static KV cache, fused projections.

It reads the weights of a loaded Hugging Face Llama model (and reuses its rotary embedding, so RoPE
scaling such as Llama 3's is exact) and skips the framework's per-call work (cache objects, mask
building, keyword plumbing), which on a small model costs as much as the maths. Models it does not
cover (other architectures, biases, other activations) use the ordinary transformers forward instead.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def supports(model) -> bool:
    """True for plain Llama-architecture models this forward reproduces exactly."""
    config = model.config
    return (
        getattr(config, "model_type", "") == "llama"
        and not getattr(config, "attention_bias", False)
        and not getattr(config, "mlp_bias", False)
        and getattr(config, "hidden_act", "") == "silu"
        and not hasattr(model, "peft_config")
        and all(p.device.type == "cpu" for p in model.parameters())
        and getattr(model, "quantization_method", None) is None
    )


def _rms_norm(x: torch.Tensor, weight: torch.Tensor, eps: float) -> torch.Tensor:
    if x.dtype != torch.float32:
        variance = x.float().pow(2).mean(-1, keepdim=True)
        return weight * (x.float() * torch.rsqrt(variance + eps)).to(x.dtype)
    return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def _rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def fastest_batch_dtype(weight: torch.Tensor, rows: int = 4, repeats: int = 8) -> torch.dtype:
    """The weight dtype in which this CPU multiplies several rows fastest. CPUs differ: with native bf16
    (AVX-512 BF16, AMX, recent Arm) bf16 does 4 rows for the price of one, while fp16 products of several
    rows can cost as much as doing each row alone. Timed once on the output head (about 20 ms)."""
    import time

    x = torch.randn(rows, 1, weight.shape[1])
    timings = {}
    for dtype in (torch.bfloat16, torch.float16, torch.float32):
        w, xd = weight.detach().to(dtype), x.to(dtype)
        F.linear(xd, w)
        started = time.perf_counter()
        for _ in range(repeats):
            F.linear(xd, w)
        timings[dtype] = time.perf_counter() - started
    return min(timings, key=timings.get)


class FastLlama:
    """Decode-time forward over rows that share nothing but the weights; call `reset` before each prompt."""

    def __init__(self, model, weight_dtype: torch.dtype | None = None, batch_dtype: torch.dtype | None = None):
        config = model.config
        self.model = model
        self.weight_dtype = weight_dtype or model.model.embed_tokens.weight.dtype
        self.batch_dtype = batch_dtype or self.weight_dtype
        self.heads = config.num_attention_heads
        self.kv_heads = config.num_key_value_heads
        self.head_dim = getattr(config, "head_dim", None) or config.hidden_size // self.heads
        self.eps = config.rms_norm_eps
        self.embed = model.model.embed_tokens.weight
        self.final_norm = model.model.norm.weight
        self.rotary = model.model.rotary_emb
        self._weights: dict[torch.dtype, tuple[list, torch.Tensor]] = {}
        self.layers, self.lm_head = self.weights(self.weight_dtype)
        self.keys: torch.Tensor | None = None
        self.values: torch.Tensor | None = None
        self.valid: torch.Tensor | None = None
        self.length = 0

    def weights(self, dtype: torch.dtype) -> tuple[list, torch.Tensor]:
        """The layers' fused weights and the output head in `dtype`, made on first use and kept."""
        if dtype not in self._weights:
            layers = []
            for layer in self.model.model.layers:
                attention, mlp = layer.self_attn, layer.mlp
                layers.append((
                    layer.input_layernorm.weight,
                    torch.cat([attention.q_proj.weight, attention.k_proj.weight, attention.v_proj.weight]).to(dtype),
                    attention.o_proj.weight.to(dtype),
                    layer.post_attention_layernorm.weight,
                    torch.cat([mlp.gate_proj.weight, mlp.up_proj.weight]).to(dtype),
                    mlp.down_proj.weight.to(dtype),
                ))
            self._weights[dtype] = (layers, self.model.lm_head.weight.to(dtype))
        return self._weights[dtype]

    def reset(self, rows: int, capacity: int) -> None:
        """Allocate an empty cache for `rows` sequences of up to `capacity` tokens, and take the weights in
        the dtype that is fastest for that many rows (one row: weight_dtype; several: batch_dtype)."""
        self.layers, self.lm_head = self.weights(self.weight_dtype if rows == 1 else self.batch_dtype)
        shape = (len(self.layers), rows, self.kv_heads, capacity, self.head_dim)
        self.keys = torch.zeros(shape, dtype=self.embed.dtype)
        self.values = torch.zeros(shape, dtype=self.embed.dtype)
        self.valid = torch.zeros((rows, capacity), dtype=torch.bool)
        self.length = 0
        positions = torch.arange(capacity)[None]
        cos, sin = self.rotary(self.embed[:1][None], positions)
        self.cos_table, self.sin_table = cos[0], sin[0]

    def _mask(self, count: int, start: int, end: int) -> torch.Tensor | None:
        """Causal and padding mask. One new token may see every valid position (None: no padding at all)."""
        if count == 1:
            valid = self.valid[:, :end]
            return None if bool(valid.all()) else valid[:, None, None]
        causal = torch.ones((count, end), dtype=torch.bool).tril(diagonal=start)
        itself = torch.zeros((count, end), dtype=torch.bool)
        itself[:, start:end] = torch.eye(count, dtype=torch.bool)
        return ((causal[None] & self.valid[:, None, :end]) | itself[None])[:, None]  # padding sees itself: no NaN

    @torch.inference_mode()
    def forward(self, ids: torch.Tensor, positions: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        """Logits of each row's last token. ids/positions/valid: (rows, new tokens); valid False = padding."""
        rows, count = ids.shape
        start, end = self.length, self.length + count
        self.valid[:, start:end] = valid
        self.length = end
        x = F.embedding(ids, self.embed)
        cos, sin = self.cos_table[positions].unsqueeze(1), self.sin_table[positions].unsqueeze(1)
        mask = self._mask(count, start, end)
        q_size, kv_size = self.heads * self.head_dim, self.kv_heads * self.head_dim
        for index, (norm1, qkv, out, norm2, gate_up, down) in enumerate(self.layers):
            h = _rms_norm(x, norm1, self.eps)
            q, k, v = self._linear(h, qkv).split((q_size, kv_size, kv_size), dim=-1)
            q = q.view(rows, count, self.heads, self.head_dim).transpose(1, 2)
            k = k.view(rows, count, self.kv_heads, self.head_dim).transpose(1, 2)
            v = v.view(rows, count, self.kv_heads, self.head_dim).transpose(1, 2)
            q = q * cos + _rotate_half(q) * sin
            k = k * cos + _rotate_half(k) * sin
            self.keys[index, :, :, start:end] = k
            self.values[index, :, :, start:end] = v
            attended = F.scaled_dot_product_attention(
                q, self.keys[index, :, :, :end], self.values[index, :, :, :end], attn_mask=mask,
                enable_gqa=self.kv_heads != self.heads,
            )
            x = x + self._linear(attended.transpose(1, 2).reshape(rows, count, q_size), out)
            h = _rms_norm(x, norm2, self.eps)
            gate, up = self._linear(h, gate_up).chunk(2, dim=-1)
            x = x + self._linear(F.silu(gate) * up, down)
        last = _rms_norm(x[:, -1], self.final_norm, self.eps)
        return self._linear(last, self.lm_head)

    def _linear(self, x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        """x @ weight.T with weights stored in weight_dtype (fp16 halves the bytes read per token)."""
        if weight.dtype == x.dtype:
            return F.linear(x, weight)
        return F.linear(x.to(weight.dtype), weight).to(x.dtype)
