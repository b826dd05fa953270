"""Load a base model and an adapter (hub id or local folder) for generation, with errors as UserError."""

from __future__ import annotations

import warnings as py_warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch

from poetstudio.corpus.vocabulary import NO_WORDS, WordCounts, read_word_list
from poetstudio.errors import UserError
from poetstudio.model_info import read_metadata
from poetstudio.model_source import FOLDER, ModelSource, looks_like_hub_id, parse_source, source_kwargs
from poetstudio.model_spec import ModelSpec
from poetstudio.runtime.device import pick_device
from poetstudio.runtime.hub import load_causal_lm, load_tokenizer, nf4_available, nf4_config, pretrained_location


@dataclass
class LoadedModel:
    """A ready-to-generate model, its tokenizer, the adapter's metadata, any load warnings, and the base's
    word list."""

    model: object
    tokenizer: object
    device: torch.device
    base: str
    adapter: str | None
    metadata: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    words: WordCounts = field(default_factory=lambda: NO_WORDS)
    """The words the base read in training and how often (its words.txt; empty where it ships none)."""


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]


def quantization(quantize: str, device: torch.device, warnings: list[str]):
    """A 4-bit NF4 config where it can run (CUDA + bitsandbytes); otherwise a warning and None."""
    if quantize != "nf4":
        return None
    if not nf4_available(device):
        warnings.append("4-bit NF4 needs a CUDA GPU and bitsandbytes; loading in full precision instead")
        return None
    return nf4_config()


def adapter_metadata(adapter: str | None) -> dict:
    """A local adapter folder's poetstudio.json ({} for none, a hub adapter, or a folder without one)."""
    meta_file = Path(adapter) / "poetstudio.json" if adapter else None
    return read_metadata(meta_file) if meta_file is not None and meta_file.is_file() else {}


def check_base(metadata: dict, source: ModelSource, adapter: str | None, key: str | None = None) -> None:
    """Refuse an adapter on a base other than the one it was trained on (its metadata's `base_key`; adapters
    from before the key was recorded are not checked). `key`: the base's content key where already known."""
    trained_on = metadata.get("base_key")
    if trained_on and trained_on != (key or source.content_key()):
        raise UserError(f"adapter '{adapter}' was trained on base '{metadata.get('base_model', trained_on)}', not "
                        f"'{source.location}'; load it with --model {metadata.get('base_model', trained_on)}")


def load_model(spec: ModelSpec, device: str = "auto", quantize: str = "none", merge: bool = True,
               on_status: Callable[[str], None] | None = None) -> LoadedModel:
    """Load the spec's base (+ adapter, merged into the weights for speed) onto the device, in eval mode."""
    from peft import PeftModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    py_warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
    status = on_status or (lambda _: None)
    source, adapter, base = spec.base, spec.adapter, spec.base_name
    if source.kind == FOLDER and not Path(base).is_dir():
        raise UserError(f"model folder '{base}' does not exist; give a local model folder or a hub id like org/name")
    if adapter and not Path(adapter).is_dir() and not looks_like_hub_id(adapter):
        raise UserError(f"adapter folder '{adapter}' does not exist; give a folder saved by `poetstudio train`")
    metadata = adapter_metadata(adapter)
    target = pick_device(device)
    warnings: list[str] = []
    quant = quantization(quantize, target, warnings)
    dtype = torch.bfloat16 if target.type == "cuda" else torch.float32
    status(f"loading {base} on {target}")
    try:
        location, _ = pretrained_location(source, status)  # a GGUF is converted (once) and checked here, once
        # the resolved folder's key: a converted GGUF's is read from its manifest, not hashed again
        check_base(metadata, source, adapter, parse_source(location).content_key())
        tokenizer = load_tokenizer(location)
        model = load_causal_lm(location, dtype, quant, target)
    except UserError:
        raise
    except Exception as exc:  # hub, config, safetensors and torch errors share no base class
        raise UserError(f"cannot load model '{base}': {_first_line(exc)}") from None
    if adapter:
        adapter_dir = Path(adapter)
        if adapter_dir.is_dir() and not (adapter_dir / "adapter_config.json").exists():
            raise UserError(f"'{adapter}' has no adapter_config.json; give a folder saved by `poetstudio train`")
        status(f"loading adapter {adapter}")
        try:
            model = PeftModel.from_pretrained(model, adapter, **source_kwargs(adapter))
        except (RuntimeError, KeyError) as exc:
            raise UserError(f"adapter '{adapter}' does not fit model '{base}' (made for another base?): "
                            f"{_first_line(exc)}") from None
        except Exception as exc:  # corrupt safetensors, bad JSON, hub errors
            raise UserError(f"cannot load adapter '{adapter}': {_first_line(exc)}") from None
        if merge and quant is None:
            model = model.merge_and_unload()
    if quant is None:
        model.to(target)
    model.eval()
    status("model ready")
    words = read_word_list(spec.words.parent) if spec.words is not None else NO_WORDS
    return LoadedModel(model, tokenizer, target, base, adapter, metadata, warnings, words)
