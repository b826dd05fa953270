"""How hard a run works the hardware: model FLOPs per token, achieved FLOP/s and model FLOPs utilisation."""

from __future__ import annotations

import torch

PEAK_BF16_FLOPS = {  # dense bf16 tensor-core peaks from the vendors' data sheets (no sparsity)
    "H100": 989e12,
    "H200": 989e12,
    "A100": 312e12,
    "L40S": 362e12,
    "A10": 125e12,
    "RTX 4090": 165e12,
}


def flops_per_token(model, seq_len: int) -> float:
    """Training FLOPs per token: 6 per weight used in a product (forward and backward; the input embedding
    is a lookup, the tied output head a product), plus attention's 12 x layers x width x context
    (PaLM's appendix B accounting)."""
    config = model.config
    params = sum(p.numel() for p in model.parameters())
    embedding = config.vocab_size * config.hidden_size
    products = params - (0 if config.tie_word_embeddings else embedding)
    return 6 * products + 12 * config.num_hidden_layers * config.hidden_size * seq_len


def peak_flops(device: torch.device) -> float | None:
    """The device's dense bf16 peak, where its name is in the table (None on CPUs and unknown GPUs)."""
    if device.type != "cuda":
        return None
    name = torch.cuda.get_device_name(device)
    return next((peak for key, peak in PEAK_BF16_FLOPS.items() if key in name), None)


def utilisation(model, seq_len: int, tokens_per_s: float, device: torch.device) -> tuple[float, float | None]:
    """(achieved model FLOP/s, model FLOPs utilisation or None where the peak is unknown)."""
    achieved = flops_per_token(model, seq_len) * tokens_per_s
    peak = peak_flops(device)
    return achieved, (achieved / peak if peak else None)
