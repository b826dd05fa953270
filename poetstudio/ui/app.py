"""The studio app: four panes, the engine on worker threads, the library, the draft saved as you go, and
every finished poem read (rhyme, metre, form, attribution) on a worker thread."""

from __future__ import annotations

from dataclasses import asdict, replace
from pathlib import Path

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Grid
from textual.events import DescendantFocus, Event, Resize
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Select, TextArea
from textual.worker import Worker, WorkerState, get_current_worker

from poetstudio.analysis.report import PoemReading, analyze_poem
from poetstudio.config import Config
from poetstudio.draft import Draft, read_draft, save_draft
from poetstudio.engine.api import (
    Attribution,
    EnginePort,
    Loaded,
    LoadFailed,
    LoadProgress,
    PoemRequest,
)
from poetstudio.errors import UserError
from poetstudio.library import Library, LibraryError, SavedPoem
from poetstudio.library.store import read_only_message
from poetstudio.model_info import DEFAULT_MODEL_DIR
from poetstudio.paths import data_dir
from poetstudio.poets import STUDIO_POETS
from poetstudio.ui.actions import ACTIONS, NOT_PRIORITY, binding_id, palette_commands
from poetstudio.ui.blend_state import BlendState
from poetstudio.ui.help_keys import key_sections
from poetstudio.ui.keeping import PoemKeeping, saved_form, saved_strength
from poetstudio.ui.key_order import KeyQueue
from poetstudio.ui.library_pane import LibraryPane, PoemList
from poetstudio.ui.messages import (
    AnalysisReady,
    BlendChanged,
    EngineStatus,
    GenerationDone,
    PoemPiece,
)
from poetstudio.ui.modals import HelpScreen
from poetstudio.ui.poem_pane import PoemPane, PoemState
from poetstudio.ui.poets_pane import PoetsPane
from poetstudio.ui.prompt_pane import PromptPane, ThemeInput, theme_problem
from poetstudio.ui.session_poems import SessionPicker, SessionPoems
from poetstudio.ui.studio_screen import PANES, StudioScreen, lay_out
from poetstudio.ui.studio_state import StudioState, load_state, save_state

__all__ = ["ACTIONS", "PALETTE_PANES", "StudioApp", "binding_id"]

PALETTE_PANES = ((PoetsPane, "Poets"), (PoemPane, "Poem"), (PoemList, "Library"))
"""The widgets whose bindings become palette commands (each binding's tooltip is its title)."""
ALWAYS_ALLOWED = ("quit", "help")  # studio actions that still work with a dialog or the palette on top


def model_label(path: str | None) -> str:
    """A short name for a model or adapter: 'shipped' for the bundled ones, else the folder or hub id."""
    if not path:
        return "none"
    if Path(path).resolve().parent == DEFAULT_MODEL_DIR.resolve():
        return "shipped"
    return Path(path).name or path



class StudioApp(PoemKeeping, App):
    """poetstudio's studio."""

    TITLE = "poetstudio"
    CSS_PATH = "studio.tcss"
    BINDINGS = [
        Binding(key, action, label, id=binding_id(action), priority=action not in NOT_PRIORITY)
        for action, (key, label, _) in ACTIONS.items()
    ]

    def __init__(self, engine: EnginePort, config: Config, library: Library | None, draft_file,
                 library_error: str | None = None, state_file: Path | None = None) -> None:
        super().__init__()
        self.engine = engine
        self.config = config
        self.library = library
        self.library_error = library_error
        loaded = read_draft(draft_file) if draft_file else None
        self.draft = loaded.draft if loaded else Draft()
        self.draft_note = loaded.note if loaded else None  # told once, when the studio opens
        self.draft_file = draft_file if loaded and loaded.writable else None  # never save over an unread draft
        self.draft_save_error: str | None = None  # the last autosave failure told (each told once)
        self.state_file = state_file
        self.state: StudioState = load_state(state_file)
        self.ready = False
        self.load_failed = False
        self.load_started = False
        self.generating = False
        self.pending: PoemRequest | None = None
        self.pending_prompt: tuple[str, str] = ("", "")  # the theme and opening lines as typed when it was asked
        self.last_request: PoemRequest | None = None
        self.last_prompt: tuple[str, str] = ("", "")  # theme and opening lines as typed for the last request
        self.session = SessionPoems()
        self.key_queue = KeyQueue(self)
        self.saved_texts: set[str] = set()  # poems of this sitting saved to the library
        self.made_with: dict = dict(self.draft.made_with)  # what wrote the poem restored with the draft
        self._autosave_timer = None
        self.readings: dict[str, tuple[PoemReading, Attribution | None]] = {}
        self.opened: tuple[int, str] | None = None
        self.opened_poem: SavedPoem | None = None  # the library record of the poem opened, while it is on screen
        self.unsaved = any(p.strip() for p in self.draft.poems)
        self.shown_pane = "poets"
        self.before_generation: tuple = (None, self.unsaved, None, self.last_prompt)
        poets = [p.name for p in STUDIO_POETS]
        poets += [p for p in self.draft.blend if p not in poets]  # authors added by name; the model card confirms
        self.blend = BlendState(poets, weights=dict(self.draft.blend))

    def get_default_screen(self) -> Screen:
        """The studio screen (its footer puts the studio's keys first)."""
        return StudioScreen(id="_default")

    async def on_event(self, event: Event) -> None:
        """Keys and pastes are handled in the order typed, each before the next (poetstudio.ui.key_order)."""
        if not await self.key_queue.take(event):
            await super().on_event(event)

    def compose(self) -> ComposeResult:
        yield Header()
        with Grid(id="panes"):
            yield PoetsPane(self.blend, self.config.studio.fine_step, self.config.studio.coarse_step, id="poets")
            yield PromptPane(self.config.sampling, self.state.history, id="prompt")
            yield PoemPane(id="poem")
            yield LibraryPane(self.library, id="library")
        yield Footer()

    def on_mount(self) -> None:
        for pane, title in (("poets", "Poets"), ("prompt", "Prompt"), ("poem", "Poem"), ("library", "Library")):
            self.query_one(f"#{pane}").border_title = title
        if self.config.keys:
            self.set_keymap(self.config.keys)
        if self.state.theme in self.available_themes:
            self.theme = self.state.theme
        prompt = self.query_one(PromptPane)
        defaults = {k: v for k, v in asdict(self.config.sampling).items() if k != "variations"}
        sampling = {**defaults, **self.draft.sampling}
        if not sampling.get("pinned"):
            sampling["seed"] = None  # drafts before pinning held the last seed used, not a chosen one
        variations = sampling.get("variations", self.config.sampling.variations)
        prompt.fill(self.draft.theme, self.draft.opening, sampling, variations)
        if any(p.strip() for p in self.draft.poems):
            self.query_one(PoemPane).load(self.draft.poems, self.draft.seeds, state=PoemState.RESTORED,
                                          form=saved_form(self.draft.sampling))
        self.query_one(PoetsPane).mood = self.draft.mood
        self.query_one(PoetsPane).strength = saved_strength(self.draft.sampling, self.config.sampling.strength)
        self.query_one(PoetsPane).focus()
        self.lay_out(self.size.width, self.size.height)
        if self.library_error:
            self.notify(self.library_error, severity="error", timeout=15)
        elif self.library is not None and self.library.read_only:
            self.notify(read_only_message(self.library.path), severity="warning", timeout=15)
        if self.draft_note:
            self.notify(self.draft_note, severity="warning", timeout=20)
        self.sub_title = "loading model…"
        self.call_after_refresh(self.start_loading)  # draw the first frame before torch's import holds the GIL

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Studio keys do nothing while a dialog, the help or the palette is on top (Escape closes it first)."""
        if isinstance(self.screen, StudioScreen) or action not in {a.split("(")[0] for a in ACTIONS}:
            return True
        return action in ALWAYS_ALLOWED

    def watch_theme(self, theme: str) -> None:
        """Remember the colour theme chosen in the palette."""
        if self.state.theme != theme:
            self.state.theme = theme
            self.save_state()

    def save_state(self) -> None:
        """Write the remembered theme and prompt history; a failure is a warning, never a crash."""
        try:
            save_state(self.state, self.state_file)
        except OSError as exc:
            self.notify(f"could not remember the studio settings: {exc}", severity="warning")

    # layout ---------------------------------------------------------------

    def on_resize(self, event: Resize) -> None:
        self.lay_out(event.size.width, event.size.height)

    def lay_out(self, width: int, height: int) -> None:
        """Pick the layout for this terminal size (see studio_screen.py)."""
        lay_out(self.screen_stack[0] if self.screen_stack else self.screen, width, height)
        self.show_pane(self.shown_pane)

    def show_pane(self, pane: str) -> None:
        """Mark the pane that has focus (the one shown in the single-pane layout)."""
        self.shown_pane = pane
        for name in PANES:
            self.query_one(f"#{name}").set_class(name == pane, "-shown")

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        """Show the pane that took the focus (the single-pane layout shows one at a time). Found from the widget
        up, not queried: a focus that lands as the studio closes finds no panes to query."""
        for node in (event.widget, *event.widget.ancestors):
            if node.id in PANES:
                if node.id != self.shown_pane:
                    self.show_pane(node.id)
                return

    # engine ---------------------------------------------------------------

    def closing(self) -> bool:
        """Whether the studio is being torn down: its panes are gone, so a late worker message has no one to tell."""
        return not self.screen_stack or not self.screen_stack[0].query(PoetsPane)

    def start_loading(self) -> None:
        """Start the model's load on its worker, and say so (`load_started`: tests wait for it, since the
        load begins only after the first frame)."""
        self.load_engine()
        self.load_started = True

    @work(thread=True, group="load", exit_on_error=False)
    def load_engine(self) -> None:
        """Load the model on a thread; events come back as messages (an unexpected error: see
        on_worker_state_changed)."""
        self.engine.load(lambda event: self.post_message(EngineStatus(event)))

    def on_engine_status(self, message: EngineStatus) -> None:
        if self.closing():
            return  # quit while the model loaded (loading starts once the panes exist)
        event = message.event
        if isinstance(event, LoadProgress):
            self.sub_title = event.text
        elif isinstance(event, LoadFailed):
            self.load_did_fail(event.message)
        elif isinstance(event, Loaded):
            self.engine_ready(event)

    def load_did_fail(self, message: str) -> None:
        """Say that the model failed to load; the studio stays up for writing prompts and the library."""
        self.load_failed = True
        if self.closing():
            return  # quit while the model loaded: nothing left to tell
        self.sub_title = "no model"
        self.query_one(PoetsPane).say("model failed to load: see the notification")
        if self.pending is not None:
            self.pending = None
            self.query_one(PoemPane).wait_for_model(False)
            message += " (the poem asked for was not written)"
        self.notify(message, title="model failed to load", severity="error", timeout=20)

    def engine_ready(self, event: Loaded) -> None:
        """The model is loaded: name it, set the poets it knows, and start a poem asked for while it loaded."""
        self.ready = True
        self.sub_title = f"model {model_label(event.base)} + adapter {model_label(event.adapter)} on {event.device}"
        for warning in event.warnings:
            self.notify(warning, severity="warning")
        if event.context:
            self.query_one(PromptPane).limit_tokens(event.context)
        poets_pane = self.query_one(PoetsPane)
        poets_pane.use_card(event.card, self.blend.weights)
        self.blend = poets_pane.blend
        disabled = self.blend.disabled
        if self.pending is not None:
            request, self.pending = self.pending, None
            self.start_generation(replace(request, blend={p: w for p, w in request.blend.items() if p not in disabled}),
                                  self.pending_prompt)
            return
        pane = self.query_one(PoemPane)
        if pane.text.strip() and not pane.streaming:
            self.read_poem(pane.text)

    # workers: every failure ends here, whatever the worker ----------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Turn a worker that ended in error into a visible message (a UserError is already one line)."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        first_line = (str(error).splitlines() or [""])[0]
        text = str(error) if isinstance(error, UserError) else f"{type(error).__name__}: {first_line}"
        group = event.worker.group
        if group == "load":
            self.load_did_fail(f"the model could not be loaded: {text}")
        elif group == "generate":
            refused = isinstance(error, UserError)  # the engine's one-line refusal of this request
            why = text if refused else f"generation failed: {text}"
            self.on_generation_done(GenerationDone([], why, refused=refused))
        else:
            self.notify(f"could not read the poem: {text}", severity="warning")

    # generation -----------------------------------------------------------

    def build_request(self, new_seed: bool = False) -> PoemRequest:
        """The request from what is on screen: the pinned seed, else (or with new_seed) a fresh random one.
        Bad settings, and a theme longer than a theme can be, raise UserError."""
        prompt = self.query_one(PromptPane)
        problem = theme_problem(prompt.theme)
        if problem:
            raise UserError(problem)
        sampling, variations = prompt.read_settings()
        sampling = replace(sampling, seed=None) if new_seed else sampling
        sampling = sampling.seeded()
        blend = self.blend.active()
        if not blend:
            raise UserError("set at least one poet's weight (Poets pane: → raises, s solos)")
        return PoemRequest(theme=prompt.theme or "Untitled", blend=blend, opening=prompt.opening,
                           mood=self.query_one(PoetsPane).mood, sampling=sampling, variations=variations,
                           strength=self.query_one(PoetsPane).strength, form=prompt.form)

    def action_generate(self, new_seed: bool = False) -> None:
        """Generate; if a poem is being written, stop it and start this one when it has stopped; while the model
        loads, start it once loaded."""
        if self.load_failed:
            self.notify("no model is loaded (see the earlier message); fix the model setting and restart",
                        severity="error")
            return
        pane = self.query_one(PoemPane)
        try:
            request = self.build_request(new_seed)
        except UserError as exc:
            pane.refuse()
            self.notify(str(exc), severity="error")
            return
        self.remember_theme(request.theme if self.query_one(PromptPane).theme else "")
        if not self.ready:
            self.pending, self.pending_prompt = request, self.typed_prompt()
            pane.wait_for_model(True)
            self.notify("the model is still loading; the poem will start as soon as it is ready")
            return
        if self.generating:
            self.pending, self.pending_prompt = request, self.typed_prompt()
            self.engine.cancel()
            pane.stopping(next_poem=True)
            return
        self.start_generation(request, self.typed_prompt())

    @on(Input.Submitted, "#theme")
    def theme_submitted(self, event: Input.Submitted) -> None:
        """Enter in the theme box writes a poem, as ctrl+g does (Enter sends in chat tools; the opening lines
        keep Enter as a new line)."""
        event.stop()
        self.action_generate()

    def remember_theme(self, theme: str) -> None:
        """Add a theme to the Up/Down history and keep it for the next session."""
        if theme and (not self.state.history or self.state.history[-1] != theme):
            self.state.remember(theme)
            self.query_one(ThemeInput).history = self.state.history
            self.save_state()

    def action_regenerate(self) -> None:
        """Generate again with a new random seed (a pinned seed stays pinned for ctrl+g)."""
        self.action_generate(new_seed=True)

    def typed_prompt(self) -> tuple[str, str]:
        """The theme and opening lines as typed now (what a poem asked for now is saved under)."""
        prompt = self.query_one(PromptPane)
        return prompt.theme, prompt.opening

    def start_generation(self, request: PoemRequest, typed: tuple[str, str]) -> None:
        """Begin streaming a request on the worker thread; `typed`: the prompt as it was when it was asked for."""
        self.generating = True
        self.before_generation = (self.opened, self.unsaved, self.last_request, self.last_prompt)
        self.last_request = request
        self.last_prompt = typed
        self.opened = None
        self.unsaved = True
        self.query_one(PoetsPane).show_attribution(None)
        seeds = [request.sampling.variation(i).seed for i in range(request.variations)]
        self.query_one(PoemPane).start(request.variations, seeds, request.form)
        self.generate_worker(request)

    @work(thread=True, group="generate", exit_on_error=False)
    def generate_worker(self, request: PoemRequest) -> None:
        """Run the engine; pieces and the end come back as messages (errors: see on_worker_state_changed)."""
        poems = self.engine.generate(request, lambda index, text: self.post_message(PoemPiece(index, text)))
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
            kept = pane.finish(PoemState.REFUSED if message.refused else PoemState.FAILED)
            self.notify(message.error, severity="error")
        else:
            stopped = any(p.cancelled for p in message.poems)
            tokens = sum(len(p.result.token_ids) for p in message.poems)
            kept = pane.finish(PoemState.STOPPED if stopped else PoemState.DONE, tokens,
                               [p.seed for p in message.poems])
        if kept:  # nothing was written: the earlier poem is back on screen, with what made it
            self.opened, self.unsaved, self.last_request, self.last_prompt = self.before_generation
        elif message.poems and self.last_request is not None:
            self.session.add(self.last_request, [p.text for p in message.poems], [p.seed for p in message.poems],
                             *self.last_prompt)
        self.schedule_autosave()
        if self.pending is not None:
            request, self.pending = self.pending, None
            self.start_generation(request, self.pending_prompt)

    def action_stop(self) -> None:
        """Stop writing within a token (the partial poem stays); a poem waiting for the model is dropped."""
        if self.generating:
            self.pending = None
            self.engine.cancel()
            self.query_one(PoemPane).stopping()
        elif self.pending is not None:
            self.pending = None
            self.query_one(PoemPane).wait_for_model(False)
            self.notify("the poem waiting for the model will not be written")

    # this sitting's poems ----------------------------------------------------

    def action_session_poems(self) -> None:
        """List this sitting's poems (h in the Poem pane; an app action, so it opens before the keys typed next
        are read); the one chosen comes back on screen with what made it, ready to save."""
        if not len(self.session):
            self.notify("no poems written in this sitting yet: ctrl+g writes one")
            return
        if self.generating:
            self.notify("a poem is being written: Escape stops it, then h lists this sitting's poems",
                        severity="warning")
            return
        text = self.query_one(PoemPane).text
        shown = next((i for i, e in enumerate(self.session.entries) if text in e.poems), None)
        self.push_screen(SessionPicker(self.session, shown),
                         lambda index: None if index is None else self.show_session_poem(index))

    def show_session_poem(self, index: int) -> None:
        """Put generation `index` of this sitting back on screen: its variations, seeds, request and prompt."""
        entry = self.session.entries[index]
        self.last_request, self.last_prompt = entry.request, (entry.theme, entry.opening)
        self.opened, self.opened_poem = None, None
        self.unsaved = not all(text in self.saved_texts for text in entry.poems)
        self.query_one(PoemPane).load(list(entry.poems), list(entry.seeds), PoemState.OPENED,
                                      heading=f"“{entry.request.theme}” · written {entry.written}",
                                      form=entry.request.form,
                                      label=f"this sitting's poem {index + 1} of {len(self.session)}")
        self.schedule_autosave()

    # reading the poem ------------------------------------------------------

    def on_poem_pane_shown(self, message: PoemPane.Shown) -> None:
        if self.query(PromptPane):  # none while the studio closes: nothing to read for
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
        if reading is None:
            reading = analyze_poem(text)
            self.post_message(AnalysisReady(text, reading))
        if not self.ready or worker.is_cancelled:
            return
        attribution = self.engine.attribute(text, title, mood)
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
                self.keep_analysis(self.opened[0], message.text)

    def keep_analysis(self, poem_id: int, text: str) -> None:
        """Keep an opened poem's reading with it in the library; a library that cannot be written (read-only,
        locked) keeps the old one: the reading is made again next time, so nothing is lost."""
        if self.library.read_only:
            return
        try:
            self.library.set_analysis(poem_id, self.analysis_record(text))
        except LibraryError:
            pass

    # draft ----------------------------------------------------------------

    def on_blend_changed(self, _message: BlendChanged) -> None:
        self.schedule_autosave()

    @on(Input.Changed, "#prompt Input")
    @on(TextArea.Changed, "#opening")
    @on(Select.Changed, "#set-form")
    def prompt_changed(self, _event) -> None:
        self.schedule_autosave()

    def schedule_autosave(self) -> None:
        """Save the draft shortly after the last change."""
        if self._autosave_timer is not None:
            self._autosave_timer.stop()
        self._autosave_timer = self.set_timer(self.config.studio.autosave_seconds, self.save_draft_now)

    def save_draft_now(self) -> None:
        """Write the draft file now."""
        if not self.draft_file or not self.screen_stack or not self.screen_stack[0].query(PromptPane):
            return
        prompt = self.query_one(PromptPane)
        pane = self.query_one(PoemPane)
        try:
            sampling, variations = prompt.read_settings()
            sampling_dict = {**asdict(sampling), "variations": variations, "pinned": sampling.seed is not None}
        except UserError:
            sampling_dict = dict(self.draft.sampling)
        poets = self.screen_stack[0].query(PoetsPane)  # gone while the studio closes: keep the draft's own
        sampling_dict["strength"] = (poets.first().strength if poets
                                     else self.draft.sampling.get("strength", self.config.sampling.strength))
        sampling_dict["form"] = prompt.form
        made_with = {}
        if pane.text.strip():
            record = self.poem_on_screen("")
            if record.blend:  # a library poem whose blend was damaged has none to keep
                made_with = {"theme": record.theme, "opening": record.opening, "blend": record.blend,
                             "mood": record.mood,
                             "sampling": {k: v for k, v in record.sampling.items() if v is not None}}
        self.draft = Draft(theme=prompt.theme, opening=prompt.opening, blend=self.blend.active(),
                           mood=poets.first().mood if poets else self.draft.mood, sampling=sampling_dict,
                           poems=list(pane.poems) if pane.text.strip() else [],
                           seeds=list(pane.seeds) if pane.text.strip() else [], made_with=made_with)
        try:
            save_draft(self.draft, self.draft_file)
        except OSError as exc:  # a read-only or full disk, no data folder: say so once, keep the poem on screen
            self.draft_not_saved(str(exc))
        else:
            self.draft_save_error = None

    def draft_not_saved(self, why: str) -> None:
        """Tell the person once (until a save works again) that the draft is not being saved, and what to do."""
        if why != self.draft_save_error and self.screen_stack:
            self.notify(f"the draft is not being saved: {why}; save the poem to the library or export it",
                        severity="warning", timeout=15)
        self.draft_save_error = why

    # navigation and help ---------------------------------------------------

    def action_focus_pane(self, pane: str) -> None:
        """Move focus to a pane (showing it first in the single-pane layout)."""
        target = {"poets": "#poets", "prompt": "#theme", "poem": "#poem", "library": "#search"}[pane]
        self.show_pane(pane)
        self.screen.set_focus(self.query_one(target))  # now, not after a refresh: keys typed next must land there

    def key_sections(self) -> dict[str, list[tuple[str, str]]]:
        """Every key, by pane, readable and as rebound by the config, for the help screen."""
        return key_sections(self.config.keys)

    def action_help(self) -> None:
        """Show every key; F1 again (or Escape) closes it."""
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
        elif isinstance(self.screen, StudioScreen):
            self.push_screen(HelpScreen(self.key_sections()))

    def deliver_screenshot(self, filename: str | None = None, path: str | None = None,
                           time_format: str | None = None) -> str | None:
        """Save an SVG of the screen (the palette's Screenshot) into the exports folder, beside exported poems:
        Textual's default, ~/Downloads, is missing on many machines and its failure gives no reason."""
        folder = Path(path) if path else data_dir() / "exports"
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.notify(f"could not save the screenshot: {folder} cannot be made ({exc.strerror or exc})",
                        severity="error")
            return None
        return super().deliver_screenshot(filename, str(folder), time_format)

    def get_system_commands(self, screen):
        """The command palette lists every studio action."""
        yield from super().get_system_commands(screen)
        for action, (_key, label, text) in ACTIONS.items():
            yield SystemCommand(label, text, lambda a=action: self.run_action(a))
        for cls, pane in PALETTE_PANES:
            widget = self.query_one(cls)
            for title, action in palette_commands(cls.BINDINGS, pane):
                yield SystemCommand(title, f"{title} ({pane.lower()} pane)", lambda a=action, w=widget: w.run_action(a))

    async def action_quit(self) -> None:
        """Stop any poem, save the draft, then leave at once."""
        self.pending = None
        self.engine.cancel()
        self.save_draft_now()
        self.exit()

    def on_unmount(self) -> None:
        if self._autosave_timer is not None:
            self._autosave_timer.stop()
        self.engine.cancel()
        if self.library is not None:
            self.library.close()

