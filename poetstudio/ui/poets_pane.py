"""The Poets pane: one row per poet with a weight bar; keys raise, lower, type, zero, solo, equalise, reset.
Once the poem on screen has been read, a second bar beside each weight shows how much it reads like that poet.
Below the poets: the mood, and the style strength ([ and ] lower and raise it, g types it)."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.reactive import reactive
from textual.widget import Widget

from poetstudio.engine.sampling_settings import DEFAULT_STRENGTH, MAX_STRENGTH, STRENGTH_STEP, parse_strength
from poetstudio.errors import UserError
from poetstudio.ui.blend_state import BlendState
from poetstudio.ui.messages import BlendChanged

BAR_WIDTH = 20
MIN_BAR_WIDTH = 6  # below this a weight bar stops telling 0.3 from 0.4
READS_WIDTH = 10  # the 'reads like' bar is half the weight bar: it is a reading, not a control
NAME_WIDTH = 27  # the longest studio name, 'Elizabeth Barrett Browning', and a space


class PoetsPane(Widget, can_focus=True):
    """The blend editor. Posts BlendChanged after every change."""

    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("right,plus", "nudge(1)", "+fine"),
        Binding("left,minus", "nudge(-1)", "-fine"),
        Binding("shift+right,full_stop", "nudge(5)", "+coarse"),
        Binding("shift+left,comma", "nudge(-5)", "-coarse"),
        Binding("equals_sign", "type_weight", "Type"),
        Binding("0", "zero", "Zero"),
        Binding("s", "solo", "Solo"),
        Binding("e", "equalise", "Equalise"),
        Binding("r", "reset", "Reset"),
        Binding("m", "next_mood", "Mood"),
        Binding("right_square_bracket", "strength(1)", "Stronger voices", show=False),
        Binding("left_square_bracket", "strength(-1)", "Weaker voices", show=False),
        Binding("g", "type_strength", "Type a strength", show=False),
    ]

    cursor = reactive(0)

    def __init__(self, blend: BlendState, fine_step: float = 0.05, **kwargs) -> None:
        super().__init__(**kwargs)
        self.blend = blend
        self.fine_step = fine_step
        self.moods: list[str] = []
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

    def bar_width(self) -> int:
        """The weight bar's width: what the pane has left after names, numbers and the 'reads like' column."""
        fixed = 2 + NAME_WIDTH + 1 + 11 + 2 + READS_WIDTH + 5
        return max(MIN_BAR_WIDTH, min(BAR_WIDTH, self.size.width - fixed))

    def render(self) -> Text:
        text = Text()
        width = self.bar_width()
        if self.attribution is not None:
            pad = "\u00a0" * (NAME_WIDTH + 3)  # no-break spaces: a line's leading blanks would be trimmed
            text.append(f"{pad}{'weight set':<{width + 11}}  reads like\n", style="dim")
        for index, poet in enumerate(self.blend.poets):
            marker = "▶ " if index == self.cursor and self.has_focus else "  "
            if poet in self.blend.disabled:
                room = max(10, self.size.width - NAME_WIDTH - 17)
                text.append(f"{marker}{poet:{NAME_WIDTH}} unavailable: {self.blend.disabled[poet][:room]}\n", style="dim")
                continue
            weight = self.blend.weights[poet]
            filled = round(weight * width)
            style = "bold" if index == self.cursor else ""
            text.append(f"{marker}{poet:{NAME_WIDTH}} ", style=style)
            text.append("█" * filled, style="green")
            text.append("░" * (width - filled), style="dim")
            text.append(f" {weight:4.2f}  {100 * self.blend.share(poet):3.0f}%", style=style)
            if self.attribution is not None and poet not in self.attribution:
                text.append("  – not judged", style="dim")  # too few training poems for a fair share
            elif self.attribution is not None:
                share = self.attribution[poet]
                reads = round(share * READS_WIDTH)
                text.append("  ")
                text.append("▮" * reads, style="magenta")
                text.append("·" * (READS_WIDTH - reads), style="dim")
                text.append(f" {100 * share:3.0f}%", style="magenta")
            text.append("\n")
        mood = self.mood or "none"
        text.append(f"\nmood: {mood}" + ("  (m: next)" if self.moods else "  (this model has no moods)"), style="italic")
        text.append(f"\nstrength: {self.strength:g}  ([ ]: ∓{STRENGTH_STEP:g}, g: type; 1 = plain blend)", style="italic")
        if self.note:
            text.append(f"\n{self.note}", style="dim italic")
        return text

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
        """Raise or lower the weight by fine steps (5 steps = coarse)."""
        if self._guard():
            self.blend.nudge(self.current, steps * self.fine_step)
            self._changed()

    def action_type_weight(self) -> None:
        """Type an exact weight."""
        from poetstudio.ui.modals import AskText

        if not self._guard():
            return
        poet = self.current

        def apply(answer: str | None) -> None:
            if answer is None:
                return
            try:
                value = float(answer)
            except ValueError:
                self.app.notify(f"'{answer}' is not a number; type a weight such as 0.4", severity="error")
                return
            if value < 0:
                self.app.notify("weights are 0 or more", severity="error")
                return
            self.blend.set(poet, value)
            self._changed()

        self.app.push_screen(AskText(f"Weight for {poet} (0 to 1):", f"{self.blend.weights[poet]:.2f}"), apply)

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

        self.app.push_screen(AskText(f"Style strength (0 to {MAX_STRENGTH:g}; 1 = the plain blend):", f"{self.strength:g}"),
                             apply)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
