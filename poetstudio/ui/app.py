"""The studio app: four panes, the engine on worker threads, the library, the draft saved as you go, and
every finished poem read (rhyme, metre, form, attribution) on a worker thread."""

from __future__ import annotations

import random
from dataclasses import asdict, replace

from textual import work
from textual.worker import get_current_worker
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Grid
from textual.widgets import Footer, Header

from poetstudio.analysis.attribution import Attribution
from poetstudio.analysis.report import READING_VERSION, PoemReading, analyze_poem
from poetstudio.config import Config
from poetstudio.draft import Draft, load_draft, save_draft
from poetstudio.engine.events import Loaded, LoadFailed, LoadProgress
from poetstudio.engine.request import PoemRequest
from poetstudio.errors import UserError
from poetstudio.library import Library, SavedPoem
from poetstudio.poets import STUDIO_POETS
from poetstudio.ui.blend_state import BlendState
from poetstudio.ui.engine_port import EnginePort
from poetstudio.ui.library_pane import LibraryPane
from poetstudio.ui.messages import AnalysisReady, BlendChanged, EngineStatus, GenerationDone, PoemPiece
from poetstudio.ui.modals import AskText, HelpScreen
from poetstudio.ui.poem_pane import PoemPane
from poetstudio.ui.poets_pane import PoetsPane
from poetstudio.ui.prompt_pane import PromptPane

MIN_EXTRA_POEMS = 5  # poets outside the studio's ten get a row only when the adapter learned them from this many

ACTIONS = {
    "generate": ("ctrl+g", "Generate", "Write a poem from the blend and prompt"),
    "regenerate": ("ctrl+r", "New seed", "Write again with a new seed"),
    "stop": ("escape", "Stop", "Stop writing; the partial poem stays"),
    "save": ("ctrl+s", "Save", "Save the poem on screen to the library"),
    "help": ("f1", "Help", "Every key"),
    "focus_pane('poets')": ("f5", "Poets", "Go to the poets pane"),
    "focus_pane('prompt')": ("f6", "Prompt", "Go to the prompt pane"),
    "focus_pane('poem')": ("f7", "Poem", "Go to the poem pane"),
    "focus_pane('library')": ("f8", "Library", "Go to the library pane"),
    "quit": ("ctrl+q", "Quit", "Leave (the draft is kept)"),
}


POETS_COMMANDS = (
    ("Poets: raise weight", "nudge(1)"), ("Poets: lower weight", "nudge(-1)"),
    ("Poets: raise weight a lot", "nudge(5)"), ("Poets: lower weight a lot", "nudge(-5)"),
    ("Poets: type a weight", "type_weight"), ("Poets: zero", "zero"), ("Poets: solo", "solo"),
    ("Poets: equalise", "equalise"), ("Poets: reset", "reset"), ("Poets: next mood", "next_mood"),
)
POEM_COMMANDS = (("Poem: next variation", "flip(1)"), ("Poem: previous variation", "flip(-1)"),
                 ("Poem: rhyme/syllable gutter on/off", "toggle_annotations"))
LIBRARY_COMMANDS = (
    ("Library: open", "open"), ("Library: rename", "rename"), ("Library: delete", "delete"),
    ("Library: undo delete", "undo"), ("Library: favourite", "favourite"),
    ("Library: export Markdown", "export('md')"), ("Library: export text", "export('txt')"),
)


def binding_id(action: str) -> str:
    """The id a config [keys] entry uses for an action: generate, focus_poets, ..."""
    return action.replace("focus_pane('", "focus_").replace("')", "")


class StudioApp(App):
    """poetstudio's studio."""

    TITLE = "poetstudio"
    CSS_PATH = "studio.tcss"
    BINDINGS = [
        Binding(key, action, label, id=binding_id(action), priority=action in ("generate", "stop", "save", "help"))
        for action, (key, label, _) in ACTIONS.items()
    ]

    def __init__(self, engine: EnginePort, config: Config, library: Library | None, draft_file,
                 library_error: str | None = None) -> None:
        super().__init__()
        self.engine = engine
        self.config = config
        self.library = library
        self.library_error = library_error
        self.draft_file = draft_file
        self.draft = load_draft(draft_file) if draft_file else Draft()
        self.ready = False
        self.generating = False
        self.pending: PoemRequest | None = None
        self.last_request: PoemRequest | None = None
        self._autosave_timer = None
        self.readings: dict[str, tuple[PoemReading, Attribution | None]] = {}
        self.opened: tuple[int, str] | None = None
        poets = [p.name for p in STUDIO_POETS]
        self.blend = BlendState(poets, weights={p: w for p, w in self.draft.blend.items() if p in poets})

    def compose(self) -> ComposeResult:
        yield Header()
        with Grid(id="panes"):
            yield PoetsPane(self.blend, self.config.studio.fine_step, id="poets")
            yield PromptPane(id="prompt")
            yield PoemPane(id="poem")
            yield LibraryPane(self.library, id="library")
        yield Footer()

    def on_mount(self) -> None:
        for pane, title in (("poets", "Poets"), ("prompt", "Prompt"), ("poem", "Poem"), ("library", "Library")):
            self.query_one(f"#{pane}").border_title = title
        if self.config.keys:
            self.set_keymap(self.config.keys)
        prompt = self.query_one(PromptPane)
        sampling = self.draft.sampling or {k: v for k, v in asdict(self.config.sampling).items() if k != "variations"}
        prompt.fill(self.draft.theme, self.draft.opening, sampling, self.draft.sampling.get("variations", self.config.sampling.variations))
        if self.draft.poems:
            self.query_one(PoemPane).load(self.draft.poems, self.draft.seeds, state="draft restored")
        self.query_one(PoetsPane).mood = self.draft.mood
        self.query_one(PoetsPane).focus()
        if self.library_error:
            self.notify(self.library_error, severity="error", timeout=15)
        self.sub_title = "loading model…"
        self.call_after_refresh(self.load_engine)  # draw the first frame before torch's import holds the GIL

    # engine ---------------------------------------------------------------

    @work(thread=True, group="load", exit_on_error=False)
    def load_engine(self) -> None:
        """Load the model on a thread; events come back as messages."""
        self.engine.load(lambda event: self.post_message(EngineStatus(event)))

    def on_engine_status(self, message: EngineStatus) -> None:
        event = message.event
        poets_pane = self.query_one(PoetsPane)
        if isinstance(event, LoadProgress):
            self.sub_title = event.text
        elif isinstance(event, LoadFailed):
            self.sub_title = "no model"
            poets_pane.note = "model failed to load: see the notification"
            poets_pane.refresh()
            self.notify(event.message, title="model failed to load", severity="error", timeout=20)
        elif isinstance(event, Loaded):
            self.ready = True
            self.sub_title = f"{event.device}: ready"
            for warning in event.warnings:
                self.notify(warning, severity="warning")
            known = self.engine.poets()
            studio_names = {p.name for p in STUDIO_POETS}
            extra = [p for p, counts in known.items() if p not in studio_names and counts.get("poems", 0) >= MIN_EXTRA_POEMS]
            names = [p.name for p in STUDIO_POETS] + extra
            disabled = {}
            for poet in STUDIO_POETS:
                if known and poet.name not in known:
                    disabled[poet.name] = ("no public-domain poems (in copyright)" if not poet.public_domain
                                           else "not in this model's training data")
            weights = {p: w for p, w in self.blend.weights.items() if p not in disabled}
            poets_pane.moods = self.engine.moods()
            poets_pane.note = ""
            poets_pane.set_blend(BlendState(names, disabled=disabled, weights=weights))
            self.blend = poets_pane.blend
            pane = self.query_one(PoemPane)
            if pane.text.strip() and pane.state != "writing":
                self.read_poem(pane.text)

    # generation -----------------------------------------------------------

    def build_request(self, new_seed: bool = False) -> PoemRequest:
        """The request from what is on screen; bad settings raise UserError."""
        prompt = self.query_one(PromptPane)
        sampling, variations = prompt.read_settings()
        if new_seed or sampling.seed is None:
            sampling = replace(sampling, seed=random.randrange(2**31))
            prompt.set_seed(sampling.seed)
        blend = self.blend.active()
        if not blend:
            raise UserError("set at least one poet's weight (Poets pane: → raises, s solos)")
        return PoemRequest(theme=prompt.theme or "Untitled", blend=blend, opening=prompt.opening,
                           mood=self.query_one(PoetsPane).mood, sampling=sampling, variations=variations,
                           form=prompt.form)

    def action_generate(self, new_seed: bool = False) -> None:
        """Generate; if a poem is being written, stop it and start this one when it has stopped."""
        if not self.ready:
            self.notify("the model is still loading (or failed to load)", severity="warning")
            return
        try:
            request = self.build_request(new_seed)
        except UserError as exc:
            self.notify(str(exc), severity="error")
            return
        if self.generating:
            self.pending = request
            self.engine.cancel()
            return
        self.start_generation(request)

    def action_regenerate(self) -> None:
        """Generate again with a new seed."""
        self.action_generate(new_seed=True)

    def start_generation(self, request: PoemRequest) -> None:
        """Begin streaming a request on the worker thread."""
        self.generating = True
        self.last_request = request
        self.opened = None
        self.query_one(PoetsPane).show_attribution(None)
        self.query_one(PoemPane).start(request.variations, request.form)
        self.generate_worker(request)

    @work(thread=True, group="generate", exit_on_error=False)
    def generate_worker(self, request: PoemRequest) -> None:
        """Run the engine; pieces and the end come back as messages."""
        try:
            poems = self.engine.generate(request, lambda index, text: self.post_message(PoemPiece(index, text)))
        except UserError as exc:
            self.post_message(GenerationDone([], str(exc)))
            return
        except Exception as exc:  # the app must stay up whatever the model does
            self.post_message(GenerationDone([], f"generation failed: {exc}"))
            return
        self.post_message(GenerationDone(poems))

    def on_poem_piece(self, message: PoemPiece) -> None:
        for pane in self.query(PoemPane):
            pane.add(message.index, message.text)

    def on_generation_done(self, message: GenerationDone) -> None:
        self.generating = False
        if not self.query(PoemPane):
            return
        pane = self.query_one(PoemPane)
        if message.error:
            pane.finish("failed")
            self.notify(message.error, severity="error")
        else:
            stopped = any(getattr(p.result, "cancelled", False) for p in message.poems)
            tokens = sum(len(p.result.token_ids) for p in message.poems)
            pane.finish("stopped" if stopped else "done", tokens, [p.seed for p in message.poems])
        self.schedule_autosave()
        if self.pending is not None:
            request, self.pending = self.pending, None
            self.start_generation(request)

    def action_stop(self) -> None:
        """Stop writing within a token; the partial poem stays."""
        if self.generating:
            self.pending = None
            self.engine.cancel()

    # reading the poem ------------------------------------------------------

    def on_poem_pane_shown(self, message: PoemPane.Shown) -> None:
        self.read_poem(message.text)

    def read_poem(self, text: str) -> None:
        """Show the reading of `text` (cached, or computed on a worker: rhyme and metre first, then attribution)."""
        reading, attribution = self.readings.get(text, (None, None))
        if reading is not None:
            self.query_one(PoemPane).show_reading(text, reading)
            if attribution is not None:
                self.query_one(PoetsPane).show_attribution(attribution.shares)
                return
        if reading is None or self.ready:
            prompt = self.query_one(PromptPane)
            self.analyze_worker(text, prompt.theme or "Untitled", self.query_one(PoetsPane).mood, reading)

    @work(thread=True, group="analyze", exclusive=True, exit_on_error=False)
    def analyze_worker(self, text: str, title: str, mood: str | None, reading=None) -> None:
        """Read the poem (no model), report; then attribute it with the model, report again."""
        worker = get_current_worker()
        try:
            if reading is None:
                reading = analyze_poem(text)
                self.post_message(AnalysisReady(text, reading))
            if not self.ready or worker.is_cancelled:
                return
            attribution = self.engine.attribute(text, title, mood)
        except Exception as exc:  # a reading that fails must not take the studio down
            self.post_message(AnalysisReady(text, reading, error=f"could not read the poem: {exc}"))
            return
        if not worker.is_cancelled:
            self.post_message(AnalysisReady(text, reading, attribution))

    def on_analysis_ready(self, message: AnalysisReady) -> None:
        if message.error:
            self.notify(message.error, severity="warning")
        if message.reading is None:
            return
        self.readings[message.text] = (message.reading, message.attribution)
        pane = self.query_one(PoemPane)
        if pane.text != message.text:
            return
        pane.show_reading(message.text, message.reading)
        if message.attribution is not None:
            self.query_one(PoetsPane).show_attribution(message.attribution.shares)
            if self.opened and self.opened[1] == message.text and self.library is not None:
                self.library.set_analysis(self.opened[0], self.analysis_record(message.text))

    def analysis_record(self, text: str) -> dict:
        """What the library keeps of a poem's reading: plain JSON-able dicts."""
        reading, attribution = self.readings.get(text, (None, None))
        record = {}
        if reading is not None:
            record["reading"] = reading.to_dict()
        if attribution is not None:
            record["attribution"] = attribution.to_dict()
        return record

    # library --------------------------------------------------------------

    def action_save(self) -> None:
        """Ask for a title (the theme by default) and save the poem on screen."""
        pane = self.query_one(PoemPane)
        if not pane.text.strip():
            self.notify("no poem to save yet", severity="warning")
            return
        if self.library is None:
            self.notify("the library is unavailable; see the earlier message", severity="error")
            return
        prompt = self.query_one(PromptPane)
        request = self.last_request
        text = pane.text
        seed = pane.seeds[pane.shown] if pane.shown < len(pane.seeds) else None

        def save(title: str | None) -> None:
            if not title or not title.strip():
                return
            sampling = {**asdict(request.sampling), "form": request.form} if request else {}
            saved = self.library.save(SavedPoem(
                title=title.strip(), text=text, theme=prompt.theme, opening=prompt.opening,
                blend=request.blend if request else self.blend.active(), mood=request.mood if request else None,
                sampling=sampling, seed=seed, model=self.config.model.base or "shipped default",
                adapter=self.config.model.adapter or None, analysis=self.analysis_record(text),
            ))
            self.query_one(LibraryPane).refresh_list()
            self.notify(f"saved “{saved.title}” (#{saved.id})")

        self.push_screen(AskText("Title for this poem:", prompt.theme or "Untitled"), save)

    def on_library_pane_open(self, message: LibraryPane.Open) -> None:
        poem = message.poem
        defaults = {k: v for k, v in asdict(self.config.sampling).items() if k != "variations"}
        self.query_one(PromptPane).fill(poem.theme, poem.opening, {**defaults, **poem.sampling}, 1)
        self.query_one(PromptPane).set_seed(poem.seed)
        pane = self.query_one(PoetsPane)
        weights = {p: w for p, w in poem.blend.items() if p in self.blend.weights and p not in self.blend.disabled}
        pane.set_blend(BlendState(self.blend.poets, disabled=self.blend.disabled, weights=weights))
        pane.mood = poem.mood
        self.blend = pane.blend
        self.opened = (poem.id, poem.text)
        stored = poem.analysis or {}
        self.query_one(PoetsPane).show_attribution(None)
        if stored.get("reading", {}).get("version") == READING_VERSION:
            attribution = Attribution.from_dict(stored["attribution"]) if stored.get("attribution") else None
            self.readings[poem.text] = (PoemReading.from_dict(stored["reading"]), attribution)
        self.query_one(PoemPane).load([poem.text], [poem.seed] if poem.seed is not None else [], state=f"opened #{poem.id}",
                                       form=poem.sampling.get("form"))
        self.notify(f"opened “{poem.title}”")

    # draft ----------------------------------------------------------------

    def on_blend_changed(self, _message: BlendChanged) -> None:
        self.schedule_autosave()

    def on_input_changed(self, _event) -> None:
        self.schedule_autosave()

    def on_text_area_changed(self, _event) -> None:
        self.schedule_autosave()

    def schedule_autosave(self) -> None:
        """Save the draft shortly after the last change."""
        if self._autosave_timer is not None:
            self._autosave_timer.stop()
        self._autosave_timer = self.set_timer(self.config.studio.autosave_seconds, self.save_draft_now)

    def save_draft_now(self) -> None:
        """Write the draft file now."""
        if not self.draft_file:
            return
        prompt = self.query_one(PromptPane)
        pane = self.query_one(PoemPane)
        try:
            sampling, variations = prompt.read_settings()
            sampling_dict = {**asdict(sampling), "variations": variations}
        except UserError:
            sampling_dict = self.draft.sampling
        self.draft = Draft(theme=prompt.theme, opening=prompt.opening, blend=self.blend.active(),
                           mood=self.query_one(PoetsPane).mood, sampling=sampling_dict,
                           poems=list(pane.poems), seeds=list(pane.seeds))
        save_draft(self.draft, self.draft_file)

    # navigation and help ---------------------------------------------------

    def action_focus_pane(self, pane: str) -> None:
        """Move focus to a pane."""
        target = {"poets": "#poets", "prompt": "#theme", "poem": "#poem", "library": "#search"}[pane]
        self.query_one(target).focus()

    def key_sections(self) -> dict[str, list[tuple[str, str]]]:
        """Every key, by pane, for the help screen."""
        keymap = self.config.keys
        studio = [(keymap.get(binding_id(a), key), text) for a, (key, _, text) in ACTIONS.items()]
        sections = {"Studio (anywhere)": studio + [("tab / shift+tab", "Next / previous field"),
                                                   ("ctrl+p", "Command palette: every action")]}
        for title, cls in (("Poets pane", PoetsPane), ("Poem pane", PoemPane), ("Library pane (list)", LibraryPane)):
            sections[title] = [(b.key, b.description) for b in cls.BINDINGS]
        return sections

    def action_help(self) -> None:
        """Show every key."""
        self.push_screen(HelpScreen(self.key_sections()))

    def get_system_commands(self, screen):
        """The command palette lists every studio action."""
        yield from super().get_system_commands(screen)
        for action, (_key, label, text) in ACTIONS.items():
            yield SystemCommand(label, text, lambda a=action: self.run_action(a))
        panes = ((PoetsPane, POETS_COMMANDS), (PoemPane, POEM_COMMANDS), (LibraryPane, LIBRARY_COMMANDS))
        for cls, commands in panes:
            pane = self.query_one(cls)
            for label, action in commands:
                yield SystemCommand(label, f"{label} ({cls.__name__.removesuffix('Pane').lower()} pane)",
                                    lambda a=action, p=pane: p.run_action(a))

    async def action_quit(self) -> None:
        """Save the draft, then leave."""
        self.save_draft_now()
        self.exit()

    def on_unmount(self) -> None:
        self.engine.cancel()
        if self.library is not None:
            self.library.close()
