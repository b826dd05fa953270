"""Hugging Face loading that generation and training share: tokenizers, causal LMs, 4-bit NF4.

Errors pass through as the libraries raise them; each caller words its own one-line UserError. transformers
is imported on first use, so importing this module costs nothing.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from pathlib import Path

import torch

from poetstudio.model_source import FOLDER, GGUF, PACKAGE, ModelSource, parse_source


def set_pad_token(tokenizer):
    """Give a tokenizer without a pad token its end-of-text token as one (batches need a pad id); returns it."""
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


LOAD_OPTIONS = ("is_local", "local_files_only")
"""How a tokenizer happened to be loaded (offline, from a folder), which transformers would save back with it."""


def pretrained_location(source: str | ModelSource, status: Callable[[str], None] | None = None) -> tuple[str, dict]:
    """What `from_pretrained` is given for a source: (hub id or folder, keyword arguments). A GGUF or packaged
    base is its converted folder in the user cache (converted on first use, with `status` told)."""
    source = parse_source(source)
    if source.kind in (GGUF, PACKAGE):
        from poetstudio.runtime.gguf_base import converted_folder

        return str(converted_folder(source, status)), {"local_files_only": True}
    if source.kind == FOLDER:
        return source.location, {"local_files_only": True}
    return source.location, {}


FAST_TOKENIZER_CLASSES = ("TokenizersBackend", "PreTrainedTokenizerFast")
"""tokenizer_config.json classes that are a tokenizer.json and nothing more (our converted GGUFs, our own bases)."""


def tokenizer_class(name: str, kwargs: dict):
    """The class to load a tokenizer with: a local folder whose tokenizer is a plain tokenizer.json loads it
    directly (about 1 s sooner than AutoTokenizer, which reads the model config and resolves the class); anything
    else goes through AutoTokenizer."""
    folder = Path(name)
    if kwargs.get("local_files_only") and (folder / "tokenizer.json").is_file():
        try:
            declared = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8")).get("tokenizer_class")
        except (OSError, ValueError, AttributeError):
            declared = None
        if declared in FAST_TOKENIZER_CLASSES:
            from transformers import PreTrainedTokenizerFast

            return PreTrainedTokenizerFast
    from transformers import AutoTokenizer

    return AutoTokenizer


def load_tokenizer(source: str | ModelSource):
    """The tokenizer of a base, with a pad token set; how it was loaded is not kept in it, so a tokenizer
    saved from it loads the same way from a folder or a hub."""
    name, kwargs = pretrained_location(source)
    tokenizer = tokenizer_class(name, kwargs).from_pretrained(name, **kwargs)
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


def load_causal_lm(source: str | ModelSource, dtype: torch.dtype, quantization=None,
                   device: torch.device | None = None):
    """A causal LM from any base source in `dtype`; with a `quantization` config it is loaded quantised straight
    onto `device` (bitsandbytes places the weights as it loads them; a GGUF base goes through its converted
    folder, since 4-bit NF4 cannot be combined with `gguf_file`)."""
    from transformers import AutoModelForCausalLM

    name, kwargs = pretrained_location(source)
    if quantization is not None:
        index = device.index if device is not None else None
        kwargs.update(quantization_config=quantization, device_map={"": index or 0})
    return AutoModelForCausalLM.from_pretrained(name, dtype=dtype, **kwargs)
