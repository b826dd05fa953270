"""The engine behind a small interface: load a model, generate blended poems, cancel from another thread.

Blend modes:
- "exact": one row per poet, conditioned through the prompt format, their next-token log-probabilities
  mixed by weight at every step (a product of experts). Needs an adapter trained with poet conditioning.
- "prompt": one row whose instruction describes the blend in words, as the published model did; for chat
  bases or adapters without poet conditioning.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from poetstudio.analysis.judge import META_FILE, Judge, load_judge
from poetstudio.engine.api import Attribution, EngineEvent, GeneratedPoem, Loaded, LoadFailed, LoadProgress, PoemRequest
from poetstudio.engine.attribution import attribute
from poetstudio.engine.constraints import FormConstraint, form_constraint, word_constraint
from poetstudio.engine.decode import decode
from poetstudio.engine.loader import LoadedModel, load_model
from poetstudio.engine.runners import make_runner
from poetstudio.engine.sampling import weight_tensor
from poetstudio.engine.sampling_settings import guidance_strength
from poetstudio.errors import UserError
from poetstudio.forms.catalogue import FormSpecError, resolve_form
from poetstudio.forms.lexicon import lexicon
from poetstudio.forms.tokens import token_facts
from poetstudio.forms.word_guard import real_words
from poetstudio.model_info import (
    ModelCard,
    card_from_metadata,
    read_base_metadata,
)
from poetstudio.model_spec import ModelSpec, shipped_spec
from poetstudio.prompt_format import HEADER, PromptSpec, describe_blend, natural_format, prompt_ids, unconditioned
from poetstudio.runtime.device import decode_threads

BLEND_MODES = ("auto", "exact", "prompt")


def request_spec(request: PoemRequest, poet: str | None) -> PromptSpec:
    """What the request asks of one row: its theme, mood and opening lines, under `poet`."""
    return PromptSpec(poet=poet, title=request.theme, mood=request.mood, opening=request.opening)


def row_prompts(tokenizer, request: PoemRequest, poets: list[str], fmt: str) -> list[list[int]]:
    """One prompt per blended poet, each through the shared prompt format (the trainer uses the same)."""
    return [prompt_ids(tokenizer, request_spec(request, poet), fmt=fmt) for poet in poets]


def unconditioned_prompt(tokenizer, request: PoemRequest, fmt: str) -> list[int]:
    """The poet rows' prompt with no poet named (the header without its Poet line), for style strength."""
    first = next(iter(request.blend), None)
    return prompt_ids(tokenizer, unconditioned(request_spec(request, first)), fmt=fmt)


class Engine:
    """One model, one generation at a time; `cancel()` is safe from any thread."""

    def __init__(self, spec: ModelSpec | None = None, device: str = "auto", blend_mode: str = "auto",
                 quantize: str = "none", precision: str = "auto", balanced: bool = True, threads: int = 0,
                 spare_cores: int = 0):
        """`balanced=False` leaves out the adapter's poet balance (ModelCard.balance): the rows get the weights
        as set (`[model] balance = false`, `generate --no-balance`); the trainer fits the balance with it off,
        and the judge's bench measures what it does. `threads` is the CPU threads a poem is decoded on (0 = every
        usable core less `spare_cores`; `[model] threads`), set when the model loads with `precision='auto'`."""
        if blend_mode not in BLEND_MODES:
            raise UserError(f"blend mode must be one of {', '.join(BLEND_MODES)}, not '{blend_mode}'")
        decode_threads(threads)  # a negative count is refused now, not when the model has loaded
        self.spec = spec or shipped_spec()
        self.device = device
        self.quantize = quantize
        self.precision = precision
        self.requested_mode = blend_mode
        self.balanced = balanced
        self.threads = threads
        self.spare_cores = spare_cores
        self.loaded: LoadedModel | None = None
        self.runner = None
        self._cancel = threading.Event()
        self._busy = threading.Lock()  # the model runs one thing at a time: a generation or an attribution
        self._claim = threading.Lock()
        self._generating = False
        self._judge: Judge | None = None
        self._card = ModelCard()

    def load_reporting(self, on_event: Callable[[EngineEvent], None]) -> bool:
        """Load (blocking), reporting progress, failure and readiness to `on_event` as values; True if ready."""
        try:
            loaded = self.load(lambda text: on_event(LoadProgress(text)))
        except UserError as exc:
            on_event(LoadFailed(str(exc)))
            return False
        on_event(LoadProgress("preparing the word list"))
        facts = token_facts(loaded.tokenizer)  # word lists built here, not on the first poem (about 2 s)
        real_words(facts, loaded.words)
        lexicon(facts, loaded.words)
        on_event(Loaded(loaded.base, loaded.adapter, str(loaded.device), self.card, tuple(loaded.warnings),
                        context_length(loaded.model)))
        return True

    def load(self, on_status: Callable[[str], None] | None = None) -> LoadedModel:
        """Load the model once (later calls return it); progress goes to `on_status` as text."""
        if self.loaded is None:
            loaded = load_model(self.spec, self.device, quantize=self.quantize, on_status=on_status)
            if loaded.device.type == "cpu" and self.precision == "auto":
                import torch

                torch.set_num_threads(decode_threads(self.threads, self.spare_cores))
            self.runner = make_runner(loaded.model, self.precision)
            card = card_from_metadata(loaded.metadata, Path(loaded.adapter) if loaded.adapter else None,
                                      read_base_metadata(self.spec.base_folder))
            self._card = card if self.balanced else replace(card, balance={})
            self.loaded = loaded
        return self.loaded

    @property
    def card(self) -> ModelCard:
        """The loaded model's card: its poets (available or why not), moods and blend mode."""
        self.load()
        return self._card

    @property
    def mode(self) -> str:
        """The blend mode in force: as asked, or 'exact' when the adapter carries poet conditioning."""
        if self.requested_mode != "auto":
            return self.requested_mode
        return "exact" if self.card.exact else "prompt"

    @property
    def prompt_format(self) -> str:
        """The format prompts are written in: the adapter's declared one, or the base's natural one without
        a trained adapter."""
        card = self.card
        return card.prompt_format if card.trained else natural_format(self.load().tokenizer)

    def known_poets(self) -> list[str]:
        """The poets this model's adapter writes as (with no poet metadata, the studio's); the other authors
        its base learned (`card.authors`) can join a blend too but are not listed here."""
        return self.card.studio_writable()

    def resolve_blend(self, blend: dict[str, float]) -> dict[str, float]:
        """The blend mapped to this model's poets and normalised (`ModelCard.resolve`); UserError on bad input."""
        return self.card.resolve(blend)

    def row_weights(self, blend: dict[str, float]) -> dict[str, float]:
        """The weight each poet's row gets for a resolved `blend` in exact mode: the blend's own weights times
        the balance's gains, renormalised (ModelCard.row_weights); the card has no gains with the balance off."""
        return dict(zip(blend, self.card.row_weights(blend)))

    def prompts(self, request: PoemRequest, blend: dict[str, float]) -> tuple[list[list[int]], list[float]]:
        """The rows to decode and their weights, for the mode in force."""
        tokenizer = self.load().tokenizer
        fmt = self.prompt_format
        if self.mode == "exact":
            return row_prompts(tokenizer, request, list(blend), fmt), list(self.row_weights(blend).values())
        spec = PromptSpec(poet=None if len(blend) > 1 else next(iter(blend)), title=request.theme,
                          mood=request.mood, opening=request.opening)
        if fmt == HEADER and len(blend) > 1:
            spec = replace(spec, poet=describe_blend(blend))
        return [prompt_ids(tokenizer, spec, blend, fmt=fmt)], [1.0]

    def unconditioned(self, request: PoemRequest) -> list[int] | None:
        """The row style strength guides away from; None at strength 1, where no row is added."""
        return None if request.strength == 1.0 else unconditioned_prompt(self.load().tokenizer, request,
                                                                          self.prompt_format)

    def form_constraint(self, request: PoemRequest, opening: str) -> FormConstraint | None:
        """The constraint writing `request.form` (None for no form or free verse); a bad form is a UserError."""
        if not request.form:
            return None
        try:
            spec = resolve_form(request.form)
        except FormSpecError as exc:
            raise UserError(str(exc)) from None
        if spec.free:
            return None
        try:
            loaded = self.load()
            constraint = form_constraint(loaded.tokenizer, spec, opening, spec.deadline_s, loaded.words)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        if constraint.done:
            raise UserError(f"the opening lines already fill a {spec.name} ({len(spec.lines)} lines); "
                            "write fewer opening lines or pick a longer form")
        return constraint

    def cancel(self) -> None:
        """Stop the running generation within one token; what was written is kept."""
        self._cancel.set()

    def check_fits(self, prompts: list[list[int]], request: PoemRequest | None = None) -> None:
        """Raise UserError when a prompt alone fills the model's context: such a prompt would take minutes and
        gigabytes to read, and the model never saw a text that long. The message names the part that is long
        (the theme, the opening lines, or both) where the request is given. A free-verse poem asked to run past
        the context with its prompt is refused too, naming the most it may ask for (a form sets its own length,
        well inside)."""
        limit = context_length(self.load().model)
        longest = max(len(p) for p in prompts)
        if limit is None:
            return
        if longest < limit:
            if request is not None and request.form is None and longest + request.sampling.max_new_tokens > limit:
                raise UserError(f"max tokens {request.sampling.max_new_tokens:,} with this prompt's {longest:,} is "
                                f"more than this model reads ({limit:,} in all); ask for at most "
                                f"{limit - longest:,}")
            return
        tokenizer = self.load().tokenizer

        def count(text: str) -> int:
            return len(tokenizer.encode(text, add_special_tokens=False))

        theme, opening = (count(request.theme), count(request.opening)) if request is not None else (0, 0)
        if theme > 2 * opening:
            part = f"the theme is {theme:,} tokens"
            advice = "shorten the theme (put verse the poem should start with in the opening lines)"
        elif opening > 2 * theme:
            part, advice = f"the opening lines are {opening:,} tokens", "shorten the opening lines"
        else:
            part, advice = f"the theme and opening lines are {longest:,} tokens", "shorten them"
        raise UserError(f"{part}; this model reads at most {limit:,} in all: {advice} and try again")

    def generate(self, request: PoemRequest, on_piece: Callable[[str], None] | None = None) -> GeneratedPoem:
        """Generate one poem, streaming pieces (the opening lines first). Raises UserError on bad input."""
        loaded = self.load()
        blend = self.resolve_blend(request.blend)
        prompts, weights = self.prompts(request, blend)
        self.check_fits(prompts, request)
        sampling = request.sampling.seeded()
        with self._claim:
            if self._generating:
                raise UserError("a poem is being generated already; stop it first")
            self._generating = True
        try:
            with self._busy:  # an attribution in progress finishes first (well under a second)
                self._cancel.clear()
                opening = request.opening.strip("\n") + "\n" if request.opening.strip() else ""
                constraint = self.form_constraint(request, opening)
                if constraint is not None:
                    sampling = replace(sampling, max_new_tokens=constraint.writer.token_budget())
                guard = (word_constraint(loaded.tokenizer, sampling.top_k, loaded.words, sampling.real_words,
                                         sampling.word_repeats, sampling.tidy_lines, sampling.max_new_tokens,
                                         opening_ids(loaded.tokenizer, opening), sampling.echo_penalty)
                         if constraint is None else None)
                strength = guidance_strength(request.strength, in_form=constraint is not None)
                if opening and on_piece is not None:
                    on_piece(opening)
                result = decode(loaded.model, loaded.tokenizer, prompts, weight_tensor(weights), sampling,
                                on_piece, self._cancel, runner=self.runner, strength=strength,
                                unconditioned=self.unconditioned(request), constraint=constraint or guard)
        finally:
            self._generating = False
        return GeneratedPoem(opening + result.text, blend, request.mood, sampling.seed, sampling, result,
                             self.card.thin_warnings(blend), request.strength, request.form,
                             constraint.writer.outcomes if constraint is not None else [], strength)

    def attribution_poets(self) -> list[str]:
        """The poets the model's own attribution weighs: those learned from enough poems (`ModelCard.solid`).
        A thin poet's conditioning is barely learned, so it reads like 'any verse' and would take shares by default."""
        return self.card.solid()

    def judge(self) -> Judge | None:
        """The judge beside the shipped model (or the folder given), loaded once; None where there is none."""
        judge_dir = self.spec.judge
        if self._judge is None and judge_dir is not None and (judge_dir / META_FILE).exists():
            self._judge = load_judge(judge_dir)
        return self._judge

    def attribute(self, text: str, title: str = "", mood: str | None = None) -> Attribution:
        """*Reads like*: the judge's probabilities where a judge is shipped (on held-out real poems it names
        the right poet far more often than the model's own fit; docs/forms.md, Reading a poem), else
        `model_attribute`."""
        judge = self.judge()
        return judge.attribute(text) if judge is not None else self.model_attribute(text, title, mood)

    def model_attribute(self, text: str, title: str = "", mood: str | None = None) -> Attribution:
        """How much `text` reads like each poet with enough training poems (see `attribution_poets`), as the
        model itself reads it, on the scale of the weights a person sets (the fit reads the rows' weights, so
        the balance's gains come off again: ModelCard.blend_shares); waits for a running generation to finish."""
        loaded = self.load()
        poets = self.attribution_poets()
        with self._busy:
            read = attribute(loaded.model, loaded.tokenizer, text, poets, title, mood, fmt=self.prompt_format)
        if read.tokens == 0:  # nothing read: no fit to undo, every poet stays alike
            return read
        return replace(read, shares=self.card.blend_shares(read.shares))

    def generate_variations(self, request: PoemRequest,
                            on_piece: Callable[[int, str], None] | None = None) -> list[GeneratedPoem]:
        """`request.variations` poems with consecutive seeds; stops early if cancelled."""
        seeded = request.sampling.seeded()
        poems: list[GeneratedPoem] = []
        for index in range(max(1, request.variations)):
            sampling = seeded.variation(index)
            callback = (lambda piece, i=index: on_piece(i, piece)) if on_piece else None
            poems.append(self.generate(replace(request, sampling=sampling), callback))
            if poems[-1].cancelled:
                break
        return poems


def context_length(model) -> int | None:
    """The most tokens the model was trained to read at once (None when its config does not say)."""
    limit = getattr(getattr(model, "config", None), "max_position_embeddings", None)
    return limit if isinstance(limit, int) and limit > 0 else None


def opening_ids(tokenizer, opening: str) -> list[int]:
    """The opening lines as the model reads them after the header (no special tokens); [] for none."""
    return tokenizer.encode(opening, add_special_tokens=False) if opening else []
