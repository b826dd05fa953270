"""A chat-format adapter end to end, on a tiny random Llama that carries the default base's real tokenizer
(SmolLM2's, read from the packaged GGUF): the trainer declares the format, the engine reads it, blends exactly
in it, and a poem never runs on past the end of the assistant's turn."""

from __future__ import annotations

import json

import pytest

from poetstudio.engine.decode import stop_tokens
from poetstudio.engine.engine import Engine
from poetstudio.engine.request import PoemRequest
from poetstudio.engine.sampling_settings import Sampling
from poetstudio.model_source import FOLDER, ModelSource
from poetstudio.model_spec import ModelSpec
from poetstudio.prompt_format import CHAT


def test_a_run_on_a_chat_tokenizer_declares_the_chat_format(chat_adapter):
    meta = json.loads((chat_adapter / "poetstudio.json").read_text())
    assert meta["prompt_format"] == CHAT and meta["blend_mode"] == "exact"


def test_the_engine_blends_exactly_in_the_declared_chat_format(tiny_chat_base, chat_adapter, shipped_tokenizer):
    engine = Engine(ModelSpec(ModelSource(FOLDER, str(tiny_chat_base)), str(chat_adapter)), device="cpu")
    assert engine.mode == "exact" and engine.prompt_format == CHAT
    request = PoemRequest(theme="the sea", blend={"Emily Dickinson": 0.6, "Walt Whitman": 0.4}, strength=2.0,
                          sampling=Sampling(seed=5, max_new_tokens=24))
    prompts, weights = engine.prompts(request, engine.resolve_blend(request.blend))
    texts = [shipped_tokenizer.decode(p) for p in prompts]
    assert len(prompts) == 2 and weights == pytest.approx([0.6, 0.4])
    assert all(t.startswith("<|im_start|>system") and t.endswith("<|im_start|>assistant\n") for t in texts)
    assert "style of Emily Dickinson" in texts[0] and "style of Walt Whitman" in texts[1]
    assert "any poet" in shipped_tokenizer.decode(engine.unconditioned(request))
    poem = engine.generate(request)
    assert poem.result.token_ids and not set(poem.result.token_ids) & stop_tokens(shipped_tokenizer)


def test_a_chat_poem_ends_on_any_special_token(shipped_tokenizer):
    ids = {shipped_tokenizer.convert_tokens_to_ids(t) for t in ("<|im_end|>", "<|im_start|>", "<|endoftext|>")}
    assert ids <= stop_tokens(shipped_tokenizer) and shipped_tokenizer.eos_token == "<|im_end|>"


def test_an_adapter_on_a_base_it_was_not_trained_on_is_one_line_naming_both(chat_adapter, tiny_chat_base):
    from poetstudio.engine.loader import load_model
    from poetstudio.errors import UserError
    from poetstudio.model_spec import shipped_base

    meta = json.loads((chat_adapter / "poetstudio.json").read_text())
    assert meta["base_key"] == ModelSource(FOLDER, str(tiny_chat_base)).content_key()
    with pytest.raises(UserError) as refused:
        load_model(ModelSpec(shipped_base(), str(chat_adapter)), "cpu")
    message = str(refused.value)
    assert "\n" not in message and "was trained on base" in message and str(tiny_chat_base) in message
    assert load_model(ModelSpec(ModelSource(FOLDER, str(tiny_chat_base)), str(chat_adapter)), "cpu").adapter
