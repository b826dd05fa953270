"""The studio's draft (prompt, blend, settings, unsaved poem), saved atomically as JSON as you go.

Loading checks every field: one of the wrong kind falls back to its default (and `DraftLoad.note` says which);
a file that is not a draft at all is moved aside (draft.damaged), never deleted, and the note says where."""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from poetstudio.atomic_file import write_text_atomic
from poetstudio.blend import weight_number

SEED_LIMIT = 2**63  # a seed is a signed 64-bit integer
SAMPLING_KINDS = {
    "temperature": "number", "top_p": "number", "repetition_penalty": "number", "echo_penalty": "number",
    "strength": "number", "top_k": "whole", "max_new_tokens": "whole", "variations": "whole",
    "word_repeats": "whole", "seed": "seed", "real_words": "switch", "tidy_lines": "switch", "pinned": "switch",
    "form": "text",
}
"""The settings the draft keeps, and the kind each must be (others, from a newer poetstudio, are kept as they are)."""
AT_LEAST_ZERO = ("echo_penalty", "strength", "word_repeats")


@dataclass
class Draft:
    """Everything on the studio's screen that is not yet in the library."""

    theme: str = ""
    opening: str = ""
    blend: dict[str, float] = field(default_factory=dict)
    mood: str | None = None
    sampling: dict = field(default_factory=dict)
    poems: list[str] = field(default_factory=list)
    seeds: list[int] = field(default_factory=list)
    made_with: dict = field(default_factory=dict)
    """What wrote the poems on screen, which the prompt and blend above may since have left: their theme,
    opening lines, blend, mood and sampling (with strength and form). {} where unknown (no poem, or a draft
    from before this field)."""


@dataclass
class DraftLoad:
    """A loaded draft; `note`: what the person should be told once (a damaged draft kept aside, fields replaced
    by defaults), else None; `writable`: False when the draft file must not be written over (it could not be
    read, nor moved aside)."""

    draft: Draft
    note: str | None = None
    writable: bool = True


def save_draft(draft: Draft, path: Path) -> None:
    """Write to a temporary file and rename over the old draft: a crash leaves the old or the new, never half;
    a failed write is a one-line FileWriteError (an OSError)."""
    write_text_atomic(path, json.dumps(asdict(draft), ensure_ascii=False, indent=1))


def load_draft(path: Path) -> Draft:
    """The saved draft, or an empty one (see `read_draft`, which also says what was wrong)."""
    return read_draft(path).draft


def read_draft(path: Path) -> DraftLoad:
    """The saved draft with every field checked; a damaged draft is kept aside as .damaged, not deleted."""
    if not path.exists():
        return DraftLoad(Draft())
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return _set_aside(path, f"not a draft ({type(exc).__name__})")
    except OSError as exc:
        return DraftLoad(Draft(), f"could not read the draft {path} ({exc.strerror or exc}); the studio opened "
                                  "empty and will not save over it", writable=False)
    if not isinstance(data, dict):
        return _set_aside(path, "not a draft (no fields)")
    draft, replaced = checked_draft(data)
    note = None
    if replaced:
        note = (f"the draft had fields of the wrong kind ({', '.join(replaced)}); they were replaced by the "
                "defaults")
    return DraftLoad(draft, note)


def _set_aside(path: Path, why: str) -> DraftLoad:
    """Move a damaged draft to a free name beside it (draft.damaged, draft-2.damaged, ...) and say where."""
    target = path.with_suffix(".damaged")
    number = 2
    while target.exists():
        target = path.with_name(f"{path.stem}-{number}.damaged")
        number += 1
    try:
        os.replace(path, target)
    except OSError as exc:
        return DraftLoad(Draft(), f"the draft {path} is damaged ({why}) and could not be moved aside "
                                  f"({exc.strerror or exc}); the studio opened empty and will not save over it",
                         writable=False)
    return DraftLoad(Draft(), f"the draft was damaged ({why}); it was kept as {target} and the studio opened empty")


def checked_draft(data: dict) -> tuple[Draft, list[str]]:
    """A Draft from a loaded dict, each field of the wrong kind replaced by its default; also the names of the
    fields replaced (a bad blend weight or setting drops only that entry)."""
    replaced: list[str] = []

    def text(name: str, optional: bool = False):
        value = data.get(name, None if optional else "")
        if isinstance(value, str) or (optional and value is None):
            return value
        replaced.append(name)
        return None if optional else ""

    blend = _checked_blend(data.get("blend", {}))
    if blend != data.get("blend", {}):
        replaced.append("blend")
    sampling = _checked_sampling(data.get("sampling", {}))
    if sampling != data.get("sampling", {}):
        replaced.append("sampling")
    poems, seeds = _checked_poems(data.get("poems", []), data.get("seeds", []))
    if poems != data.get("poems", []) or seeds != data.get("seeds", []):
        replaced.append("poems")
    made_with = _checked_made_with(data.get("made_with", {}))
    if made_with != data.get("made_with", {}):
        replaced.append("made_with")
    draft = Draft(theme=text("theme"), opening=text("opening"), blend=blend, mood=text("mood", optional=True),
                  sampling=sampling, poems=poems, seeds=seeds, made_with=made_with)
    return draft, replaced


def _checked_made_with(value) -> dict:
    """What wrote the poems, whole and of the right kinds, else {} (unknown: the poem saves as the prompt and
    blend on screen have it, as before the field)."""
    if not isinstance(value, dict) or not value:
        return {}
    blend, sampling = _checked_blend(value.get("blend")), _checked_sampling(value.get("sampling"))
    texts = all(isinstance(value.get(name), str) for name in ("theme", "opening"))
    mood = value.get("mood")
    if (not texts or not blend or blend != value.get("blend") or sampling != value.get("sampling")
            or not (mood is None or isinstance(mood, str))):
        return {}
    return {"theme": value["theme"], "opening": value["opening"], "blend": blend, "mood": mood, "sampling": sampling}


def _checked_blend(value) -> dict[str, float]:
    """The poets whose weight is a number from 0 to 1 (as float); other entries are dropped."""
    if not isinstance(value, dict):
        return {}
    weights = {name: weight_number(weight) for name, weight in value.items() if isinstance(name, str)}
    return {name: weight for name, weight in weights.items() if weight is not None}


def _fits(kind: str, value) -> bool:
    """Whether `value` is a setting of this kind."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "number":
        return number and math.isfinite(value)
    if kind == "whole":
        return number and isinstance(value, int)
    if kind == "seed":
        return value is None or (number and isinstance(value, int) and -SEED_LIMIT <= value < SEED_LIMIT)
    if kind == "switch":
        return isinstance(value, bool)
    return value is None or isinstance(value, str)


def _checked_sampling(value) -> dict:
    """The settings of the right kind (and not below 0 where a setting cannot be); the rest are dropped, so the
    config's defaults fill them."""
    if not isinstance(value, dict):
        return {}
    kept = {}
    for name, setting in value.items():
        kind = SAMPLING_KINDS.get(name)
        if kind is not None and not _fits(kind, setting):
            continue
        if name in AT_LEAST_ZERO and setting < 0:
            continue
        kept[name] = setting
    return kept


def _checked_poems(poems, seeds) -> tuple[list[str], list[int]]:
    """The unsaved poems (text) and their seeds (whole numbers); when any is of the wrong kind, the poems that
    are text are kept and the seeds dropped (they would no longer line up)."""
    poems = poems if isinstance(poems, list) else []
    seeds = seeds if isinstance(seeds, list) else []
    texts = [p for p in poems if isinstance(p, str)]
    whole = [s for s in seeds if _fits("seed", s) and s is not None]
    if len(texts) != len(poems) or len(whole) != len(seeds):
        return texts, []
    return texts, whole
