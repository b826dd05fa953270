"""The Prompt pane: theme (with Up/Down through earlier themes; Enter writes the poem; a paste of several lines
joins them into one theme), opening lines, and the sampling settings."""

from __future__ import annotations

import math

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Select, TextArea

from poetstudio.config import MAX_NEW_TOKENS, SamplingSettings
from poetstudio.engine.sampling_settings import Sampling, SamplingError
from poetstudio.errors import UserError
from poetstudio.forms.catalogue import FORMS, find_form

FREE = "free-verse"
THEME_LIMIT = 300  # characters: a theme is a title or a line, never a text (that goes in the opening lines)

SETTINGS = [
    ("temperature", "temp", "number"),
    ("top_p", "top_p", "number"),
    ("top_k", "top_k", "integer"),
    ("max_new_tokens", "max tok", "integer"),
    ("seed", "seed", "integer"),
    ("variations", "n", "integer"),
]


def theme_problem(theme: str) -> str | None:
    """Why a theme cannot be asked for (longer than THEME_LIMIT characters: the model reads it as a title),
    or None."""
    if len(theme) <= THEME_LIMIT:
        return None
    return (f"the theme is {len(theme):,} characters, longer than a theme can be ({THEME_LIMIT}): shorten it, "
            "and put any text the poem should start with in the opening lines")


def max_tokens_problem(tokens: int, limit: int = MAX_NEW_TOKENS) -> str | None:
    """Why `tokens` cannot be asked for as the longest poem (more than `limit`, the ceiling `generate
    --max-new-tokens` has too), or None."""
    if tokens <= limit:
        return None
    return f"max tok can be at most {limit:,} tokens in one poem, not {tokens:,}"


def joined_lines(text: str) -> tuple[str, int]:
    """Pasted text as one line: its lines that are not blank, trimmed and joined by spaces, and how many."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " ".join(lines), len(lines)


def pasted_lines_note(count: int, theme: str) -> tuple[str, str]:
    """What to tell the person whose paste of `count` lines became the theme `theme`: the message, its severity."""
    if theme_problem(theme):
        return (f"the {count} lines pasted were joined into one theme of {len(theme):,} characters, longer than "
                f"a theme can be ({THEME_LIMIT}): shorten it, or paste the text into the opening lines",
                "warning")
    return (f"the {count} lines pasted were joined into one theme; verse the poem should start with goes in "
            "the opening lines", "information")


class ThemeInput(Input):
    """The theme box; Up and Down walk through the themes written before (the newest first). A paste of several
    lines is joined into one theme, and the studio says so (Input alone would keep only the first line)."""

    BINDINGS = [Binding("up", "history(-1)", "Earlier theme", show=False),
                Binding("down", "history(1)", "Later theme", show=False)]

    def __init__(self, history: list[str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.history = history
        self.place: int | None = None
        self.typed = ""

    def action_history(self, step: int) -> None:
        """Show the previous (-1) or next (+1) theme; past the newest comes back what was being typed."""
        if not self.history:
            return
        if self.place is None:
            if step > 0:
                return
            self.typed, self.place = self.value, len(self.history)
        self.place = max(0, min(len(self.history), self.place + step))
        self.value = self.history[self.place] if self.place < len(self.history) else self.typed
        self.cursor_position = len(self.value)
        if self.place == len(self.history):
            self.place = None

    def _on_paste(self, event: events.Paste) -> None:
        """Paste text of several lines as one theme, the lines joined by spaces, and say so; a single line
        is pasted by Input itself."""
        if "\n" not in event.text and "\r" not in event.text:
            return
        event.stop()
        event.prevent_default()  # Input's own handler would keep the first line only
        line, count = joined_lines(event.text)
        if self.selection.is_empty:
            self.insert_text_at_cursor(line)
        else:
            self.replace(line, *self.selection)
        if count > 1:
            message, severity = pasted_lines_note(count, self.value.strip())
            self.app.notify(message, severity=severity)



class PromptPane(Vertical):
    """Theme input, opening-lines editor and a row of sampling settings (seed: empty = a new poem each time)."""

    def __init__(self, defaults: SamplingSettings | None = None, history: list[str] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.defaults = defaults or SamplingSettings()
        self.history = history if history is not None else []
        self.repetition_penalty = self.defaults.repetition_penalty
        self.real_words = self.defaults.real_words
        self.word_repeats = self.defaults.word_repeats
        self.tidy_lines = self.defaults.tidy_lines
        self.echo_penalty = self.defaults.echo_penalty
        self.token_limit = MAX_NEW_TOKENS  # the most tokens one poem may ask for (the CLI's ceiling too)
        self.max_tokens_kept = ""  # the max tok box's last accepted text: a value over the limit puts it back

    def compose(self) -> ComposeResult:
        yield ThemeInput(self.history, placeholder="Theme or title (e.g. the sea at night); ↑ earlier themes",
                         id="theme", select_on_focus=False)
        yield TextArea(id="opening", soft_wrap=True, show_line_numbers=False,
                       placeholder="opening lines (optional; the poem starts with them)")
        with Horizontal(id="settings"):
            for name, label, kind in SETTINGS:
                with Vertical(classes="setting", id=f"setting-{name}"):
                    yield Label(label)
                    yield Input(id=f"set-{name}", type=kind, placeholder="random" if name == "seed" else "")
            with Vertical(classes="setting", id="form-setting"):
                yield Label("form")
                yield Select([(f.name, f.key) for f in FORMS], id="set-form", value=FREE, allow_blank=False,
                             compact=True)

    def fill(self, theme: str, opening: str, sampling: dict, variations: int) -> None:
        """Show these values."""
        self.query_one("#theme", Input).value = theme
        self.query_one("#opening", TextArea).text = opening
        for name, _, _ in SETTINGS:
            value = variations if name == "variations" else sampling.get(name)
            text = "" if value is None else str(value)
            if name == "max_new_tokens":
                over = isinstance(value, int) and max_tokens_problem(value, self.token_limit)
                text = "" if over else text  # a draft from before the limit: the config's default
                self.max_tokens_kept = text
            self.query_one(f"#set-{name}", Input).value = text
        penalty = sampling.get("repetition_penalty")
        self.repetition_penalty = penalty if penalty is not None else self.defaults.repetition_penalty
        real_words = sampling.get("real_words")
        self.real_words = real_words if isinstance(real_words, bool) else self.defaults.real_words
        repeats = sampling.get("word_repeats")  # poems saved before the limit existed were written without one
        whole = isinstance(repeats, int) and not isinstance(repeats, bool)
        self.word_repeats = repeats if whole and repeats >= 0 else 0
        tidy_lines = sampling.get("tidy_lines")  # as the limit: written before the layout rule, without it
        self.tidy_lines = tidy_lines if isinstance(tidy_lines, bool) else False
        echo = sampling.get("echo_penalty")  # and before the echo penalty, without it
        number = isinstance(echo, (int, float)) and not isinstance(echo, bool) and math.isfinite(echo)
        self.echo_penalty = float(echo) if number and echo >= 0 else 0.0
        form = find_form(sampling.get("form") or FREE)
        self.query_one("#set-form", Select).value = form.key if form else FREE

    def limit_tokens(self, context: int) -> None:
        """Hold the longest poem to the model's `context` (known once it has loaded) as well as MAX_NEW_TOKENS; a
        value over it already in the box (typed while it loaded, or from the draft) gives way to the default,
        said in one line."""
        self.token_limit = min(MAX_NEW_TOKENS, context)
        box = self.query_one("#set-max_new_tokens", Input)
        text = box.value.strip()
        if text.isdigit() and int(text) > self.token_limit:
            self.max_tokens_kept = ""
            box.value = ""
            self.app.notify(f"max tok {int(text):,} is more than this model reads ({context:,} tokens, prompt "
                            f"and poem); the default ({self.defaults.max_new_tokens}) is back", severity="warning")

    @on(Input.Changed, "#set-max_new_tokens")
    def max_tokens_changed(self, event: Input.Changed) -> None:
        """Refuse a max tok over the limit as it is typed: say so in one line and put the last value back."""
        text = event.value.strip()
        try:
            problem = max_tokens_problem(int(text), self.token_limit) if text else None
        except ValueError:
            problem = None  # not a number (yet, e.g. "-"): read_settings names it when the poem is asked for
        if problem is None:
            self.max_tokens_kept = event.value
            return
        kept = self.max_tokens_kept.strip() or f"the default ({self.defaults.max_new_tokens})"
        self.app.notify(f"{problem}; kept {kept}", severity="warning")
        event.input.value = self.max_tokens_kept
        event.input.cursor_position = len(self.max_tokens_kept)

    @property
    def form(self) -> str | None:
        """The form picked (a catalogue key), or None for free verse."""
        value = self.query_one("#set-form", Select).value
        return None if value in (FREE, Select.BLANK) else str(value)

    @property
    def theme(self) -> str:
        """The theme as typed."""
        return self.query_one("#theme", Input).value.strip()

    @property
    def opening(self) -> str:
        """The opening lines as typed."""
        return self.query_one("#opening", TextArea).text

    def read_settings(self) -> tuple[Sampling, int]:
        """The sampling settings and variation count (an empty box takes the config's default); bad values are
        a UserError naming the field."""
        values: dict = {}
        for name, label, kind in SETTINGS:
            raw = self.query_one(f"#set-{name}", Input).value.strip()
            if not raw:
                values[name] = None
                continue
            try:
                values[name] = int(raw) if kind == "integer" else float(raw)
            except ValueError:
                raise UserError(f"{label} must be a number, not '{raw}'") from None
        defaults = self.defaults
        labels = {name: label for name, label, _ in SETTINGS}
        try:
            sampling = Sampling(
                temperature=values["temperature"] if values["temperature"] is not None else defaults.temperature,
                top_p=values["top_p"] if values["top_p"] is not None else defaults.top_p,
                top_k=values["top_k"] if values["top_k"] is not None else defaults.top_k,
                max_new_tokens=values["max_new_tokens"] or defaults.max_new_tokens,
                repetition_penalty=self.repetition_penalty,
                seed=values["seed"],
                real_words=self.real_words,
                word_repeats=self.word_repeats,
                tidy_lines=self.tidy_lines,
                echo_penalty=self.echo_penalty,
            )
        except SamplingError as exc:
            raise UserError(f"{labels.get(exc.field, exc.field)} {exc.rule}") from None
        problem = max_tokens_problem(sampling.max_new_tokens, self.token_limit)
        if problem:
            raise UserError(problem)
        variations = values["variations"] or defaults.variations
        if not 1 <= variations <= 20:
            raise UserError("n (variations) must be between 1 and 20")
        return sampling, variations

    def set_seed(self, seed: int | None) -> None:
        """Pin a seed (empty: a new random seed for each poem)."""
        self.query_one("#set-seed", Input).value = "" if seed is None else str(seed)
