"""The studio's side of keeping poems: the poem on screen as a library record, saving it, exporting it,
pinning its seed, and opening a saved poem with everything that made it (prompt, blend, strength, form).

`PoemKeeping` is a part of `StudioApp` (a mixin): it reads the app's panes, its last request, its draft and
its library, and its handlers follow Textual's naming (`on_poem_pane_export`, ...), so they are found on the
app's class.
"""

from __future__ import annotations

from dataclasses import asdict, replace

from poetstudio.analysis.report import READING_VERSION, PoemReading
from poetstudio.engine.api import UNGUIDED_STRENGTH, Attribution, parse_strength
from poetstudio.errors import UserError
from poetstudio.library import SavedPoem
from poetstudio.library.store import read_only_message
from poetstudio.ui.blend_state import BlendState
from poetstudio.ui.exporting import export_poem
from poetstudio.ui.library_pane import LibraryPane
from poetstudio.ui.modals import AskTitle, Confirm
from poetstudio.ui.poem_fields import check_fields
from poetstudio.ui.poem_pane import PoemPane
from poetstudio.ui.poets_pane import PoetsPane
from poetstudio.ui.prompt_pane import PromptPane


def saved_form(sampling) -> str | None:
    """The form a saved poem was asked to meet (kept in its sampling dict), or None."""
    form = sampling.get("form") if isinstance(sampling, dict) else None
    return form if isinstance(form, str) else None


def saved_strength(sampling: dict, missing: float) -> float:
    """The style strength kept in a saved sampling dict; `missing` where it has none (or a damaged one)."""
    try:
        return parse_strength(sampling.get("strength", missing))
    except UserError:
        return missing


def heading_of(poem: SavedPoem) -> str:
    """The Poem pane's heading for a saved poem: its title and when it was saved."""
    when = str(poem.created or "")[:16].replace("T", " ")
    return f"“{poem.title}”" + (f" · {when}" if when else "")


class PoemKeeping:
    """Saving, exporting and opening poems: the part of the studio between the Poem pane and the library."""

    def analysis_record(self, text: str) -> dict:
        """What the library keeps of a poem's reading: plain JSON-able dicts."""
        reading, attribution = self.readings.get(text, (None, None))
        record = {}
        if reading is not None:
            record["reading"] = reading.to_dict()
        if attribution is not None:
            record["attribution"] = attribution.to_dict()
        return record

    def poem_on_screen(self, title: str) -> SavedPoem:
        """The poem on screen with what made it, as a library record (not yet saved)."""
        pane = self.query_one(PoemPane)
        prompt = self.query_one(PromptPane)
        request = self.last_request
        opened = self.opened_poem if self.opened and self.opened[1] == pane.text else None
        if opened is not None:  # a poem opened from the library: what made it, not the last request
            fields = check_fields(opened)
            return SavedPoem(
                title=title, text=pane.text, theme=str(opened.theme or ""), opening=str(opened.opening or ""),
                blend=fields.blend, mood=opened.mood if isinstance(opened.mood, str) else None,
                sampling={**fields.sampling, "form": saved_form(opened.sampling)}, seed=fields.seed,
                model=opened.model, adapter=opened.adapter, analysis=self.analysis_record(pane.text),
            )
        made = self.made_with if request is None else {}
        if request is not None:
            sampling = {**asdict(request.sampling), "strength": request.strength, "form": request.form}
            theme, opening, blend, mood = *self.last_prompt, request.blend, request.mood
        elif made:  # a poem restored with the draft: what wrote it, as the draft kept it
            sampling = {"form": None, **made["sampling"]}
            theme, opening, blend, mood = made["theme"], made["opening"], made["blend"], made["mood"]
        else:  # restored from a draft from before `made_with`: the settings the draft kept
            sampling = {k: v for k, v in self.draft.sampling.items() if k not in ("variations", "pinned")}
            theme, opening = prompt.theme, prompt.opening
            blend, mood = self.blend.active(), self.query_one(PoetsPane).mood
        return SavedPoem(
            title=title, text=pane.text, theme=theme, opening=opening, blend=blend, mood=mood,
            sampling=sampling, seed=pane.seed,
            model=self.config.model.base or "shipped default", adapter=self.config.model.adapter or None,
            analysis=self.analysis_record(pane.text),
        )

    def action_save(self) -> None:
        """Ask for a title (the theme by default) and save the poem on screen."""
        pane = self.query_one(PoemPane)
        if not pane.text.strip():
            self.notify("no poem to save yet", severity="warning")
            return
        if self.library is None:
            self.notify("the library is unavailable; see the earlier message", severity="error")
            return
        if self.library.read_only:
            self.notify(read_only_message(self.library.path), severity="error", timeout=15)
            return
        poem = self.poem_on_screen("")

        async def save(title: str | None) -> None:
            if title is None:  # cancelled (an empty title is refused in the dialog itself)
                return
            try:
                saved = self.library.save(replace(poem, title=title))
            except UserError as exc:  # read-only, locked by another program, disk full: the poem stays on screen
                self.notify(str(exc), severity="error", timeout=15)
                return
            self.saved_texts.add(poem.text)
            if self.query_one(PoemPane).text == poem.text:
                self.unsaved = False
                self.opened = (saved.id, saved.text)
            await self.query_one(LibraryPane).refresh_list(saved.id)
            self.notify(f"saved “{saved.title}” (#{saved.id})")

        self.push_screen(AskTitle("Title for this poem:", poem.theme or "Untitled"), save)

    def on_poem_pane_pin_seed(self, message: PoemPane.PinSeed) -> None:
        """Pin the seed of the poem on screen: ctrl+g writes it again until the seed box is emptied."""
        self.query_one(PromptPane).set_seed(message.seed)
        self.notify(f"seed {message.seed} pinned: ctrl+g writes this poem again; empty the seed box for new poems")

    def on_poem_pane_export(self, message: PoemPane.Export) -> None:
        """Export the poem on screen without saving it to the library (a poem opened from the library keeps
        its title)."""
        opened = self.opened_poem if self.opened and self.opened[1] == self.query_one(PoemPane).text else None
        poem = self.poem_on_screen("")
        title = opened.title if opened is not None else (poem.theme or "Untitled")  # its own theme, not the prompt's
        try:
            path = export_poem(replace(poem, title=title), message.fmt)
        except OSError as exc:  # a FileWriteError already says what failed and what to do
            self.notify(str(exc) if isinstance(exc, UserError) else f"could not export: {exc}", severity="error")
            return
        self.notify(f"exported to {path}")

    def on_library_pane_renamed(self, message: LibraryPane.Renamed) -> None:
        """A poem was renamed in the library: if it is the one on screen, its heading and record follow."""
        if self.opened and self.opened_poem is not None and self.opened[0] == message.poem.id:
            self.opened_poem = replace(self.opened_poem, title=message.poem.title)
            self.query_one(PoemPane).retitle(heading_of(self.opened_poem))

    def action_open_highlighted(self) -> None:
        """Enter in the library list: open the highlighted poem as the key comes (an app action, so a Confirm it
        raises is there before the keys typed next are read)."""
        poem = self.query_one(LibraryPane).highlighted
        if poem is not None:
            self.open_from_library(poem)

    def on_library_pane_open(self, message: LibraryPane.Open) -> None:
        """A poem was chosen in the library (a click): open it."""
        self.open_from_library(message.poem)

    def open_from_library(self, poem: SavedPoem) -> None:
        """Open a saved poem, asking first when the poem on screen is unsaved."""
        pane = self.query_one(PoemPane)
        if self.unsaved and pane.text.strip() and pane.text != poem.text:
            def answer(yes: bool | None) -> None:
                if yes:
                    self.open_poem(poem)

            self.push_screen(Confirm(f"The poem on screen is not saved. Open “{poem.title}” in its place? "
                                     "(n, then ctrl+s, saves it first)"), answer)
            return
        self.open_poem(poem)

    def open_poem(self, poem: SavedPoem) -> None:
        """Show a saved poem with its prompt, blend and settings; damaged fields open as defaults, with a warning."""
        fields = check_fields(poem)
        defaults = {k: v for k, v in asdict(self.config.sampling).items() if k != "variations"}
        prompt = self.query_one(PromptPane)
        settings = {**defaults, **fields.sampling, "seed": None, "form": saved_form(poem.sampling),
                    "word_repeats": fields.sampling.get("word_repeats", 0),  # saved before the line rule: none
                    "tidy_lines": fields.sampling.get("tidy_lines", False),  # saved before the layout rule: none
                    "echo_penalty": fields.sampling.get("echo_penalty", 0.0)}  # saved before worn words cost: none
        prompt.fill(str(poem.theme or ""), str(poem.opening or ""), settings, 1)
        pane = self.query_one(PoetsPane)
        rows = self.blend.poets + [p for p in fields.blend if p in pane.authors and p not in self.blend.poets]
        weights = {p: w for p, w in fields.blend.items() if p in rows and p not in self.blend.disabled}
        pane.set_blend(BlendState(rows, disabled=self.blend.disabled, weights=weights))
        pane.mood = poem.mood if isinstance(poem.mood, str) else None
        pane.set_strength(saved_strength(fields.sampling, UNGUIDED_STRENGTH))  # saved before strength existed: 1
        self.blend = pane.blend
        self.opened = (poem.id, poem.text)
        self.opened_poem = poem
        self.last_request = None
        self.unsaved = False
        stored = fields.analysis
        pane.show_attribution(None)
        try:
            if isinstance(stored.get("reading"), dict) and stored["reading"].get("version") == READING_VERSION:
                attribution = Attribution.from_dict(stored["attribution"]) if stored.get("attribution") else None
                self.readings[poem.text] = (PoemReading.from_dict(stored["reading"]), attribution)
        except (KeyError, TypeError, ValueError, AttributeError):
            fields.damaged.append("analysis")
        self.query_one(PoemPane).load([poem.text], [fields.seed] if fields.seed is not None else [],
                                      label=f"opened #{poem.id}", heading=heading_of(poem),
                                      form=saved_form(poem.sampling))
        if fields.damaged:
            self.notify(f"“{poem.title}” has damaged fields ({', '.join(fields.damaged)}); "
                        "they were replaced by the defaults", severity="warning", timeout=10)
        else:
            self.notify(f"opened “{poem.title}”; its seed is {fields.seed} (s in the Poem pane pins it)"
                        if fields.seed is not None else f"opened “{poem.title}”")
