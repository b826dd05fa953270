"""What the studio remembers between sessions that is neither the draft nor the config file: the colour
theme chosen in the palette and the recent themes typed (for Up/Down in the theme box)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from poetstudio.atomic_file import write_text_atomic

HISTORY_SIZE = 100  # themes kept for Up/Down


@dataclass
class StudioState:
    """The chosen colour theme (None: Textual's default) and the recent themes, oldest first."""

    theme: str | None = None
    history: list[str] = field(default_factory=list)

    def remember(self, prompt: str) -> None:
        """Put a theme at the end of the history (once), dropping the oldest past HISTORY_SIZE."""
        if prompt.strip():
            self.history = [p for p in self.history if p != prompt][-(HISTORY_SIZE - 1):] + [prompt]


def load_state(path: Path | None) -> StudioState:
    """The remembered state, or a fresh one when the file is absent or unreadable (it is only a convenience)."""
    if path is None or not path.exists():
        return StudioState()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        theme = data.get("theme") if isinstance(data.get("theme"), str) else None
        history = [p for p in data.get("history", []) if isinstance(p, str)]
        return StudioState(theme, history[-HISTORY_SIZE:])
    except (OSError, ValueError, AttributeError, TypeError):
        return StudioState()


def save_state(state: StudioState, path: Path | None) -> None:
    """Write the state atomically (a temporary file renamed over the old)."""
    if path is None:
        return
    write_text_atomic(path, json.dumps(asdict(state), ensure_ascii=False, indent=1))
