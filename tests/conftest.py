"""Shared fixtures: the fixture corpus, the shared corpus beside the checkout, the shipped model (for end-to-end
tests), its tokenizer with a tiny random Llama and a two-step chat-format adapter over it (the engine that tests of
mechanics drive), and the deterministic stand-in engine most studio tests drive."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from poetstudio.engine.api import (
    Attribution,
    DecodeResult,
    GeneratedPoem,
    Loaded,
    LoadFailed,
    LoadProgress,
    PoemRequest,
)
from poetstudio.errors import UserError
from poetstudio.model_info import ModelCard, card_from_metadata
from poetstudio.poets import STUDIO_POETS

FIXTURES = Path(__file__).parent / "fixtures"
SHARED_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


@pytest.fixture
def fixtures() -> Path:
    """The folder of hand-written test corpora."""
    return FIXTURES


@pytest.fixture
def shared_corpus() -> Path:
    """../shared/corpus beside the checkout; tests using it skip (with the reason) where it is absent."""
    if not (SHARED_CORPUS / "poems.jsonl").exists():
        pytest.skip(f"needs the shared corpus at {SHARED_CORPUS} (CI always has it)")
    return SHARED_CORPUS


@pytest.fixture(scope="session")
def converted_bases(tmp_path_factory) -> Path:
    """One folder for the whole run where GGUF bases are converted (the default's conversion takes ~20 s and
    ~540 MB): every test (and the commands it runs) uses it, so the default is converted once per run, never in
    the user's cache. Parallel workers (`scripts/test` runs two) share it: the first to need the default converts
    it while the other waits for it (gguf_base.conversion_lock)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = tmp_path_factory.getbasetemp().parent / "bases"  # the run's folder above each worker's own
        shared.mkdir(exist_ok=True)
        return shared
    return tmp_path_factory.mktemp("bases")


@pytest.fixture(scope="session", autouse=True)
def session_dirs(tmp_path_factory, converted_bases):
    """The whole run's own data, config and cache folders (bases shared), set before any fixture loads a model:
    what session-scoped engines write (the weight formats timed, a converted base) never reaches the user's.
    Engines decode on one thread (OMP_NUM_THREADS, which `[model] threads = 0` follows)."""
    root = tmp_path_factory.mktemp("session-dirs")
    with pytest.MonkeyPatch.context() as patch:
        for name, folder in (("DATA", "data"), ("CONFIG", "config"), ("CACHE", "cache")):
            patch.setenv(f"POETSTUDIO_{name}_DIR", str(root / folder))
        patch.setenv("POETSTUDIO_BASES_DIR", str(converted_bases))
        patch.setenv("OMP_NUM_THREADS", "1")  # engines (and the commands run) decode on one core: two test
        yield root  #                            workers share the machine's two


@pytest.fixture(autouse=True)
def user_dirs(tmp_path, monkeypatch, converted_bases):
    """Every test keeps its drafts, library, config and cache in its own temporary folders, never the user's
    (converted bases are shared across the run); the folder above them (data/, config/, cache/) for tests that
    look inside."""
    monkeypatch.setenv("POETSTUDIO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("POETSTUDIO_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("POETSTUDIO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("POETSTUDIO_BASES_DIR", str(converted_bases))
    return tmp_path


@pytest.fixture(scope="session")
def shipped_engine():
    """The shipped model (SmolLM2-135M-Instruct with the poets' adapter) on the CPU, loaded once for the run: for
    the few end-to-end tests. Mechanics run on `engine`."""
    from poetstudio.engine.engine import Engine

    engine = Engine(device="cpu")
    engine.load()
    return engine


@pytest.fixture(scope="session")
def shipped_tokenizer():
    """The shipped base's tokenizer (SmolLM2's, with its chat template), read from the shipped adapter's folder."""
    from poetstudio.model_info import default_tokenizer_dir
    from poetstudio.runtime.hub import load_tokenizer

    return load_tokenizer(str(default_tokenizer_dir()))


@pytest.fixture(scope="session")
def tiny_chat_base(tmp_path_factory, shipped_tokenizer):
    """A 2-layer random Llama with SmolLM2's vocabulary, grouped queries, tied embeddings and RoPE base, saved
    with the real tokenizer (and its chat template) as a local model folder."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    tokenizer = shipped_tokenizer
    model = LlamaForCausalLM(LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=48, intermediate_size=96, num_hidden_layers=2, num_attention_heads=6,
        num_key_value_heads=2, tie_word_embeddings=True, rope_theta=100_000.0, max_position_embeddings=1024,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
    ))
    folder = tmp_path_factory.mktemp("tiny-chat-base")
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def chat_adapter(tmp_path_factory, tiny_chat_base):
    """Two LoRA steps over the tiny base in the tokenizer's natural (chat) format, on three poets (Dickinson,
    Whitman, Yeats)."""
    from trainer.config import build_config
    from trainer.loop import train

    output = tmp_path_factory.mktemp("chat-adapter")
    train(build_config("default", dict(
        base_model=str(tiny_chat_base), corpus=[str(FIXTURES / "mini.jsonl")], output=str(output),
        general_corpus="", heldout_fraction=0.2, seq_len=128, batch_size=4, grad_accum=1, max_steps=2, eval_every=2,
        checkpoint_every=2, lora_r=4, lora_alpha=8, warmup_steps=1, device="cpu", prompt_format="auto",
        contrast_weight=0.0,
    )))
    return output


@pytest.fixture(scope="session")
def tiny_spec(tiny_chat_base, chat_adapter):
    """The tiny random chat model as a ModelSpec, with the shipped judge and word list."""
    from poetstudio.model_info import default_adapter_dir, default_judge_dir
    from poetstudio.model_source import FOLDER, ModelSource
    from poetstudio.model_spec import WORDS_FILE, ModelSpec

    return ModelSpec(ModelSource(FOLDER, str(tiny_chat_base)), str(chat_adapter), default_judge_dir(),
                     default_adapter_dir() / WORDS_FILE)


@pytest.fixture(scope="session")
def engine(tiny_spec):
    """The engine over the tiny random chat model on the CPU, loaded once for the run: what the engine's
    mechanics (blending, streaming, seeds, cancel, rules, forms) are tested on, at a few ms a token."""
    from poetstudio.engine.engine import Engine

    engine = Engine(tiny_spec, device="cpu", precision="fp32")  # pinned: a random model's near-flat scores would
    engine.load()  #                                                 tip on the rounding of a faster weight format
    return engine


class VerseRunner:
    """A runner around another that gives the tiny random model two habits of real verse, so that the rules
    which act on them can be seen to work: it breaks a line after `line_tokens` tokens (the newline token
    `newline_id` raised far above the rest), and with `repeat_bonus` it loves what it has written (each token
    already decoded gains that much in every row's scores), looping on its words as an undertrained model does."""

    def __init__(self, runner, newline_id: int, line_tokens: int = 8, repeat_bonus: float = 0.0):
        self.runner, self.newline_id = runner, newline_id
        self.line_tokens, self.repeat_bonus = line_tokens, repeat_bonus
        self.written: list[int] = []

    def prefill(self, prompts, pad_id, max_new_tokens):
        """The wrapped runner's prefill; a new poem has written nothing yet."""
        self.written = []
        return self.shaped(self.runner.prefill(prompts, pad_id, max_new_tokens))

    def step(self, token):
        """The wrapped runner's scores after `token`, with the habits applied."""
        self.written.append(token)
        return self.shaped(self.runner.step(token))

    def shaped(self, logits):
        """`logits` with a line break due raised, and with the tokens written so far raised by the bonus."""
        logits = logits.clone()
        since_break = len(self.written) - (max(i for i, t in enumerate([self.newline_id] + self.written)
                                               if t == self.newline_id))
        if since_break >= self.line_tokens:
            logits[..., self.newline_id] += 30.0  # far above any random score: the line ends here
        if self.repeat_bonus and self.written:
            logits[..., sorted(set(self.written))] += self.repeat_bonus
        return logits

    def __getattr__(self, name):
        return getattr(self.runner, name)


def verse_runner(engine, **habits) -> VerseRunner:
    """A VerseRunner around `engine`'s runner, with its tokenizer's newline."""
    loaded = engine.load()
    [newline] = loaded.tokenizer.encode("\n", add_special_tokens=False)
    return VerseRunner(engine.runner, newline, **habits)


STUB_CARD = card_from_metadata({"blend_mode": "exact", "moods": {"Fear": 10, "Joy": 12},
                                "poets": {p.name: {"poems": 100, "examples": 300}
                                          for p in STUDIO_POETS if p.public_domain}})
"""The stand-in model's card: every public-domain studio poet learned from 100 poems, two moods."""


class StubEngine:
    """A deterministic stand-in for the engine (an `EnginePort`) for Pilot tests that must not depend on model
    timing: it loads at once (or when `load_gate` is set, or raises `load_error`, or reports `fail_message`),
    and writes a poem of `lines` lines made from the request's seed (or always `poem`). `hold`: a poem streams
    until cancelled; `context`: a theme plus opening lines longer than this is refused; `generate_error`: raised
    by generate; `shares`: what `attribute` says the poem reads like, over the `judged` poets (the rest at 0);
    `card`: the model card it reports."""

    def __init__(self, load_gate: threading.Event | None = None, load_error: Exception | None = None,
                 fail_message: str | None = None, hold: bool = False, lines: int = 4, context: int | None = None,
                 generate_error: Exception | None = None, loads: bool = True, poem: str | None = None,
                 shares: dict[str, float] | None = None, judged: list[str] | None = None,
                 base: str = "/models/stub-base", adapter: str | None = "/models/stub-adapter",
                 card: ModelCard = STUB_CARD):
        self.load_gate, self.load_error, self.fail_message, self.loads = load_gate, load_error, fail_message, loads
        self.hold, self.lines, self.context, self.generate_error = hold, lines, context, generate_error
        self.poem, self.base, self.adapter, self.card = poem, base, adapter, card
        self.shares = shares or {"Emily Dickinson": 0.6, "Edgar Allan Poe": 0.4}
        self.judged = judged if judged is not None else STUB_CARD.solid()
        self.requests: list[PoemRequest] = []
        self.cancelled = threading.Event()
        self.started = threading.Event()

    def load(self, on_event):
        """Report loading, then readiness (or the failure asked for)."""
        on_event(LoadProgress("loading the stand-in model"))
        if self.load_gate is not None:
            self.load_gate.wait(10)
        if self.load_error is not None:
            raise self.load_error
        if self.fail_message is not None:
            on_event(LoadFailed(self.fail_message))
        elif self.loads:
            on_event(Loaded(self.base, self.adapter, "cpu", self.card, context=self.context))

    def poem_text(self, seed: int) -> str:
        """The poem written for `seed`."""
        return self.poem or "".join(f"Line {n} of the poem seeded {seed},\n" for n in range(1, self.lines + 1))

    def generate(self, request: PoemRequest, on_piece) -> list[GeneratedPoem]:
        """One poem per variation, consecutive seeds, streamed whole; stops early when cancelled."""
        self.requests.append(request)
        self.cancelled.clear()
        if self.generate_error is not None:
            raise self.generate_error
        if self.context is not None and len(request.theme) + len(request.opening) > self.context:
            raise UserError("the prompt is longer than the model's context")
        blend = self.card.resolve(request.blend)
        poems = []
        seeded = request.sampling.seeded()
        for index in range(request.variations):
            sampling = seeded.variation(index)
            text = self.poem_text(sampling.seed)
            on_piece(index, text)
            self.started.set()
            if self.hold:
                self.cancelled.wait(10)
            cancelled = self.cancelled.is_set()
            result = DecodeResult(text, list(range(30)), 0.01, 0.1, finished=not cancelled, cancelled=cancelled)
            poems.append(GeneratedPoem(text, blend, request.mood, sampling.seed, sampling, result,
                                       strength=request.strength, form=request.form))
            if cancelled:
                break
        return poems

    def attribute(self, text, title, mood):
        """The fixed shares, over the judged poets."""
        shares = {poet: 0.0 for poet in self.judged}
        shares.update(self.shares)
        return Attribution(shares, {}, 30)

    def cancel(self):
        """Stop a held poem."""
        self.cancelled.set()


async def wait_for(pilot, condition, seconds=90.0):  # a cold torch import under load can take 30 s
    """Pause the app until `condition()` holds (True) or `seconds` pass (its last value)."""
    for _ in range(int(seconds / 0.05)):
        if condition():
            return True
        await pilot.pause(0.05)
    return condition()
