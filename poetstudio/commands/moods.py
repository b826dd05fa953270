"""The --mood option that `generate` and `analyze` share: checked against the moods the adapter knows."""

from __future__ import annotations

from poetstudio.errors import UserError


def check_mood(mood: str | None, known: dict[str, int]) -> str | None:
    """The mood as the adapter spells it; unknown moods are an error that lists the known ones."""
    if mood is None:
        return None
    if not known:
        raise UserError("this adapter was trained without moods; drop --mood")
    match = next((m for m in known if m.lower() == mood.lower()), None)
    if match is None:
        raise UserError(f"unknown mood '{mood}'; this adapter knows: {', '.join(sorted(known))}")
    return match
