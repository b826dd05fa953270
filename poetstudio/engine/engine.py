"""The engine behind a small interface: load a model, generate blended poems, cancel from another thread.

Blend modes:
- "exact": one row per poet, conditioned through the prompt format, their next-token log-probabilities
  mixed by weight at every step (a product of experts). Needs an adapter trained with poet conditioning.
- "prompt": one row whose instruction describes the blend in words, as the published model did; for chat
  bases or adapters without poet conditioning.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from poetstudio.analysis.attribution import Attribution
from poetstudio.analysis.judge import META_FILE, Judge, load_judge
from poetstudio.engine.attribution import attribute
from poetstudio.engine.constraints import FormConstraint, form_constraint
from poetstudio.engine.decode import DecodeResult, decode, make_runner
from poetstudio.engine.events import EngineEvent, Loaded, LoadFailed, LoadProgress
from poetstudio.engine.loader import LoadedModel, load_model
from poetstudio.engine.request import PoemRequest
from poetstudio.engine.sampling import normalise_weights
from poetstudio.engine.sampling_settings import Sampling
from poetstudio.errors import UserError
from poetstudio.forms.catalogue import FormSpecError, resolve_form
from poetstudio.forms.writer import LineOutcome
from poetstudio.model_info import THIN_POEMS, default_adapter_dir, default_base_dir, default_judge_dir
from poetstudio.poets import STUDIO_POETS, canonical_poet, resolve_poet, studio_poet
from poetstudio.prompt_format import PromptSpec, prompt_ids, unconditioned, uses_chat_template

BLEND_MODES = ("auto", "exact", "prompt")


@dataclass
class Poem:
    """A finished (or stopped) generation with everything needed to reproduce it (`strength`: the style
    strength it was written at)."""

    text: str
    blend: dict[str, float]
    mood: str | None
    seed: int
    sampling: Sampling
    result: DecodeResult
    warnings: list[str] = field(default_factory=list)
    strength: float = 1.0
    form: str | None = None
    form_lines: list[LineOutcome] = field(default_factory=list)


def request_spec(request: PoemRequest, poet: str | None) -> PromptSpec:
    """What the request asks of one row: its theme, mood and opening lines, under `poet`."""
    return PromptSpec(poet=poet, title=request.theme, mood=request.mood, opening=request.opening)


def row_prompts(tokenizer, request: PoemRequest, poets: list[str]) -> list[list[int]]:
    """One prompt per blended poet, each through the shared prompt format (the trainer uses the same)."""
    return [prompt_ids(tokenizer, request_spec(request, poet)) for poet in poets]


def unconditioned_prompt(tokenizer, request: PoemRequest) -> list[int]:
    """The poet rows' prompt with no poet named (the header without its Poet line), for style strength."""
    first = next(iter(request.blend), None)
    return prompt_ids(tokenizer, unconditioned(request_spec(request, first)))


class Engine:
    """One model, one generation at a time; `cancel()` is safe from any thread."""

    def __init__(self, base: str | None = None, adapter: str | None = None, device: str = "auto",
                 blend_mode: str = "auto", quantize: str = "none", precision: str = "auto", judge: str | None = None):
        if blend_mode not in BLEND_MODES:
            raise UserError(f"blend mode must be one of {', '.join(BLEND_MODES)}, not '{blend_mode}'")
        self.base = base or str(default_base_dir())
        self.adapter = adapter if adapter is not None else (None if base else str(default_adapter_dir()))
        self.device = device
        self.quantize = quantize
        self.precision = precision
        self.requested_mode = blend_mode
        self.loaded: LoadedModel | None = None
        self.runner = None
        self._cancel = threading.Event()
        self._busy = threading.Lock()  # the model runs one thing at a time: a generation or an attribution
        self._claim = threading.Lock()
        self._generating = False
        self.judge_dir = Path(judge) if judge else default_judge_dir()
        self._judge: Judge | None = None

    def load_reporting(self, on_event: Callable[[EngineEvent], None]) -> bool:
        """Load (blocking), reporting progress, failure and readiness to `on_event` as values; True if ready."""
        try:
            loaded = self.load(lambda text: on_event(LoadProgress(text)))
        except UserError as exc:
            on_event(LoadFailed(str(exc)))
            return False
        on_event(Loaded(loaded.base, loaded.adapter, str(loaded.device), tuple(loaded.warnings)))
        return True

    def load_in_background(self, on_event: Callable[[EngineEvent], None]) -> threading.Thread:
        """`load_reporting` on a daemon thread."""
        thread = threading.Thread(target=self.load_reporting, args=(on_event,), name="poetstudio-model-load", daemon=True)
        thread.start()
        return thread

    def load(self, on_status: Callable[[str], None] | None = None) -> LoadedModel:
        """Load the model once (later calls return it); progress goes to `on_status` as text."""
        if self.loaded is None:
            loaded = load_model(self.base, self.adapter, self.device, quantize=self.quantize, on_status=on_status)
            if loaded.device.type == "cpu" and self.precision == "auto":
                import torch

                # decoding one token is memory-bound: a second thread adds little, and spinning threads
                # starve the UI and other processes on a 2-core laptop
                torch.set_num_threads(1)
            self.runner = make_runner(loaded.model, self.precision)
            self.loaded = loaded
        return self.loaded

    @property
    def mode(self) -> str:
        """The blend mode in force: as asked, or 'exact' when the adapter carries poet conditioning."""
        if self.requested_mode != "auto":
            return self.requested_mode
        loaded = self.load()
        conditioned = loaded.metadata.get("blend_mode") == "exact" and bool(loaded.metadata.get("poets"))
        return "exact" if conditioned and not uses_chat_template(loaded.tokenizer) else "prompt"

    def known_poets(self) -> list[str]:
        """Poets the adapter was trained on; with no poet metadata, the studio's poets (prompt mode)."""
        trained = list(self.load().metadata.get("poets", {}))
        return trained or [p.name for p in STUDIO_POETS]

    def thin_warnings(self, poets: list[str]) -> list[str]:
        """Warnings for blended poets the adapter saw too few poems of."""
        counts = self.load().metadata.get("poets", {})
        return [
            f"{poet}: only {counts[poet].get('poems', 0)} training poems; the voice will be weak"
            for poet in poets
            if poet in counts and counts[poet].get("poems", 0) < THIN_POEMS
        ]

    def resolve_blend(self, blend: dict[str, float]) -> dict[str, float]:
        """Map written names to known poets and check the weights; raise UserError on bad input."""
        known = self.known_poets()
        resolved: dict[str, float] = {}
        for written, weight in blend.items():
            try:
                poet = resolve_poet(written, known)
            except ValueError as exc:
                studio = studio_poet(canonical_poet(written))
                if studio is not None:
                    why = "in copyright, no public-domain poems" if not studio.public_domain else "not in its training data"
                    raise UserError(f"this model cannot write as {studio.name} ({why}); "
                                    f"it knows: {', '.join(known)}") from None
                raise UserError(str(exc)) from None
            if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not weight >= 0:
                raise UserError(f"weight for {poet} must be a number of 0 or more, not {weight!r}")
            resolved[poet] = resolved.get(poet, 0.0) + float(weight)
        if not any(w > 0 for w in resolved.values()):
            raise UserError("set at least one poet's weight above 0")
        return {poet: w for poet, w in resolved.items() if w > 0}

    def prompts(self, request: PoemRequest, blend: dict[str, float]) -> tuple[list[list[int]], list[float]]:
        """The rows to decode and their weights, for the mode in force."""
        tokenizer = self.load().tokenizer
        if self.mode == "exact":
            return row_prompts(tokenizer, request, list(blend)), list(blend.values())
        spec = PromptSpec(poet=None if len(blend) > 1 else next(iter(blend)), title=request.theme,
                          mood=request.mood, opening=request.opening)
        if not uses_chat_template(tokenizer) and len(blend) > 1:
            from poetstudio.prompt_format import describe_blend

            spec = replace(spec, poet=describe_blend(blend))
        return [prompt_ids(tokenizer, spec, blend)], [1.0]

    def unconditioned(self, request: PoemRequest) -> list[int] | None:
        """The row style strength guides away from; None at strength 1, where no row is added."""
        return None if request.strength == 1.0 else unconditioned_prompt(self.load().tokenizer, request)

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
            constraint = form_constraint(self.load().tokenizer, spec, opening, spec.deadline_s)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        if constraint.done:
            raise UserError(f"the opening lines already fill a {spec.name} ({len(spec.lines)} lines); "
                            "write fewer opening lines or pick a longer form")
        return constraint

    def cancel(self) -> None:
        """Stop the running generation within one token; what was written is kept."""
        self._cancel.set()

    def generate(self, request: PoemRequest, on_piece: Callable[[str], None] | None = None) -> Poem:
        """Generate one poem, streaming pieces (the opening lines first). Raises UserError on bad input."""
        loaded = self.load()
        blend = self.resolve_blend(request.blend)
        prompts, weights = self.prompts(request, blend)
        seed = request.sampling.seed if request.sampling.seed is not None else random.randrange(2**31)
        sampling = replace(request.sampling, seed=seed)
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
                if opening and on_piece is not None:
                    on_piece(opening)
                result = decode(loaded.model, loaded.tokenizer, prompts, normalise_weights(weights), sampling,
                                on_piece, self._cancel, runner=self.runner, strength=request.strength,
                                unconditioned=self.unconditioned(request), constraint=constraint)
        finally:
            self._generating = False
        total = sum(blend.values())
        return Poem(opening + result.text, {p: w / total for p, w in blend.items()}, request.mood, seed, sampling,
                    result, self.thin_warnings(list(blend)), request.strength, request.form,
                    constraint.writer.outcomes if constraint is not None else [])

    def attribution_poets(self) -> list[str]:
        """The poets attribution weighs: those the adapter learned from at least THIN_POEMS poems. A thin
        poet's conditioning is barely learned, so it reads like 'any verse' and would take shares by default."""
        counts = self.load().metadata.get("poets", {})
        known = self.known_poets()
        solid = [p for p in known if counts.get(p, {}).get("poems", THIN_POEMS) >= THIN_POEMS]
        return solid if len(solid) >= 2 else known

    def judge(self) -> Judge | None:
        """The judge beside the shipped model (or the folder given), loaded once; None where there is none."""
        if self._judge is None and (self.judge_dir / META_FILE).exists():
            self._judge = load_judge(self.judge_dir)
        return self._judge

    def attribute(self, text: str, title: str = "", mood: str | None = None) -> Attribution:
        """*Reads like*: the judge's probabilities where a judge is shipped (on held-out real poems it names
        the right poet far more often than the model's own fit; README, Attribution), else `model_attribute`."""
        judge = self.judge()
        return judge.attribute(text) if judge is not None else self.model_attribute(text, title, mood)

    def model_attribute(self, text: str, title: str = "", mood: str | None = None) -> Attribution:
        """How much `text` reads like each poet with enough training poems (see `attribution_poets`), as the
        model itself reads it; waits for a running generation to finish."""
        loaded = self.load()
        poets = self.attribution_poets()
        with self._busy:
            return attribute(loaded.model, loaded.tokenizer, text, poets, title, mood)

    def generate_variations(self, request: PoemRequest, on_piece: Callable[[int, str], None] | None = None) -> list[Poem]:
        """`request.variations` poems with consecutive seeds; stops early if cancelled."""
        first = request.sampling.seed if request.sampling.seed is not None else random.randrange(2**31)
        poems: list[Poem] = []
        for index in range(max(1, request.variations)):
            sampling = replace(request.sampling, seed=first + index)
            callback = (lambda piece, i=index: on_piece(i, piece)) if on_piece else None
            poems.append(self.generate(replace(request, sampling=sampling), callback))
            if poems[-1].result.cancelled:
                break
        return poems
