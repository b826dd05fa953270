"""A chat-format adapter end to end, on a tiny random Llama that carries the default base's real tokenizer
(SmolLM2's, read from the packaged GGUF): the trainer declares the format, the engine reads it, blends exactly
in it, and a poem never runs on past the end of the assistant's turn."""

from __future__ import annotations

import json

import pytest
import torch

from poetstudio.engine.decode import stop_tokens
from poetstudio.engine.engine import Engine
from poetstudio.engine.request import PoemRequest
from poetstudio.engine.sampling_settings import Sampling
from poetstudio.model_source import FOLDER, SMOLLM2, ModelSource, packaged_file
from poetstudio.model_spec import ModelSpec
from poetstudio.prompt_format import CHAT
from trainer.config import build_config
from trainer.loop import train


@pytest.fixture(scope="module")
def smollm2_tokenizer():
    """The default base's tokenizer, read straight from the packaged GGUF (about 10 s; no weights converted)."""
    from transformers import AutoTokenizer

    from poetstudio.runtime.hub import set_pad_token

    gguf = packaged_file(SMOLLM2)
    return set_pad_token(AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name))


@pytest.fixture(scope="module")
def tiny_chat_base(tmp_path_factory, smollm2_tokenizer):
    """A 2-layer random Llama with SmolLM2's vocabulary, grouped queries, tied embeddings and RoPE base, saved
    with the real tokenizer (and its chat template) as a local model folder."""
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    tokenizer = smollm2_tokenizer
    model = LlamaForCausalLM(LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=48, intermediate_size=96, num_hidden_layers=2, num_attention_heads=6,
        num_key_value_heads=2, tie_word_embeddings=True, rope_theta=100_000.0, max_position_embeddings=1024,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
    ))
    folder = tmp_path_factory.mktemp("tiny-chat-base")
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def chat_adapter(tmp_path_factory, tiny_chat_base):
    """Two LoRA steps over the tiny base in the tokenizer's natural (chat) format."""
    from tests.conftest import FIXTURES

    output = tmp_path_factory.mktemp("chat-adapter")
    train(build_config("default", dict(
        base_model=str(tiny_chat_base), corpus=[str(FIXTURES / "mini.jsonl")], output=str(output),
        heldout_fraction=0.2, seq_len=128, batch_size=4, max_steps=2, eval_every=2, checkpoint_every=2,
        lora_r=4, lora_alpha=8, warmup_steps=1, device="cpu", prompt_format="auto", contrast_weight=0.0,
    )))
    return output


def test_a_run_on_a_chat_tokenizer_declares_the_chat_format(chat_adapter):
    meta = json.loads((chat_adapter / "poetstudio.json").read_text())
    assert meta["prompt_format"] == CHAT and meta["blend_mode"] == "exact"


def test_the_engine_blends_exactly_in_the_declared_chat_format(tiny_chat_base, chat_adapter, smollm2_tokenizer):
    engine = Engine(ModelSpec(ModelSource(FOLDER, str(tiny_chat_base)), str(chat_adapter)), device="cpu")
    assert engine.mode == "exact" and engine.prompt_format == CHAT
    request = PoemRequest(theme="the sea", blend={"Emily Dickinson": 0.6, "Walt Whitman": 0.4}, strength=2.0,
                          sampling=Sampling(seed=5, max_new_tokens=24))
    prompts, weights = engine.prompts(request, engine.resolve_blend(request.blend))
    texts = [smollm2_tokenizer.decode(p) for p in prompts]
    assert len(prompts) == 2 and weights == pytest.approx([0.6, 0.4])
    assert all(t.startswith("<|im_start|>system") and t.endswith("<|im_start|>assistant\n") for t in texts)
    assert "style of Emily Dickinson" in texts[0] and "style of Walt Whitman" in texts[1]
    assert "any poet" in smollm2_tokenizer.decode(engine.unconditioned(request))
    poem = engine.generate(request)
    assert poem.result.token_ids and not set(poem.result.token_ids) & stop_tokens(smollm2_tokenizer)


def test_a_chat_poem_ends_on_any_special_token(smollm2_tokenizer):
    ids = {smollm2_tokenizer.convert_tokens_to_ids(t) for t in ("<|im_end|>", "<|im_start|>", "<|endoftext|>")}
    assert ids <= stop_tokens(smollm2_tokenizer) and smollm2_tokenizer.eos_token == "<|im_end|>"
