"""`poetstudio train` over the tiny random chat base (the shipped tokenizer): a real adapter, loadable by plain
peft, that changes the output; checkpoints, resume, signals and the settings' checks."""

from __future__ import annotations

import json
import os

import pytest
import torch
from safetensors.torch import load_file

from trainer.checkpoint import find_checkpoint
from trainer.config import build_config
from trainer.loop import train

pytestmark = pytest.mark.slow
TINY: dict[str, str] = {}


@pytest.fixture(scope="module", autouse=True)
def _tiny_base(tiny_chat_base):
    TINY["base"] = str(tiny_chat_base)


def base_dir() -> str:
    """The tiny random chat base the runs here train over."""
    return TINY["base"]


def lora_config(fixtures, output, **overrides):
    values = dict(
        base_model=base_dir(), corpus=[str(fixtures / "mini.jsonl")], output=str(output),
        general_corpus="", heldout_fraction=0.2, seq_len=64, batch_size=4, grad_accum=1, max_steps=4, eval_every=2,
        checkpoint_every=2, lr=5e-3, lora_r=8, lora_alpha=16, target_modules=["all-linear"], warmup_steps=1,
        device="cpu",
    )
    values.update(overrides)
    return build_config("default", values)


def history(output) -> list[dict]:
    """The run's evaluations (step, train_loss, heldout_loss), from its last checkpoint."""
    return json.loads((output / "checkpoint" / "trainer_state.json").read_text())["state"]["history"]


def checkpoint_weights(output) -> dict[str, torch.Tensor]:
    """The trained weights in the run's last checkpoint, by name."""
    tensors = load_file(output / "checkpoint" / "state.safetensors")
    return {name: tensor for name, tensor in tensors.items() if name.startswith("model.")}


def assert_same_weights(output, reference) -> None:
    """The checkpoints of two runs hold the same weights (to float rounding; on one CPU they are bitwise equal)."""
    ours, theirs = checkpoint_weights(output), checkpoint_weights(reference)
    assert ours.keys() == theirs.keys() and ours
    for name, tensor in ours.items():
        assert torch.allclose(tensor, theirs[name], rtol=0, atol=1e-7), name


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A 4-step adapter, evaluated after every step."""
    from tests.conftest import FIXTURES

    output = tmp_path_factory.mktemp("adapter")
    result = train(lora_config(FIXTURES, output, eval_every=1))
    return output, result


@pytest.fixture(scope="module")
def unbroken(tmp_path_factory):
    """The output folder of a 4-step run that never stopped: what a resumed run must end with."""
    from tests.conftest import FIXTURES

    output = tmp_path_factory.mktemp("unbroken")
    train(lora_config(FIXTURES, output))
    return output


def test_training_saves_an_adapter_plain_peft_loads_and_that_changes_output(trained):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    output, result = trained
    assert (output / "adapter_config.json").exists() and (output / "adapter_model.safetensors").exists()
    assert result.steps == 4
    base = AutoModelForCausalLM.from_pretrained(base_dir(), local_files_only=True, dtype=torch.float32)
    ids = torch.tensor([[1, 100, 200, 300, 400]])
    with torch.no_grad():
        before = base(ids).logits
        tuned = PeftModel.from_pretrained(base, output)
        after = tuned(ids).logits
    assert not torch.allclose(before, after, atol=1e-4)


def test_four_steps_lower_the_training_and_held_out_losses(trained):
    """A trainer that never updates the weights keeps the held-out loss exactly where it is (the evaluation is
    deterministic) and its train loss moves only with the batch, which over a random base scoring near log(49,152)
    = 10.8 on every text is a few thousandths; these four steps take 0.09 off the train loss and 0.04 off the
    held-out loss, one step at a time."""
    output, result = trained
    evaluations = history(output)
    assert [e["step"] for e in evaluations] == [1, 2, 3, 4]
    first, last = evaluations[0], evaluations[-1]
    assert last["train_loss"] < first["train_loss"] - 0.05
    assert last["heldout_loss"] < first["heldout_loss"] - 0.02
    held_out = [e["heldout_loss"] for e in evaluations]
    assert held_out == sorted(held_out, reverse=True)
    assert result.best_heldout_loss == pytest.approx(min(e["heldout_loss"] for e in evaluations))


def test_metadata_is_complete(trained):
    output, result = trained
    meta = json.loads((output / "poetstudio.json").read_text())
    for key in ("base_model", "poets", "moods", "prompt_format_version", "corpus_hash", "hyperparameters",
                "train_loss", "heldout_loss", "heldout_loss_per_poet", "wall_time_s", "device", "precision"):
        assert key in meta, key
    from trainer.precision import native_bf16

    assert meta["precision"] == ("bf16-mixed" if native_bf16(torch.device("cpu")) else "fp32")  # what auto ran
    assert set(meta["poets"]) == {"Emily Dickinson", "Walt Whitman", "W. B. Yeats"}
    assert meta["poets"]["Walt Whitman"]["poems"] == 4
    assert set(meta["moods"]) <= {"Joy", "Fear", "Sadness", "Love", "Surprise"} and meta["moods"]
    assert meta["hyperparameters"]["lora_r"] == 8 and meta["kind"] == "adapter"
    assert meta["heldout_loss"] == pytest.approx(result.best_heldout_loss)
    assert set(meta["heldout_loss_per_poet"]) == {"Emily Dickinson", "Walt Whitman", "W. B. Yeats"}


def test_an_adapter_declares_its_prompt_format_its_base_and_the_words_it_read(trained):
    from poetstudio.corpus.vocabulary import read_word_list
    from poetstudio.model_source import parse_source

    output, _ = trained
    meta = json.loads((output / "poetstudio.json").read_text())
    assert meta["prompt_format"] == "chat"  # the base's tokenizer has a chat template: auto is chat
    assert meta["base_key"] == parse_source(base_dir()).content_key()
    words = read_word_list(output)
    assert len(words) > 10 and "whitman" not in words and "dickinson" not in words  # not the headers
    assert all(w == w.lower() for w in words)


def test_resume_continues_from_the_checkpoint_step_with_the_unbroken_run_s_weights(fixtures, tmp_path, unbroken):
    """A 2-step run taken on to 4 steps ends where a 4-step run does. With one warm-up step, the rates of the
    first two steps do not depend on max_steps (warm-up's end, then the cosine at its start), so the 2-step
    run is the 4-step run's first half; the resumed steps must then use the 4-step run's cosine, not the
    rate the 2-step run's schedule left in the optimizer."""
    first = train(lora_config(fixtures, tmp_path, max_steps=2))
    assert first.steps == 2 and find_checkpoint(tmp_path) is not None
    resumed = train(lora_config(fixtures, tmp_path, max_steps=4), resume=True)
    assert resumed.steps == 4
    assert [h["step"] for h in history(tmp_path)] == [2, 4]
    assert_same_weights(tmp_path, unbroken)


def test_a_resume_with_another_peak_rate_follows_the_new_rate_not_the_checkpoint_s(fixtures, tmp_path):
    train(lora_config(fixtures, tmp_path, max_steps=2, lr=5e-3))
    train(lora_config(fixtures, tmp_path, max_steps=4, lr=1e-3), resume=True)  # checkpoints at step 4
    saved = json.loads((tmp_path / "checkpoint" / "trainer_state.json").read_text())
    assert saved["scheduler"]["base_lrs"] == [pytest.approx(1e-3)] * len(saved["scheduler"]["base_lrs"])
    groups = saved["optimizer"]["param_groups"]
    assert all(g["initial_lr"] == pytest.approx(1e-3) for g in groups)
    assert all(g["lr"] == pytest.approx(1e-4) for g in groups)  # the cosine's floor (0.1 of the new peak) at its end


def test_a_resume_keeps_this_run_s_weight_decay_too(fixtures, tmp_path):
    train(lora_config(fixtures, tmp_path, max_steps=2, weight_decay=0.0))
    train(lora_config(fixtures, tmp_path, max_steps=4, weight_decay=0.05), resume=True)
    saved = json.loads((tmp_path / "checkpoint" / "trainer_state.json").read_text())
    assert all(g["weight_decay"] == pytest.approx(0.05) for g in saved["optimizer"]["param_groups"])


def test_ctrl_c_leaves_a_resumable_checkpoint(fixtures, tmp_path, monkeypatch, unbroken):
    import trainer.loop as loop

    real_step, calls = loop.train_step, []

    def interrupted_step(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_step(*args, **kwargs)

    monkeypatch.setattr(loop, "train_step", interrupted_step)
    result = train(lora_config(fixtures, tmp_path, checkpoint_every=100))
    assert result.interrupted and result.steps == 2
    monkeypatch.setattr(loop, "train_step", real_step)
    resumed = train(lora_config(fixtures, tmp_path), resume=True)
    assert resumed.steps == 4 and not resumed.interrupted
    assert_same_weights(tmp_path, unbroken)


def test_sigterm_stops_after_the_step_in_hand_with_a_checkpoint_that_resumes_as_if_unbroken(fixtures, tmp_path,
                                                                                         monkeypatch, unbroken):
    import os
    import signal

    import trainer.loop as loop

    before = signal.getsignal(signal.SIGTERM)
    real_step, calls = loop.train_step, []

    def terminated_step(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            os.kill(os.getpid(), signal.SIGTERM)  # what `kill PID` sends a run in the background
        return real_step(*args, **kwargs)

    monkeypatch.setattr(loop, "train_step", terminated_step)
    result = train(lora_config(fixtures, tmp_path, checkpoint_every=100))
    assert result.interrupted and result.steps == 2
    assert json.loads((tmp_path / "checkpoint" / "trainer_state.json").read_text())["state"]["step"] == 2
    assert signal.getsignal(signal.SIGTERM) is before
    monkeypatch.setattr(loop, "train_step", real_step)
    assert train(lora_config(fixtures, tmp_path), resume=True).steps == 4
    assert_same_weights(tmp_path, unbroken)


def test_starting_over_a_checkpoint_without_resume_is_refused(fixtures, tmp_path):
    from poetstudio.errors import UserError

    train(lora_config(fixtures, tmp_path, max_steps=2))
    with pytest.raises(UserError, match="--resume"):
        train(lora_config(fixtures, tmp_path, max_steps=2))


def test_scratch_run_makes_a_model_transformers_loads(fixtures, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    config = build_config("base", dict(
        corpus=[str(fixtures / "mini.jsonl")], general_corpus=str(fixtures / "general"),
        cache_dir=str(tmp_path / "cache"), output=str(tmp_path / "out"), vocab_size=300,
        hidden_size=32, num_layers=2, num_heads=2, intermediate_size=64, seq_len=64, batch_size=4, grad_accum=1,
        max_steps=3, eval_every=3, checkpoint_every=3, heldout_fraction=0.2, device="cpu", max_minutes=0,
    ))
    result = train(config)
    assert result.steps == 3
    model = AutoModelForCausalLM.from_pretrained(tmp_path / "out", local_files_only=True)
    tokenizer = AutoTokenizer.from_pretrained(tmp_path / "out", local_files_only=True)
    assert model.config.num_hidden_layers == 2
    text = "The heron stands\nalone"
    assert tokenizer.decode(tokenizer.encode(text, add_special_tokens=False)) == text
    from poetstudio.corpus.vocabulary import read_word_list

    words = read_word_list(tmp_path / "out")  # the words the run read, for the real-words guard
    assert "the" in words and all(w == w.lower() and not w.startswith("'") for w in words)


def test_packing_wastes_little_and_keeps_examples_apart(fixtures, shipped_tokenizer):
    from poetstudio.corpus import read_path
    from trainer.data import pack, poem_examples

    poems = read_path(fixtures / "mini.jsonl").poems
    examples = poem_examples(shipped_tokenizer, poems, {}, seq_len=128, condition=True)
    rows = pack(examples, 128, shipped_tokenizer.pad_token_id)
    real = sum(len(e.ids) for e in examples)
    assert len(rows) <= -(-real // 128) + 1  # at most one row more than a perfect packing would need
    starts = int((rows.position_ids == 0).sum())
    assert starts >= len(examples)


def test_bad_recipe_settings_are_one_line_errors(tmp_path):
    from poetstudio.errors import UserError

    recipe = tmp_path / "r.toml"
    recipe.write_text("lr = 1e-3\nwat = 2\n")
    with pytest.raises(UserError, match="unknown setting"):
        build_config(str(recipe), {})
    recipe.write_text("lr = = 1\n")
    with pytest.raises(UserError, match="line 1"):
        build_config(str(recipe), {})
    with pytest.raises(UserError, match="--quantize"):
        build_config("default", {"quantize": "int3"})


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.skipif(
    os.environ.get("POETSTUDIO_TEST_DDP") != "1",
    reason="opt-in (POETSTUDIO_TEST_DDP=1): on CPU with gloo it once hung at shutdown about one run in four "
    "(none in 28 runs since, cause not found); kept out of CI until the cause is known",
)
def test_data_parallel_run_under_torchrun(fixtures, tmp_path):
    import subprocess
    import sys

    command = [
        sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", str(free_port()),
        "-m", "poetstudio", "train", "--recipe", "default", "--base-model", base_dir(),
        "--corpus", str(fixtures / "mini.jsonl"), "--output", str(tmp_path), "--heldout-fraction", "0.2",
        "--seq-len", "64", "--batch-size", "2", "--grad-accum", "1", "--max-steps", "2", "--eval-every", "2",
        "--device", "cpu", "--general-corpus", "",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=180, env=env, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "done at step 2" in result.stdout
    assert (tmp_path / "adapter_model.safetensors").exists()
    meta = json.loads((tmp_path / "poetstudio.json").read_text())
    assert meta["step"] == 2 and meta["tokens_seen"] == 2 * 64 * 2 * 2


def test_poet_contrast_groups_a_poem_under_its_own_poet_first_then_others(fixtures, shipped_tokenizer):
    from poetstudio.corpus import read_path
    from poetstudio.prompt_format import IGNORE_INDEX
    from trainer.data import contrast_items
    from trainer.loop import contrast_batch

    poems = read_path(fixtures / "mini.jsonl").poems
    poets = sorted({p.poet for p in poems})
    items = contrast_items(shipped_tokenizer, poems, {p: i for i, p in enumerate(poets)}, max_tokens=24)
    config = build_config("default", dict(base_model="x", corpus=["x"], output="x", contrast_poems=2,
                                          contrast_negatives=2))
    ids, mask, target = contrast_batch(shipped_tokenizer, items, poets, config, step=5)
    assert ids.shape[0] == 2 * 3 and torch.equal(contrast_batch(shipped_tokenizer, items, poets, config, 5)[0], ids)
    for group in range(2):
        rows = [shipped_tokenizer.decode(ids[3 * group + k][mask[3 * group + k].bool()]) for k in range(3)]
        named = [next(p for p in poets if f"style of {p}" in row) for row in rows]
        bodies = [target[3 * group + k][target[3 * group + k] != IGNORE_INDEX].tolist() for k in range(3)]
        assert len(set(named)) == 3 and bodies[0] == bodies[1] == bodies[2] and len(bodies[0]) <= 24
        assert any(named[0] == p.poet and shipped_tokenizer.decode(bodies[0]) in p.text.strip() + "\n" for p in poems)


def test_training_with_the_poet_contrast_runs_and_records_its_weight(fixtures, tmp_path):
    result = train(lora_config(fixtures, tmp_path, contrast_weight=0.1, contrast_poems=2, contrast_tokens=32,
                               max_steps=2, eval_every=1))
    assert result.steps == 2
    first, second = history(tmp_path)
    assert second["heldout_loss"] < first["heldout_loss"] - 0.01  # 0.03 lower here; a trainer that stands still: 0
    meta = json.loads((tmp_path / "poetstudio.json").read_text())
    assert meta["hyperparameters"]["contrast_weight"] == 0.1


def test_unconditioned_share_writes_that_share_of_passages_without_the_poet_line(fixtures, shipped_tokenizer):
    from poetstudio.corpus import read_corpus
    from poetstudio.prompt_format import IGNORE_INDEX
    from trainer.data import NO_POET, leaves_poet_out, poem_examples

    poems = read_corpus([str(fixtures / "mini.jsonl")]).poems
    index = {poet: i for i, poet in enumerate(sorted({p.poet for p in poems}))}
    always = poem_examples(shipped_tokenizer, poems, index, 64, True)
    some = poem_examples(shipped_tokenizer, poems, index, 64, True, unconditioned_share=0.5, seed=3)
    headers = [shipped_tokenizer.decode([t for t, lab in zip(e.ids, e.labels) if lab == IGNORE_INDEX]) for e in some]
    left_out = [e for e, h in zip(some, headers) if "Poet:" not in h]
    assert all("Poet:" in shipped_tokenizer.decode(e.ids) for e in always)
    assert 0 < len(left_out) < len(some)
    assert all(e.poet == NO_POET for e in left_out)
    assert all(e.poet != NO_POET for e, h in zip(some, headers) if "Poet:" in h)
    # the poem itself is learned the same way either way: only the header differs
    assert sorted(sum(lab != IGNORE_INDEX for lab in e.labels) for e in some) == \
        sorted(sum(lab != IGNORE_INDEX for lab in e.labels) for e in always)
    draws = [leaves_poet_out(f"passage {i}", 0.2, seed=1) for i in range(2000)]
    assert 0.17 < sum(draws) / len(draws) < 0.23
    assert draws == [leaves_poet_out(f"passage {i}", 0.2, seed=1) for i in range(2000)]
    assert not any(leaves_poet_out(f"passage {i}", 0.0, seed=1) for i in range(100))


def test_across_documents_the_second_packed_document_reads_the_first_and_evaluation_never_does():
    from trainer.data import NO_POET, Rows
    from trainer.loop import Distributed, evaluate, token_losses
    from trainer.modeling import load_base_model

    def rows_of(ids, positions):
        return Rows(ids, ids.clone(), positions, torch.full_like(ids, NO_POET))

    model = load_base_model(build_config("default", dict(base_model=base_dir(), corpus=["x"],
                                                         output="x")), torch.device("cpu"), torch.float32)
    cpu = torch.device("cpu")
    ids = torch.randint(10, 8000, (1, 48), generator=torch.Generator().manual_seed(0))
    packed = rows_of(ids, torch.cat([torch.arange(20), torch.arange(28)])[None])  # two documents: 20, 28 tokens
    with torch.no_grad():
        apart = token_losses(model, packed, cpu)[0][0]
        across = token_losses(model, packed, cpu, across_documents=True)[0][0]
        alone = token_losses(model, rows_of(ids[:, 20:], torch.arange(28)[None]), cpu)[0][0]
    assert torch.allclose(apart[20:47], alone[:27], atol=1e-4)  # apart, the second document reads only itself
    assert torch.allclose(apart[:19], across[:19], atol=1e-5)  # the first reads only itself either way
    assert not torch.allclose(apart[20:47], across[20:47], atol=1e-3)  # across, the second reads the first
    config = build_config("base", dict(output="x", batch_size=1, cross_document_attention=True))
    heldout, _ = evaluate(model, packed, [], config, cpu, Distributed())
    assert heldout == pytest.approx(float(apart[:47].mean()), abs=1e-4)  # evaluation never reads across


def test_cross_document_attention_is_refused_for_an_adapter():
    from poetstudio.errors import UserError

    with pytest.raises(UserError, match="cross_document_attention is for pretraining"):
        build_config("default", dict(base_model="x", output="x", cross_document_attention=True))


def test_an_output_that_is_a_file_or_a_folder_of_ones_own_is_refused_before_any_work(fixtures, tmp_path):
    from poetstudio.errors import UserError

    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    with pytest.raises(UserError, match="is a file; give a folder"):
        train(lora_config(fixtures, a_file))
    own = tmp_path / "own"
    own.mkdir()
    (own / "README.md").write_text("my own notes")
    with pytest.raises(UserError, match="holds files that are not a poetstudio run"):
        train(lora_config(fixtures, own))
    assert (own / "README.md").read_text() == "my own notes" and a_file.read_text() == "mine"
