"""The Prompt pane: theme, opening lines, and the sampling settings, all editable by keyboard."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Select, TextArea

from poetstudio.engine.sampling_settings import Sampling
from poetstudio.errors import UserError
from poetstudio.forms.catalogue import FORMS, find_form

FREE = "free-verse"

SETTINGS = [
    ("temperature", "temp", "number"),
    ("top_p", "top_p", "number"),
    ("top_k", "top_k", "integer"),
    ("max_new_tokens", "max tok", "integer"),
    ("seed", "seed", "integer"),
    ("variations", "n", "integer"),
]


class PromptPane(Vertical):
    """Theme input, opening-lines editor and a row of sampling settings."""

    def compose(self) -> ComposeResult:
        yield Input(placeholder="Theme or title (e.g. the sea at night)", id="theme", select_on_focus=False)
        yield Label("Opening lines (optional; the poem starts with them):", classes="hint")
        yield TextArea(id="opening", soft_wrap=True, show_line_numbers=False)
        with Horizontal(id="settings"):
            for name, label, kind in SETTINGS:
                with Vertical(classes="setting"):
                    yield Label(label)
                    yield Input(id=f"set-{name}", type=kind, placeholder="random" if name == "seed" else "")
            with Vertical(classes="setting", id="form-setting"):
                yield Label("form")
                yield Select([(f.name, f.key) for f in FORMS], id="set-form", value=FREE, allow_blank=False, compact=True)

    def fill(self, theme: str, opening: str, sampling: dict, variations: int) -> None:
        """Show these values."""
        self.query_one("#theme", Input).value = theme
        self.query_one("#opening", TextArea).text = opening
        for name, _, _ in SETTINGS:
            value = variations if name == "variations" else sampling.get(name)
            self.query_one(f"#set-{name}", Input).value = "" if value is None else str(value)
        form = find_form(sampling.get("form") or FREE)
        self.query_one("#set-form", Select).value = form.key if form else FREE

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
        """The sampling settings and variation count; bad values are a UserError naming the field."""
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
        defaults = Sampling()
        sampling = Sampling(
            temperature=values["temperature"] if values["temperature"] is not None else defaults.temperature,
            top_p=values["top_p"] if values["top_p"] is not None else defaults.top_p,
            top_k=values["top_k"] if values["top_k"] is not None else defaults.top_k,
            max_new_tokens=values["max_new_tokens"] or defaults.max_new_tokens,
            seed=values["seed"],
        )
        if sampling.temperature < 0 or not 0 < sampling.top_p <= 1 or sampling.top_k < 0 or sampling.max_new_tokens < 1:
            raise UserError("check the settings: temp ≥ 0, 0 < top_p ≤ 1, top_k ≥ 0, max tok ≥ 1")
        variations = values["variations"] or 1
        if not 1 <= variations <= 20:
            raise UserError("n (variations) must be between 1 and 20")
        return sampling, variations

    def set_seed(self, seed: int | None) -> None:
        """Show a seed (after a generation picked one, or for 'regenerate')."""
        self.query_one("#set-seed", Input).value = "" if seed is None else str(seed)
