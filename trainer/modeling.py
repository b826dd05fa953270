"""Models for training: load a base (hub id or local folder), build one from scratch, add LoRA."""

from __future__ import annotations

import warnings

import torch
from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
from transformers import LlamaConfig, LlamaForCausalLM

from poetstudio.errors import UserError
from poetstudio.runtime import hub
from trainer.config import TrainConfig

warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)

ROPE_THETA = 10_000.0  # the classic RoPE base; contexts here are short, so nothing larger is needed


def load_tokenizer(name: str):
    """The tokenizer of a hub model or local folder, with a pad token set."""
    try:
        return hub.load_tokenizer(name)
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot load a tokenizer from '{name}': {str(exc).splitlines()[0]}") from None


def load_base_model(config: TrainConfig, device: torch.device, dtype: torch.dtype):
    """The base causal LM, 4-bit NF4 when asked (CUDA and bitsandbytes only), in `dtype` otherwise."""
    quantization = None
    if config.quantize == "nf4":
        if not hub.nf4_available(device):
            raise UserError("--quantize nf4 needs a CUDA GPU and bitsandbytes; "
                            "drop the flag to train in full precision")
        quantization = hub.nf4_config(double_quant=True)
    try:
        model = hub.load_causal_lm(config.base_model, dtype, quantization, device)
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot load base model '{config.base_model}': {str(exc).splitlines()[0]}") from None
    if quantization is not None:
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
    else:
        model.to(device)
    return model


def add_lora(model, config: TrainConfig):
    """Wrap the model with a LoRA adapter; `target_modules = ["all-linear"]` targets every linear layer."""
    targets = "all-linear" if config.target_modules == ["all-linear"] else config.target_modules
    lora = LoraConfig(
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=targets,
        task_type="CAUSAL_LM",
    )
    try:
        return get_peft_model(model, lora)
    except ValueError as exc:
        raise UserError(f"cannot add LoRA: {str(exc).splitlines()[0]}; check target_modules") from None


def continued_model(config: TrainConfig, device: torch.device, dtype: torch.dtype):
    """A saved model whose pretraining goes on (`init_from`), its context stretched to `seq_len`: RoPE has no
    learned positions, so only the configured maximum changes and the run teaches the longer reach."""
    model = load_base_model(TrainConfig(base_model=config.init_from), device, dtype)
    model.config.max_position_embeddings = max(model.config.max_position_embeddings, config.seq_len)
    return model


def new_scratch_model(config: TrainConfig, tokenizer) -> LlamaForCausalLM:
    """A freshly initialised Llama-architecture model sized by the config, for training from scratch."""
    llama = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=config.hidden_size,
        intermediate_size=config.intermediate_size,
        num_hidden_layers=config.num_layers,
        num_attention_heads=config.num_heads,
        num_key_value_heads=config.num_heads,
        max_position_embeddings=config.seq_len,
        rope_theta=ROPE_THETA,
        attention_dropout=config.dropout,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return LlamaForCausalLM(llama)
