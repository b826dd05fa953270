"""A saved poem's fields and the types they must hold: checked on import, and on every read so that a bad
stored row becomes a poem marked damaged (with the reason) instead of an exception."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field

from poetstudio.blend import weight_problem

SAMPLING_NUMBERS = ("temperature", "top_p", "repetition_penalty")
SAMPLING_INTEGERS = ("top_k", "max_new_tokens", "variations")
READING_TEXTS = ("scheme", "meter", "form")


@dataclass
class SavedPoem:
    """A poem in the library with everything needed to make it again, and its analysis
    ({"reading": PoemReading.to_dict(), "attribution": Attribution.to_dict()}, either may be absent).

    Every field always holds its declared type. A stored row that did not (written by hand, by an older
    import or another tool) is read with the bad fields set to their defaults, `damage` saying why and
    `raw` keeping the stored values, so nothing is lost: `damaged` is then True.
    """

    title: str
    text: str
    theme: str = ""
    opening: str = ""
    blend: dict[str, float] = field(default_factory=dict)
    mood: str | None = None
    sampling: dict = field(default_factory=dict)
    seed: int | None = None
    model: str = ""
    adapter: str | None = None
    favourite: bool = False
    analysis: dict = field(default_factory=dict)
    id: int | None = None
    created: str = ""
    updated: str = ""
    damage: str = ""
    raw: dict = field(default_factory=dict, repr=False)

    @property
    def damaged(self) -> bool:
        """True when the stored record had fields of the wrong type (see `damage` for which)."""
        return bool(self.damage)

    def to_dict(self) -> dict:
        """Plain data for JSON export: the stored values of damaged fields, and why they are damaged."""
        data = {name: value for name, value in self.__dict__.items() if name not in ("damage", "raw")}
        if self.damaged:
            data.update(self.raw)
            data["damaged"] = self.damage
        return data


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


SEED_RANGE = (-2**63, 2**63 - 1)  # a seed is a signed 64-bit integer: what SQLite stores and torch.manual_seed takes


def _seed_number(value) -> bool:
    """True for a whole number a seed can be (SEED_RANGE)."""
    return _integer(value) and SEED_RANGE[0] <= value <= SEED_RANGE[1]


def _show(value) -> str:
    shown = json.dumps(value, ensure_ascii=False) if not isinstance(value, bytes) else repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def _text_check(required: bool = False) -> Callable[[object], str]:
    def check(value) -> str:
        if not isinstance(value, str):
            return f"must be text, not {_show(value)}"
        return "must not be empty" if required and not value.strip() else ""
    return check


def _optional_text(value) -> str:
    return "" if value is None or isinstance(value, str) else f"must be text or null, not {_show(value)}"


def _blend(value) -> str:
    if not isinstance(value, dict):
        return f"must be an object of poet: weight, not {_show(value)}"
    for poet, weight in value.items():
        problem = weight_problem(weight)  # the one check of a weight, as the studio and `generate --blend` make it
        if problem is not None:
            return f"weight of '{poet}' {problem}"
    return ""


def _sampling(value) -> str:
    if not isinstance(value, dict):
        return f"must be an object like {{\"temperature\": 0.8}}, not {_show(value)}"
    for name in SAMPLING_NUMBERS:
        if name in value and not _number(value[name]):
            return f"'{name}' must be a number, not {_show(value[name])}"
    for name in SAMPLING_INTEGERS:
        if name in value and not _integer(value[name]):
            return f"'{name}' must be a whole number, not {_show(value[name])}"
    if "echo_penalty" in value and not (_number(value["echo_penalty"]) and value["echo_penalty"] >= 0):
        return f"'echo_penalty' must be a number of 0 or more, not {_show(value['echo_penalty'])}"
    if "word_repeats" in value and not (_integer(value["word_repeats"]) and value["word_repeats"] >= 0):
        return f"'word_repeats' must be a whole number of 0 or more, not {_show(value['word_repeats'])}"
    for name in ("real_words", "tidy_lines"):
        if name in value and not isinstance(value[name], bool):
            return f"'{name}' must be true or false, not {_show(value[name])}"
    if value.get("seed") is not None and not _seed_number(value["seed"]):
        return f"'seed' must be a whole number (a signed 64-bit integer) or null, not {_show(value['seed'])}"
    if "strength" in value and not (_number(value["strength"]) and value["strength"] >= 0):
        return f"'strength' must be a number of 0 or more, not {_show(value['strength'])}"
    if value.get("form") is not None and not isinstance(value["form"], str):
        return f"'form' must be text (a form name or spec) or null, not {_show(value['form'])}"
    return ""


def _seed(value) -> str:
    if value is None or _seed_number(value):
        return ""
    return f"must be a whole number (a signed 64-bit integer) or null, not {_show(value)}"


def _favourite(value) -> str:
    return "" if isinstance(value, bool) else f"must be true or false, not {_show(value)}"


def _analysis(value) -> str:
    if not isinstance(value, dict):
        return f"must be an object, not {_show(value)}"
    for part in ("reading", "attribution"):
        if part in value and not isinstance(value[part], dict):
            return f"'{part}' must be an object, not {_show(value[part])}"
    reading = value.get("reading", {})
    for name in READING_TEXTS:
        if name in reading and not isinstance(reading[name], str):
            return f"'reading.{name}' must be text, not {_show(reading[name])}"
    lines = reading.get("lines", [])
    if not (isinstance(lines, list) and all(isinstance(x, dict) for x in lines)):
        return "'reading.lines' must be a list of objects"
    shares = value.get("attribution", {}).get("shares", {})
    if not isinstance(shares, dict) or not all(_number(s) for s in shares.values()):
        return "'attribution.shares' must be an object of poet: number"
    return ""


CHECKS: dict[str, Callable[[object], str]] = {
    "title": _text_check(required=True),
    "text": _text_check(),
    "theme": _text_check(),
    "opening": _text_check(),
    "blend": _blend,
    "mood": _optional_text,
    "sampling": _sampling,
    "seed": _seed,
    "model": _text_check(),
    "adapter": _optional_text,
    "favourite": _favourite,
    "analysis": _analysis,
    "created": _text_check(),
    "updated": _text_check(),
}
"""Every field a record may carry (besides `id`) and the check its value must pass ('' = fine)."""

DEFAULTS = {name: SavedPoem.__dataclass_fields__[name] for name in CHECKS}


def _default(name: str):
    spec = DEFAULTS[name]
    if spec.default_factory is not MISSING:
        return spec.default_factory()
    return "(untitled)" if name == "title" else "" if name == "text" else spec.default


def problems(record: dict) -> list[str]:
    """Each field of `record` whose value has the wrong type, as 'blend: weight of ... must be ...'."""
    found = []
    for name, check in CHECKS.items():
        if name in record:
            why = check(record[name])
            if why:
                found.append(f"{name}: {why}")
    return found


def poem_from_import(record: object) -> SavedPoem:
    """A poem from an export's record; raises ValueError (the first problem, one line) for a bad one."""
    if not isinstance(record, dict):
        raise ValueError(f"must be an object with 'title' and 'text', not {_show(record)}")
    missing = [name for name in ("title", "text") if name not in record]
    if missing:
        raise ValueError(f"needs {' and '.join(repr(m) for m in missing)}")
    found = problems(record)
    if found:
        raise ValueError(found[0])
    return SavedPoem(**{name: record[name] for name in CHECKS if name in record})


def poem_from_stored(values: dict) -> SavedPoem:
    """A poem from a stored row's values (JSON columns still as text); never raises. A field that cannot
    be decoded or has the wrong type gets its default, and the poem is marked damaged."""
    clean, raw, found = {}, {}, []
    for name, value in values.items():
        if name in ("blend", "sampling", "analysis") and isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                raw[name] = value
                found.append(f"{name}: not valid JSON ({_show(value)})")
                clean[name] = _default(name)
                continue
        if name == "favourite" and _integer(value):
            value = bool(value)
        why = CHECKS[name](value) if name in CHECKS else ""
        if why:
            raw[name] = value if not isinstance(value, bytes) else repr(value)
            found.append(f"{name}: {why}")
            value = _default(name)
        clean[name] = value
    return SavedPoem(**clean, damage="; ".join(found), raw=raw)
