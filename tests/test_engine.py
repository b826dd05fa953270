"""The generation engine: blending, streaming, seeds, cancel and bad input on the tiny random chat model (the
`engine` fixture); loading, the card and the fast path's logits on the real shipped model too."""

from __future__ import annotations

import os
import shutil
import threading

import pytest
import torch

from poetstudio.engine.decode import decode
from poetstudio.engine.engine import Engine, row_prompts
from poetstudio.engine.fast_llama import BATCH_FORMATS, FastLlama
from poetstudio.engine.request import PoemRequest
from poetstudio.engine.runners import GraphRunner, TransformersRunner, make_runner
from poetstudio.engine.sampling import normalise_weights
from poetstudio.engine.sampling_settings import Sampling, guidance_strength
from poetstudio.errors import UserError
from poetstudio.model_source import FOLDER, ModelSource
from poetstudio.model_spec import ModelSpec, spec_from_names

pytestmark = pytest.mark.slow


def poets(engine):
    known = engine.known_poets()
    return known[0], known[1]


def ask(blend, seed=7, tokens=40, **kw) -> PoemRequest:
    return PoemRequest(theme="the sea at night", blend=blend, sampling=Sampling(seed=seed, max_new_tokens=tokens), **kw)


def test_single_poet_at_weight_one_is_exactly_the_single_poet_output(engine):
    first, second = poets(engine)
    loaded = engine.load()
    single_req = ask({first: 1.0})
    [single_prompt] = row_prompts(loaded.tokenizer, single_req, [first], engine.prompt_format)
    exact = make_runner(loaded.model, "fp32")
    alone = decode(loaded.model, loaded.tokenizer, [single_prompt], normalise_weights([1.0]), single_req.sampling,
                   runner=exact)
    second = next(poet for poet in engine.known_poets()
                  if len(row_prompts(loaded.tokenizer, single_req, [poet], engine.prompt_format)[0])
                  != len(single_prompt))  # a poet whose prompt is another length: the batch really is left-padded
    prompts = row_prompts(loaded.tokenizer, single_req, [second, first], engine.prompt_format)
    batched = decode(loaded.model, loaded.tokenizer, prompts, normalise_weights([0.0, 1.0]), single_req.sampling,
                     runner=exact)
    assert batched.token_ids == alone.token_ids
    assert engine.generate(ask({first: 1.0})).text == engine.generate(ask({first: 5.0, second: 0})).text


@pytest.mark.parametrize("which", ["tiny", "shipped"])
def test_fast_forward_matches_transformers_logits(request, which):
    engine = request.getfixturevalue("engine" if which == "tiny" else "shipped_engine")
    loaded = engine.load()
    prompts = row_prompts(loaded.tokenizer, ask({}), ["Emily Dickinson", "Edgar Allan Poe"], engine.prompt_format)
    pad = loaded.tokenizer.pad_token_id
    fast, reference = make_runner(loaded.model, "fp32"), TransformersRunner(loaded.model)
    assert torch.allclose(fast.prefill(prompts, pad, 8), reference.prefill(prompts, pad, 8), atol=1e-4)
    for token in (11, 12, 13):
        assert torch.allclose(fast.step(token), reference.step(token), atol=1e-4)
    half = make_runner(loaded.model, "auto")
    single = prompts[:1]
    close = torch.softmax(half.prefill(single, pad, 8), -1) - torch.softmax(reference.prefill(single, pad, 8), -1)
    assert close.abs().max() < 1e-2
    blended = torch.softmax(half.prefill(prompts, pad, 8), -1) - torch.softmax(reference.prefill(prompts, pad, 8), -1)
    assert blended.abs().max() < 2e-2  # several rows run in the CPU's fastest batch format (bf16 here)
    assert half.fast.batch in BATCH_FORMATS


@pytest.mark.parametrize("form", BATCH_FORMATS, ids=str)
def test_every_batch_weight_format_gives_the_models_distribution(engine, form):
    if not form.available():
        pytest.skip(f"{form} weights cannot be made on this CPU or torch build")
    loaded = engine.load()
    prompts = row_prompts(loaded.tokenizer, ask({}), ["Emily Dickinson", "Edgar Allan Poe", "Walt Whitman"],
                          engine.prompt_format)
    pad = loaded.tokenizer.pad_token_id
    runner, reference = make_runner(loaded.model, "fp32"), TransformersRunner(loaded.model)
    runner.fast = FastLlama(loaded.model, batch=form)
    assert (torch.softmax(runner.prefill(prompts, pad, 8), -1)
            - torch.softmax(reference.prefill(prompts, pad, 8), -1)).abs().max() < 2e-2
    for token in (11, 12):
        assert (torch.softmax(runner.step(token), -1) - torch.softmax(reference.step(token), -1)).abs().max() < 2e-2


def test_blend_differs_from_either_poet(engine):
    first, second = poets(engine)
    texts = {engine.generate(ask(blend, seed=3, tokens=60)).text
             for blend in ({first: 1}, {second: 1}, {first: 0.5, second: 0.5})}
    assert len(texts) == 3


def test_same_seed_same_poem_and_new_seed_new_poem(engine):
    first, second = poets(engine)
    blend = {first: 0.6, second: 0.4}
    assert engine.generate(ask(blend, seed=11)).text == engine.generate(ask(blend, seed=11)).text
    assert engine.generate(ask(blend, seed=11)).text != engine.generate(ask(blend, seed=12)).text


def test_streamed_pieces_join_to_the_final_text_with_line_breaks(shipped_engine):
    engine = shipped_engine
    first = "Emily Dickinson"
    pieces: list[str] = []
    poem = engine.generate(ask({first: 1}, tokens=60, opening="The tide comes in"), pieces.append)
    assert "".join(pieces) == poem.text
    assert poem.text.startswith("The tide comes in\n") and poem.text.count("\n") >= 2
    assert not any("\ufffd" in piece for piece in pieces)


def test_cancel_from_another_thread_stops_and_keeps_the_text(engine):
    first, second = poets(engine)
    pieces: list[str] = []
    started = threading.Event()
    result = {}

    def on_piece(piece):
        pieces.append(piece)
        if len(pieces) == 5:
            started.set()

    def run():
        long_poem = ask({first: 0.5, second: 0.5}, tokens=900)  # near the context (1,024): a poem that runs
        result["poem"] = engine.generate(long_poem, on_piece)

    worker = threading.Thread(target=run)
    worker.start()
    assert started.wait(30)
    engine.cancel()
    worker.join(30)
    poem = result["poem"]
    assert poem.result.cancelled and not worker.is_alive()
    assert 5 <= len(poem.result.token_ids) < 1000
    assert "".join(pieces) == poem.text


def test_one_generation_at_a_time(engine):
    first, _ = poets(engine)
    gate, release = threading.Event(), threading.Event()

    def slow_piece(_piece):
        gate.set()
        release.wait(10)

    worker = threading.Thread(target=lambda: engine.generate(ask({first: 1}, tokens=5), slow_piece))
    worker.start()
    assert gate.wait(30)
    with pytest.raises(UserError, match="already"):
        engine.generate(ask({first: 1}))
    release.set()
    worker.join(30)


def test_variations_use_consecutive_seeds(engine):
    first, _ = poets(engine)
    poems = engine.generate_variations(PoemRequest("rain", {first: 1}, sampling=Sampling(seed=40, max_new_tokens=20),
                                                   variations=3))
    assert [p.seed for p in poems] == [40, 41, 42] and len({p.text for p in poems}) == 3


@pytest.mark.parametrize(
    ("blend", "message"),
    [
        ({"zzyzx": 1}, "known poets"),
        ({"dickinson": -1}, "0 or more"),
        ({"dickinson": "lots"}, "number"),
        ({"dickinson": 0}, "at least one"),
        ({"stallings": 1}, "cannot write as A. E. Stallings: no public-domain poems .in copyright."),
    ],
)
def test_bad_blends_are_clear_errors(engine, blend, message):
    with pytest.raises(UserError, match=message):
        engine.generate(ask(blend))


def test_prompt_mode_describes_the_blend_in_one_row(engine):
    first, second = poets(engine)
    prompt_engine = Engine(engine.spec, device="cpu", blend_mode="prompt")
    prompt_engine.loaded = engine.load()
    prompts, weights = prompt_engine.prompts(ask({}), {first: 0.75, second: 0.25})
    assert weights == [1.0] and len(prompts) == 1
    assert f"75% {first} and 25% {second}" in engine.load().tokenizer.decode(prompts[0])
    assert engine.mode == "exact"


def test_missing_model_folder_is_a_clear_error(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        Engine(spec_from_names(str(tmp_path / "nope"))).load()


def test_corrupt_adapter_is_a_clear_error(tmp_path, tiny_chat_base, chat_adapter):
    adapter = tmp_path / "adapter"
    shutil.copytree(chat_adapter, adapter)
    (adapter / "adapter_model.safetensors").write_bytes(b"not a safetensors file at all")
    with pytest.raises(UserError, match="cannot load adapter"):
        Engine(spec_from_names(str(tiny_chat_base), str(adapter)), device="cpu").load()


def test_adapter_for_another_base_is_a_clear_error(tmp_path, shipped_tokenizer, chat_adapter):
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = shipped_tokenizer
    other = LlamaForCausalLM(LlamaConfig(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128,
                                         num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=2))
    other.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    with pytest.raises(UserError, match="was trained on base .*; load it with --model"):
        Engine(spec_from_names(str(tmp_path), str(chat_adapter)), device="cpu").load()


def test_generate_cli_streams_and_prints_json(capsys, tiny_chat_base, chat_adapter):
    import json

    from poetstudio.cli import main

    model = ["--model", str(tiny_chat_base), "--adapter", str(chat_adapter)]
    known = Engine(spec_from_names(*model[1::2]), device="cpu").known_poets()
    assert main(["generate", "the sea", "--blend", f"{known[0]}=0.7,{known[1]}=0.3", "--seed", "7",
                 "--max-new-tokens", "30", "--device", "cpu", *model]) == 0
    streamed = capsys.readouterr().out
    assert main(["generate", "the sea", "--blend", f"{known[0]}=0.7,{known[1]}=0.3", "--seed", "7",
                 "--max-new-tokens", "30", "--device", "cpu", "--json", "--n", "2", *model]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    text = records[0]["text"]
    assert len(records) == 2 and streamed == text + ("" if text.endswith("\n") else "\n")  # a cut poem ends its line
    assert records[0]["seed"] == 7 and records[1]["seed"] == 8
    for key in ("blend", "mood", "sampling", "model", "adapter", "tokens", "time_to_first_token_ms", "tokens_per_s"):
        assert key in records[0]
    assert records[0]["blend"] == {known[0]: pytest.approx(0.7), known[1]: pytest.approx(0.3)}


def test_generate_cli_errors_are_one_line(capsys):
    from poetstudio.cli import main

    assert main(["generate", "x", "--blend", "dickinson=1", "--top-p", "2"]) == 2
    assert main(["generate", "x", "--blend", "dickinson=1", "--mood", "Rage", "--device", "cpu"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "--top-p" in err[0] and "mood" in err[1]


def test_the_shipped_model_loads_reporting_progress_then_readiness_with_its_card():
    from poetstudio.engine.api import Loaded, LoadProgress

    events = []
    assert Engine(device="cpu").load_reporting(events.append)
    assert any(isinstance(e, LoadProgress) for e in events)
    ready = events[-1]
    assert isinstance(ready, Loaded) and ready.device == "cpu"
    assert "Emily Dickinson" in ready.card.writable() and ready.card.exact
    assert ready.card.unavailable() == {"A. E. Stallings": "no public-domain poems (in copyright)"}


def test_load_failure_is_a_value_not_an_exception(tmp_path):
    from poetstudio.engine.api import LoadFailed

    events = []
    missing = ModelSpec(ModelSource(FOLDER, str(tmp_path / "missing")))
    assert not Engine(missing).load_reporting(events.append)
    assert isinstance(events[-1], LoadFailed) and "does not exist" in events[-1].message


def _grouped_llama3_model():
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=300, hidden_size=128, intermediate_size=256, num_hidden_layers=2,
                         num_attention_heads=8, num_key_value_heads=2, max_position_embeddings=512,
                         rope_scaling={"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0,
                                       "high_freq_factor": 4.0, "original_max_position_embeddings": 64})
    return LlamaForCausalLM(config).eval()


def _smollm2_shaped_model():
    """SmolLM2-135M's shape at a tenth of its width: 9 query heads over 3 key heads, tied embeddings, RoPE base
    100,000, RMSNorm epsilon 1e-5."""
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=300, hidden_size=144, intermediate_size=384, num_hidden_layers=3,
                         num_attention_heads=9, num_key_value_heads=3, max_position_embeddings=512,
                         rope_theta=100_000.0, rms_norm_eps=1e-5, tie_word_embeddings=True)
    model = LlamaForCausalLM(config).eval()
    assert model.lm_head.weight is model.model.embed_tokens.weight
    return model


@pytest.mark.parametrize("shape", ["llama3", "smollm2"])
@pytest.mark.parametrize("runner_kind", ["fast", "fixed-shape step"])
def test_fast_runners_match_transformers_with_grouped_queries_and_llama3_rope(runner_kind, shape):
    model = _grouped_llama3_model() if shape == "llama3" else _smollm2_shaped_model()
    prompts = [[5, 6, 7, 8, 9, 10], [11, 12, 13], [14, 15, 16, 17]]
    fast = make_runner(model, "fp32") if runner_kind == "fast" else GraphRunner(model, use_graphs=False)
    reference = TransformersRunner(model)
    assert torch.allclose(fast.prefill(prompts, 0, 8), reference.prefill(prompts, 0, 8), atol=1e-4)
    for token in (20, 21, 22, 23):
        assert torch.allclose(fast.step(token), reference.step(token), atol=1e-4)


def test_fixed_shape_step_reuses_its_buffers_without_leaking_the_last_prompt():
    model = _grouped_llama3_model()
    runner, fresh = GraphRunner(model, use_graphs=False), GraphRunner(model, use_graphs=False)
    runner.prefill([[5, 6, 7, 8, 9], [10, 11]], 0, 20)
    for token in range(30, 45):
        runner.step(token)
    keys = runner.fast.keys
    second = [[12, 13, 14], [15, 16, 17, 18]]
    assert torch.allclose(runner.prefill(second, 0, 20), fresh.prefill(second, 0, 20), atol=1e-5)
    assert runner.fast.keys is keys  # same bucket: the same buffers, as a captured graph needs
    for token in (50, 51, 52):
        assert torch.allclose(runner.step(token), fresh.step(token), atol=1e-5)


def test_a_weight_format_the_cpu_cannot_run_is_skipped_not_fatal(monkeypatch):
    from poetstudio.engine import fast_llama

    prepare = fast_llama.WeightFormat.prepare

    def packing_fails(form, weight):
        if form.packed:
            raise RuntimeError("could not create a primitive descriptor")
        return prepare(form, weight)

    monkeypatch.setattr(fast_llama.WeightFormat, "prepare", packing_fails)
    chosen = fast_llama.fastest_batch_format(torch.randn(512, 64))
    assert chosen in BATCH_FORMATS and not chosen.packed


def test_repetition_penalty_reaches_the_decode_loop(engine):
    first, second = poets(engine)
    plain, penalised = (
        engine.generate(PoemRequest(theme="the sea at night", blend={first: 0.5, second: 0.5},
                                    sampling=Sampling(seed=5, max_new_tokens=120, repetition_penalty=penalty)))
        for penalty in (1.0, 50.0)
    )
    plain_ids, penalised_ids = plain.result.token_ids, penalised.result.token_ids
    assert len(set(penalised_ids)) / len(penalised_ids) > len(set(plain_ids)) / len(plain_ids)


class RowCounter:
    """A runner that records the rows each prefill decodes, around the engine's own runner."""

    def __init__(self, runner):
        self.runner, self.prefills = runner, []

    def prefill(self, prompts, pad_id, max_new_tokens):
        self.prefills.append([list(p) for p in prompts])
        return self.runner.prefill(prompts, pad_id, max_new_tokens)

    def step(self, token):
        return self.runner.step(token)


def test_strength_adds_exactly_one_unconditioned_row_and_strength_one_none(engine):
    from poetstudio.engine.engine import unconditioned_prompt

    first, second = poets(engine)
    counter = RowCounter(engine.runner)
    engine.runner = counter
    try:
        plain = engine.generate(ask({first: 0.5, second: 0.5}))
        guided_request = ask({first: 0.5, second: 0.5}, strength=2.0)
        guided = engine.generate(guided_request)
    finally:
        engine.runner = counter.runner
    assert [len(rows) for rows in counter.prefills] == [2, 3]
    assert counter.prefills[1][:2] == counter.prefills[0]
    assert counter.prefills[1][2] == unconditioned_prompt(engine.load().tokenizer, guided_request,
                                                          engine.prompt_format)
    assert (plain.strength, guided.strength) == (1.0, 2.0)
    assert guided.result.token_ids != plain.result.token_ids


def test_a_form_guides_at_the_lifted_strength_and_free_verse_at_the_asked_one(engine, monkeypatch):
    import poetstudio.engine.engine as engine_module

    guided_at = []

    def recording_decode(*args, **kwargs):
        guided_at.append(kwargs["strength"])
        return decode(*args, **kwargs)

    monkeypatch.setattr(engine_module, "decode", recording_decode)
    first, _ = poets(engine)
    haiku = engine.generate(ask({first: 1.0}, strength=2.0, form="haiku"))
    free = engine.generate(ask({first: 1.0}, strength=2.0, form="free-verse"))
    plain = engine.generate(ask({first: 1.0}, strength=1.0, form="haiku"))
    assert guided_at == [guidance_strength(2.0, in_form=True), 2.0, 1.0] and guided_at[0] > 2.0
    assert (haiku.strength, haiku.guidance) == (2.0, guided_at[0])
    assert (free.guidance, plain.guidance) == (2.0, 1.0)


def test_strength_one_decodes_exactly_today_s_blend(engine):
    first, second = poets(engine)
    loaded = engine.load()
    blend = ask({first: 0.6, second: 0.4})
    prompts = row_prompts(loaded.tokenizer, blend, [first, second], engine.prompt_format)
    weights = normalise_weights([0.6, 0.4])
    today = decode(loaded.model, loaded.tokenizer, prompts, weights, blend.sampling, runner=engine.runner)
    counter = RowCounter(engine.runner)
    unguided = decode(loaded.model, loaded.tokenizer, prompts, weights, blend.sampling, runner=counter,
                      strength=1.0, unconditioned=[1, 2, 3])
    assert unguided.token_ids == today.token_ids and len(counter.prefills[0]) == 2
    with pytest.raises(ValueError, match="unconditioned"):
        decode(loaded.model, loaded.tokenizer, prompts, weights, blend.sampling, runner=engine.runner, strength=2.0)


class TokenIdsOnly:
    """The little of a tokenizer decode() needs, for a model with random weights."""

    pad_token_id = 0
    eos_token_id = None

    def decode(self, ids, skip_special_tokens=True) -> str:
        return ""


def test_guidance_decodes_the_same_in_every_runner():
    model = _grouped_llama3_model()
    prompts, plain = [[5, 6, 7, 8, 9, 10], [11, 12, 13]], [14, 15, 16, 17]
    greedy = Sampling(temperature=0, max_new_tokens=12, seed=0)
    runners = (make_runner(model, "fp32"), GraphRunner(model, use_graphs=False), TransformersRunner(model))
    outputs = [decode(model, TokenIdsOnly(), prompts, normalise_weights([0.7, 0.3]), greedy, runner=runner,
                      strength=2.5, unconditioned=plain).token_ids for runner in runners]
    assert outputs[0] == outputs[1] == outputs[2] and len(outputs[0]) == 12
    unguided = decode(model, TokenIdsOnly(), prompts, normalise_weights([0.7, 0.3]), greedy, runner=runners[0])
    assert unguided.token_ids != outputs[0]


@pytest.mark.parametrize("kind", ["transformers", "fixed-shape step"])
def test_decode_builds_no_autograd_graph(kind):
    model = _grouped_llama3_model()
    inner = TransformersRunner(model) if kind == "transformers" else GraphRunner(model, use_graphs=False)
    seen = []

    class Recording:
        def prefill(self, prompts, pad_id, max_new_tokens):
            logits = inner.prefill(prompts, pad_id, max_new_tokens)
            seen.append(logits.requires_grad or torch.is_grad_enabled())
            return logits

        def step(self, token):
            logits = inner.step(token)
            seen.append(logits.requires_grad or torch.is_grad_enabled())
            return logits

    greedy = Sampling(temperature=0, max_new_tokens=4, seed=0)
    decode(model, TokenIdsOnly(), [[5, 6, 7]], normalise_weights([1.0]), greedy, runner=Recording())
    assert seen and not any(seen)


def test_generate_cli_strength_flag_footer_and_json(capsys, tiny_chat_base, chat_adapter):
    import json

    from poetstudio.cli import main

    model = ["--model", str(tiny_chat_base), "--adapter", str(chat_adapter)]
    known = Engine(spec_from_names(*model[1::2]), device="cpu").known_poets()
    flags = ["generate", "the sea", "--blend", f"{known[0]}=0.5,{known[1]}=0.5", "--seed", "7",
             "--max-new-tokens", "12", "--device", "cpu", "--strength", "2", *model]
    assert main(flags) == 0
    assert "strength 2]" in capsys.readouterr().err
    assert main(flags + ["--json"]) == 0
    assert json.loads(capsys.readouterr().out)["strength"] == 2.0
    assert main(flags + ["--form", "haiku"]) == 0
    assert "strength 2 (guided at 2.5 in the form), haiku" in capsys.readouterr().err
    for bad in ("strong", "-1", "11", "nan"):
        assert main(["generate", "x", "--blend", "dickinson=1", "--strength", bad]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "--strength must be a number from 0 to 10" in err[0] and bad in err[0]


def test_a_prompt_too_long_for_the_model_names_the_part_that_is_long(engine):
    too_long = "the sea, " * 1200
    with pytest.raises(UserError, match="^the theme is .* tokens; this model reads at most 1,024 in all: shorten the"):
        engine.generate(PoemRequest(theme=too_long, blend={"Emily Dickinson": 1.0}))
    with pytest.raises(UserError, match="^the opening lines are .* shorten the opening lines"):
        engine.generate(PoemRequest(theme="the sea", opening=too_long, blend={"Emily Dickinson": 1.0}))
    with pytest.raises(UserError, match="^the theme and opening lines are .* shorten them"):
        engine.generate(PoemRequest(theme=too_long, opening=too_long, blend={"Emily Dickinson": 1.0}))


def test_a_poem_asked_to_run_past_the_context_is_refused_naming_the_most_it_may_ask(engine):
    with pytest.raises(UserError, match=r"^max tokens 5,000 with this prompt's \d+ is more than this model reads "
                                        r"\(1,024 in all\); ask for at most \d"):
        engine.generate(PoemRequest(theme="the sea", blend={"Emily Dickinson": 1.0},
                                    sampling=Sampling(max_new_tokens=5000)))


def test_the_engine_decodes_on_the_threads_it_is_given_and_0_means_every_core(tiny_spec, monkeypatch):
    from poetstudio.runtime.device import usable_cores

    monkeypatch.setenv("OMP_NUM_THREADS", "2")  # what 0 follows where it is set (the run sets it to 1)
    assert usable_cores() == 2
    with pytest.raises(UserError, match="threads must be 0 \\(every core\\) or more, not -1"):
        Engine(tiny_spec, device="cpu", threads=-1)
    before = torch.get_num_threads()
    try:
        Engine(tiny_spec, device="cpu", threads=1).load()
        assert torch.get_num_threads() == 1
        Engine(tiny_spec, device="cpu", threads=3).load()
        assert torch.get_num_threads() == 3
        Engine(tiny_spec, device="cpu").load()
        assert torch.get_num_threads() == 2
        Engine(tiny_spec, device="cpu", spare_cores=1).load()
        assert torch.get_num_threads() == 1
        Engine(tiny_spec, device="cpu", threads=2, spare_cores=1).load()
        assert torch.get_num_threads() == 2  # a count asked for is kept as asked
        monkeypatch.delenv("OMP_NUM_THREADS")
        assert 1 <= usable_cores() <= (os.cpu_count() or 1)
    finally:
        torch.set_num_threads(before)


def test_prompts_and_blends_run_in_the_batch_format_and_one_row_s_steps_in_the_single_one(engine):
    from poetstudio.engine.fast_llama import WeightFormat
    from poetstudio.engine.runners import FastRunner

    single, batch = WeightFormat(torch.float32), WeightFormat(torch.float16)
    runner = FastRunner(engine.load().model, single, batch)
    made = runner.fast._weights
    assert made == {}  # nothing made before a prompt needs it
    runner.prefill([[5, 6, 7], [5, 8, 9]], 0, 4)
    runner.step(10)
    assert list(made) == [batch]  # a blend (any strength above 1) never makes the one-row copy
    runner.prefill([[5, 6, 7]], 0, 4)
    assert list(made) == [batch] and runner.fast.layers is made[batch][0]  # a one-row prompt: batch too
    runner.step(10)
    assert list(made) == [batch, single] and runner.fast.layers is made[single][0]


def test_the_studio_s_engine_leaves_a_core_for_the_screen(tiny_chat_base, chat_adapter, monkeypatch):
    from poetstudio.engine.lazy import LazyEngine

    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    before = torch.get_num_threads()
    events = []
    try:
        LazyEngine(str(tiny_chat_base), str(chat_adapter), "cpu", "auto", "none").load(events.append)
        assert type(events[-1]).__name__ == "Loaded" and torch.get_num_threads() == 1
        LazyEngine(str(tiny_chat_base), str(chat_adapter), "cpu", "auto", "none", threads=2).load(events.append)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
