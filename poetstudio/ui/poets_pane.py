"""The Poets pane: one row per poet with a weight bar; keys raise, lower, type, zero, solo, equalise, reset.
Once the poem on screen has been read, a second bar beside each weight shows how much it reads like that poet.
Below the poets: the mood, and the style strength ([ and ] lower and raise it, g types it)."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.reactive import reactive
from textual.widget import Widget

from poetstudio.blend import MAX_WEIGHT, check_weight
from poetstudio.engine.sampling_settings import (
    DEFAULT_STRENGTH,
    MAX_STRENGTH,
    STRENGTH_STEP,
    guidance_strength,
    parse_strength,
)
from poetstudio.errors import UserError
from poetstudio.model_info import ModelCard
from poetstudio.poets import STUDIO_POETS, resolve_poet
from poetstudio.ui.blend_state import BlendState
from poetstudio.ui.messages import BlendChanged

BAR_WIDTH = 20
MIN_BAR_WIDTH = 6  # below this a weight bar stops telling 0.3 from 0.4
READS_WIDTH = 10  # the 'reads like' bar is half the weight bar: it is a reading, not a control
NAME_WIDTH = 27  # the longest studio name, 'Elizabeth Barrett Browning', and a space
SHORT_NAMES = {p.name: p.short for p in STUDIO_POETS}
SHORT_NAME_WIDTH = 14  # the longest short name, 'E. B. Browning'
COMPACT_MIN_BAR_WIDTH = 3  # a compact pane gives up bar precision before it wraps a row


class PoetsPane(Widget, can_focus=True):
    """The blend editor. Posts BlendChanged after every change."""

    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False, id="poets_up"),
        Binding("down", "move(1)", "Down", show=False, id="poets_down"),
        Binding("right,plus", "nudge(1)", "+fine", tooltip="raise weight", id="poets_raise"),
        Binding("left,minus", "nudge(-1)", "-fine", tooltip="lower weight", id="poets_lower"),
        Binding("shift+right,full_stop", "coarse(1)", "+coarse", tooltip="raise weight a lot", id="poets_raise_coarse"),
        Binding("shift+left,comma", "coarse(-1)", "-coarse", tooltip="lower weight a lot", id="poets_lower_coarse"),
        Binding("equals_sign", "type_weight", "Type", tooltip="type a weight", id="poets_type"),
        Binding("0", "zero", "Zero", tooltip="zero", id="poets_zero"),
        Binding("s", "solo", "Solo", tooltip="solo", id="poets_solo"),
        Binding("e", "equalise", "Equalise", tooltip="equalise", id="poets_equalise"),
        Binding("r", "reset", "Reset", tooltip="reset", id="poets_reset"),
        Binding("m", "next_mood", "Mood", tooltip="next mood", id="poets_mood"),
        Binding("right_square_bracket", "strength(1)", "Stronger voices", show=False, tooltip="stronger voices",
                id="poets_stronger"),
        Binding("left_square_bracket", "strength(-1)", "Weaker voices", show=False, tooltip="weaker voices",
                id="poets_weaker"),
        Binding("g", "type_strength", "Type a strength", show=False, tooltip="type a style strength",
                id="poets_type_strength"),
        Binding("a", "add_author", "Add an author", show=False, tooltip="add an author by name",
                id="poets_add_author"),
    ]

    cursor = reactive(0)

    def __init__(self, blend: BlendState, fine_step: float = 0.05, coarse_step: float = 0.25, **kwargs) -> None:
        super().__init__(**kwargs)
        self.blend = blend
        self.fine_step = fine_step
        self.coarse_step = coarse_step
        self.moods: list[str] = []
        self.authors: list[str] = []
        """Authors the model learned beyond the rows shown: `a` adds one by name."""
        self.mood: str | None = None
        self.strength = DEFAULT_STRENGTH
        self.note = "loading model..."
        self.attribution: dict[str, float] | None = None

    def show_attribution(self, shares: dict[str, float] | None) -> None:
        """Show (or, with None, clear) how much the poem on screen reads like each poet."""
        self.attribution = shares
        self.refresh()

    @property
    def current(self) -> str:
        """The poet under the cursor."""
        return self.blend.poets[self.cursor]

    @property
    def compact(self) -> bool:
        """True when full names and both bars do not fit on one line: short names, the reading as a number."""
        return self.size.width < 2 + NAME_WIDTH + 1 + MIN_BAR_WIDTH + 11 + 2 + READS_WIDTH + 5

    def name_width(self) -> int:
        """Room for a poet's name: the longest full name, or in a compact pane the longest short name."""
        return SHORT_NAME_WIDTH if self.compact else NAME_WIDTH

    def bar_width(self) -> int:
        """The weight bar's width: what the pane has left after names, numbers and the 'reads like' column."""
        reads = 5 if self.compact else 2 + READS_WIDTH + 5
        fixed = 2 + self.name_width() + 1 + 11 + reads
        return max(COMPACT_MIN_BAR_WIDTH if self.compact else MIN_BAR_WIDTH, min(BAR_WIDTH, self.size.width - fixed))

    def visible_rows(self) -> range:
        """The poets drawn: all when they fit, else a window that keeps the cursor in view."""
        count = len(self.blend.poets)
        room = self.size.height - 3 - (1 if self.attribution is not None else 0) - (1 if self.note else 0)
        if room >= count or room < 3:
            return range(count)
        start = min(max(0, self.cursor - room // 2), count - room)
        return range(start, start + room)

    def render(self) -> Text:
        text = Text()
        width = self.bar_width()
        names = self.name_width()
        if self.attribution is not None:
            pad = "\u00a0" * (names + 3)  # no-break spaces: a line's leading blanks would be trimmed
            heading = f"{'weight':<{width + 11}}reads" if self.compact else f"{'weight set':<{width + 11}}  reads like"
            text.append(f"{pad}{heading}\n", style="dim")
        rows = self.visible_rows()
        for index in rows:
            poet = self.blend.poets[index]
            marker = "▶ " if index == self.cursor and self.has_focus else "  "
            if index == rows.start and rows.start > 0:
                marker = "↑ " if marker == "  " else marker
            elif index == rows.stop - 1 and rows.stop < len(self.blend.poets):
                marker = "↓ " if marker == "  " else marker
            name = SHORT_NAMES.get(poet, poet)[:names] if self.compact else poet
            if poet in self.blend.disabled:
                label = "n/a: " if self.compact else "unavailable: "
                room = max(1, self.size.width - 2 - names - 1 - len(label))
                text.append(f"{marker}{name:{names}} {label}{self.blend.disabled[poet][:room]}\n", style="dim")
                continue
            weight = self.blend.weights[poet]
            filled = round(weight * width)
            style = "bold" if index == self.cursor else ""
            text.append(f"{marker}{name:{names}} ", style=style)
            text.append("█" * filled, style="green")
            text.append("░" * (width - filled), style="dim")
            text.append(f" {weight:4.2f}  {100 * self.blend.share(poet):3.0f}%", style=style)
            if self.attribution is not None and poet not in self.attribution:
                text.append("    –" if self.compact else "  – not judged", style="dim")  # too few poems to judge
            elif self.attribution is not None and self.compact:
                text.append(f" {100 * self.attribution[poet]:3.0f}%", style="magenta")
            elif self.attribution is not None:
                share = self.attribution[poet]
                reads = round(share * READS_WIDTH)
                text.append("  ")
                text.append("▮" * reads, style="magenta")
                text.append("·" * (READS_WIDTH - reads), style="dim")
                text.append(f" {100 * share:3.0f}%", style="magenta")
            text.append("\n")
        mood = self.mood or "none"
        hint = "  (m: next)" if self.moods else "  (this model has no moods)"
        text.append(f"\nmood: {mood}{hint}", style="italic")
        hint = "[ ] g" if self.compact else f"[ ]: ∓{STRENGTH_STEP:g}, g: type; 1 = plain blend"
        text.append(f"\nstrength: {self.strength:g}  ({hint})", style="italic")
        lifted = guidance_strength(self.strength, in_form=True)
        if not self.compact and lifted != self.strength:
            text.append(f"\n  a form guides at {lifted:g}, so its lines keep the voices", style="dim italic")
        if self.note:
            text.append(f"\n{self.note}", style="dim italic")
        return text

    def say(self, note: str) -> None:
        """Show a note under the rows (e.g. why there is no model)."""
        self.note = note
        self.refresh()

    def use_card(self, card: ModelCard, weights: dict[str, float]) -> None:
        """The model has loaded: its rows (the studio's ten, its other poets, and any author of `weights` its
        base learned), unavailable poets disabled with the reason, its moods and authors; `weights` carries over."""
        disabled = card.unavailable()
        weights = {p: w for p, w in weights.items() if p not in disabled}
        self.moods = sorted(card.moods)
        self.authors = [author.name for author in card.authors]
        rows = card.studio_rows()
        rows += [p for p, w in weights.items() if w > 0 and p in self.authors and p not in rows]
        self.note = ""
        self.set_blend(BlendState(rows, disabled=disabled, weights={p: w for p, w in weights.items() if p in rows}))

    def set_blend(self, blend: BlendState) -> None:
        """Replace the blend (new model, or a poem opened from the library)."""
        self.blend = blend
        self.cursor = min(self.cursor, len(blend.poets) - 1)
        self._changed()

    def _changed(self) -> None:
        self.refresh()
        self.post_message(BlendChanged())

    def _guard(self) -> bool:
        if self.current in self.blend.disabled:
            self.app.notify(f"{self.current} is unavailable: {self.blend.disabled[self.current]}", severity="warning")
            return False
        return True

    def action_move(self, delta: int) -> None:
        """Move the cursor."""
        self.cursor = (self.cursor + delta) % len(self.blend.poets)
        self.refresh()

    def action_nudge(self, steps: int) -> None:
        """Raise or lower the weight by fine steps ([studio] fine_step each)."""
        if self._guard():
            self.blend.nudge(self.current, steps * self.fine_step)
            self._changed()

    def action_coarse(self, steps: int) -> None:
        """Raise or lower the weight by coarse steps ([studio] coarse_step each)."""
        if self._guard():
            self.blend.nudge(self.current, steps * self.coarse_step)
            self._changed()

    def action_type_weight(self) -> None:
        """Type an exact weight; a bad one (not a finite number from 0 to 1) is a one-line message and changes
        nothing."""
        from poetstudio.ui.modals import AskText

        if not self._guard():
            return
        poet = self.current

        def apply(answer: str | None) -> None:
            if answer is None:
                return
            try:
                value = check_weight(poet, answer, typed=True)  # the one check of a weight, as `--blend` makes it
            except UserError as exc:
                self.app.notify(str(exc), severity="error")
                return
            self.blend.set(poet, value)
            self._changed()

        question = f"Weight for {poet} (0 to {MAX_WEIGHT:g}):"
        self.app.push_screen(AskText(question, f"{self.blend.weights[poet]:.2f}"), apply)

    def action_add_author(self) -> None:
        """Ask for an author by (part of a) name and add their row, at weight 0, under the cursor."""
        from poetstudio.ui.modals import AskText

        if not self.authors:
            self.app.notify("this model knows no authors beyond these rows (its base was not pretrained on "
                            "the general corpus)", severity="warning")
            return

        def add(answer: str | None) -> None:
            if not answer or not answer.strip():
                return
            try:
                name = resolve_poet(answer, self.authors + self.blend.poets, "`poetstudio poets --all` lists them")
            except ValueError as exc:
                self.app.notify(str(exc), severity="error")
                return
            self.cursor = self.blend.add(name)
            self._changed()

        self.app.push_screen(AskText(f"Add an author ({len(self.authors)} known; part of a name, e.g. keats):",
                                     ""), add)

    def action_zero(self) -> None:
        """Set the weight to zero."""
        self.blend.zero(self.current)
        self._changed()

    def action_solo(self) -> None:
        """This poet alone."""
        if self._guard():
            self.blend.solo(self.current)
            self._changed()

    def action_equalise(self) -> None:
        """Equal weights."""
        self.blend.equalise()
        self._changed()

    def action_reset(self) -> None:
        """Back to the default blend."""
        self.blend.reset()
        self._changed()

    def action_next_mood(self) -> None:
        """Cycle through the adapter's moods, then none."""
        if not self.moods:
            self.app.notify("this model was trained without moods", severity="warning")
            return
        options = [None, *self.moods]
        self.mood = options[(options.index(self.mood) + 1) % len(options)] if self.mood in options else None
        self._changed()

    def set_strength(self, value: float) -> None:
        """Show and use this style strength (typed, stepped, or restored with a draft or a saved poem)."""
        self.strength = value
        self._changed()

    def action_strength(self, steps: int) -> None:
        """Raise or lower the style strength by STRENGTH_STEP, kept within 0 and MAX_STRENGTH."""
        self.set_strength(round(min(MAX_STRENGTH, max(0.0, self.strength + steps * STRENGTH_STEP)), 4))

    def action_type_strength(self) -> None:
        """Type an exact style strength; a bad value is a one-line message and changes nothing."""
        from poetstudio.ui.modals import AskText

        def apply(answer: str | None) -> None:
            if answer is None:
                return
            try:
                self.set_strength(parse_strength(answer))
            except UserError as exc:
                self.app.notify(str(exc), severity="error")

        question = f"Style strength (0 to {MAX_STRENGTH:g}; 1 = the plain blend):"
        self.app.push_screen(AskText(question, f"{self.strength:g}"),
                             apply)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
