"""Hugging Face loading that generation and training share: tokenizers, causal LMs, 4-bit NF4.

Errors pass through as the libraries raise them; each caller words its own one-line UserError. transformers
is imported on first use, so importing this module costs nothing.
"""

from __future__ import annotations

import importlib.util

import torch

from poetstudio.model_source import source_kwargs


def set_pad_token(tokenizer):
    """Give a tokenizer without a pad token its end-of-text token as one (batches need a pad id); returns it."""
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


LOAD_OPTIONS = ("is_local", "local_files_only")
"""How a tokenizer happened to be loaded (offline, from a folder), which transformers would save back with it."""


def load_tokenizer(name: str):
    """The tokenizer of a hub model or local folder, with a pad token set; how it was loaded is not kept in
    it, so a tokenizer saved from it loads the same way from a folder or a hub."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(name, **source_kwargs(name))
    for option in LOAD_OPTIONS:
        tokenizer.init_kwargs.pop(option, None)
    return set_pad_token(tokenizer)


def nf4_available(device: torch.device) -> bool:
    """True where 4-bit NF4 can run: a CUDA device with bitsandbytes installed."""
    return device.type == "cuda" and importlib.util.find_spec("bitsandbytes") is not None


def nf4_config(double_quant: bool = False):
    """A 4-bit NF4 BitsAndBytesConfig computing in bf16; `double_quant` also quantises the scales (training
    uses it: about 0.37 bits a parameter saved, per the QLoRA paper)."""
    from transformers import BitsAndBytesConfig

    extra = {"bnb_4bit_use_double_quant": True} if double_quant else {}
    return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16,
                              **extra)


def load_causal_lm(name: str, dtype: torch.dtype, quantization=None, device: torch.device | None = None):
    """A causal LM from a hub id or local folder in `dtype`; with a `quantization` config it is loaded
    quantised straight onto `device` (bitsandbytes places the weights as it loads them)."""
    from transformers import AutoModelForCausalLM

    kwargs = source_kwargs(name)
    if quantization is not None:
        index = device.index if device is not None else None
        kwargs.update(quantization_config=quantization, device_map={"": index or 0})
    return AutoModelForCausalLM.from_pretrained(name, dtype=dtype, **kwargs)
