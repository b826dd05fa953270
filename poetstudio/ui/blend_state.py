"""The blend being edited: weights per poet with the studio's operations (no UI, no torch)."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_WEIGHT = 1.0


@dataclass
class BlendState:
    """Weights in [0, 1] for each poet; poets the model cannot write stay at zero."""

    poets: list[str]
    disabled: dict[str, str] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for poet in self.poets:
            self.weights.setdefault(poet, 0.0)
        if not any(self.weights.values()) and self.enabled:
            self.weights[self.enabled[0]] = 1.0

    @property
    def enabled(self) -> list[str]:
        """Poets that can be given weight."""
        return [p for p in self.poets if p not in self.disabled]

    def add(self, poet: str) -> int:
        """Give `poet` a row (at weight 0) if they have none; return the row's index."""
        if poet not in self.poets:
            self.poets.append(poet)
            self.weights.setdefault(poet, 0.0)
        return self.poets.index(poet)

    def set(self, poet: str, weight: float) -> None:
        """Set one weight, clamped to [0, 1]; disabled poets refuse with ValueError."""
        if poet in self.disabled:
            raise ValueError(f"{poet} is unavailable: {self.disabled[poet]}")
        self.weights[poet] = round(min(MAX_WEIGHT, max(0.0, weight)), 4)

    def nudge(self, poet: str, delta: float) -> None:
        """Raise or lower one weight by delta."""
        self.set(poet, self.weights[poet] + delta)

    def zero(self, poet: str) -> None:
        """Set one weight to zero."""
        self.weights[poet] = 0.0

    def solo(self, poet: str) -> None:
        """This poet at 1, every other at 0."""
        self.set(poet, 1.0)
        for other in self.poets:
            if other != poet:
                self.weights[other] = 0.0

    def equalise(self) -> None:
        """Every poet with weight (or all enabled poets if none has any) gets the same weight."""
        chosen = [p for p in self.enabled if self.weights[p] > 0] or self.enabled
        for poet in self.enabled:
            self.weights[poet] = round(1.0 / len(chosen), 4) if poet in chosen else 0.0

    def reset(self) -> None:
        """Back to the first available poet alone."""
        for poet in self.poets:
            self.weights[poet] = 0.0
        if self.enabled:
            self.weights[self.enabled[0]] = 1.0

    def share(self, poet: str) -> float:
        """The poet's normalised share of the blend."""
        total = sum(self.weights.values())
        return self.weights[poet] / total if total else 0.0

    def active(self) -> dict[str, float]:
        """The blend to send: poets with weight above zero."""
        return {p: w for p, w in self.weights.items() if w > 0}
