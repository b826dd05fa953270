"""Sampling settings as plain data; the sampling defaults (temperature, top-p, top-k, length) are the published
Poetry Fusion model's, and the free-verse rules (real words, a word's uses a line) are the studio's own.

Style strength (classifier-free guidance over the blend, see `poetstudio.engine.sampling.guide`) lives
here too: its default, its bounds, and the one check every way in (CLI, studio, config, PoemRequest) uses.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace

from poetstudio.errors import UserError

UNGUIDED_STRENGTH = 1.0  # strength 1 is the plain blend; poems saved before strength existed were made so
DEFAULT_STRENGTH = 2.0  # the judge's sweep of the shipped model (bench/README.md, Judge): 2 lifts single-poet poems
#                        judged right from 72.7% (s=1) to 94.5% for +0.020 held-out bits/char; 3 judges 96.1%
#                        right but costs +0.083 and invents more words. The studio, `generate` and
#                        the config start here; a PoemRequest made in code is plain (1).
MAX_STRENGTH = 10.0  # far past the sweep's largest setting (3), and catches a slip such as 15 for 1.5
WORD_REPEATS = 2  # free verse uses a word (not a function word) at most twice in a line: the shipped model looped on
#                  its theme word in 4.3% of lines (Whitman 32%: "the land of the sea and the sea, the sea"), 1.5% with
#                  this rule, single-poet poems judged right 118/128 against 119 (bench/README.md, Free verse;
#                  docs/blending.md, No loops); twice lets a poet double a word ("the moon, the moon"); 0 = no limit,
#                  as the published model wrote
ECHO_PENALTY = 3.0  # a word's third use in a poem is lowered by 3 nats before temperature, its fourth by 6: the SmolLM2
#                   default used 51.6% of its poems' content words past a second use with no rules (real poems'
#                   openings: 1.6%), 22.2% at the previous default's 1, 10.7% at 2, 5.5% at 3 (16 poems each,
#                   bench/README.md, Free verse); the 6.9M model needed only 1 (13.1% -> 2.6%)
ECHO_FREE_USES = 2  # uses of a word a poem makes at no cost, as the line rule lets a line ("the moon, the moon")
SEED_RANGE = 2**31  # drawn seeds fit a signed 32-bit int: short to read, type and pin
SEED_LIMIT = 2**63  # a seed given may be any signed 64-bit integer, as torch.manual_seed takes
STRENGTH_STEP = 0.25  # one key press in the studio: reaches 1, 1.5, 2 and 3, the sweep's settings
FORM_VOICE_LIFT = 1.5  # in a form, guidance pushes this many times as far past the plain blend (2 -> 2.5): lines
#                       of a form's length and rhyme are not every poet's own. Guided at 2 the judge heard 2 of 16
#                       Dickinson sonnets as hers; at 2.5, 13 of 32 (all five poets 140/160 against 155/160 free
#                       verse). 2x (guided at 3) kept a little more voice but rhymed less (villanelles 87.5% of
#                       pairs over 24 poems, against 90.9%); at 4 the sonnets turn to word salad (bench/README, Forms)


class SamplingError(UserError):
    """A sampling setting out of its range: `field` names it, `rule` says what it must be (callers that name
    the setting their own way, a flag or a box label, put their name before `rule`)."""

    def __init__(self, name: str, rule: str, value) -> None:
        super().__init__(f"{name} {rule}, not {value!r}")
        self.field, self.rule, self.value = name, rule, value


RULES = {
    "temperature": (float, lambda v: v >= 0, "must be 0 (greedy) or more"),
    "top_p": (float, lambda v: 0 < v <= 1, "must be above 0 and at most 1"),
    "top_k": (int, lambda v: v >= 0, "must be a whole number, 0 (off) or more"),
    "max_new_tokens": (int, lambda v: v >= 1, "must be a whole number, at least 1"),
    "repetition_penalty": (float, lambda v: v > 0, "must be above 0 (1 means none)"),
    "seed": (int, lambda v: -SEED_LIMIT <= v < SEED_LIMIT, "must be a whole number (a signed 64-bit integer)"),
    "real_words": (bool, lambda v: True, "must be true or false"),
    "word_repeats": (int, lambda v: v >= 0, "must be a whole number, 0 (no limit) or more"),
    "tidy_lines": (bool, lambda v: True, "must be true or false"),
    "echo_penalty": (float, lambda v: v >= 0, "must be 0 (off) or more"),
}
"""Each sampling setting's kind and range, with the rule in words: the one check of sampling settings."""


def check_setting(name: str, value) -> float | int | bool | None:
    """`value` as sampling setting `name` wants it (ints for whole numbers, floats otherwise, bools for
    switches; None for no seed); a wrong kind or a value out of range raises SamplingError."""
    kind, fits, rule = RULES[name]
    if value is None and name == "seed":
        return None
    if kind is bool:
        if not isinstance(value, bool):
            raise SamplingError(name, rule, value)
        return value
    number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not number or (kind is int and not isinstance(value, int)) or not fits(value):
        raise SamplingError(name, rule, value)
    return kind(value)


@dataclass(frozen=True)
class Sampling:
    """Temperature, nucleus and top-k filtering, length, repetition penalty, seed, and the free-verse rules:
    whether it keeps to real words (`poetstudio.forms.word_guard`; forms always do) and how often a word may
    stand in one line (`word_repeats`, poetstudio.forms.line_repeats; 0 = no limit) and whether it is laid
    out as a poem (`tidy_lines`, poetstudio.forms.layout: no headings ("XIV."), no runs of blank lines, an end
    at a line's end), and how far a word worn by use is lowered (`echo_penalty`, poetstudio.forms.echoes;
    0 = off); checked when made (`check_setting`), so a Sampling in hand is always usable."""

    temperature: float = 0.8
    top_p: float = 0.85
    top_k: int = 40
    max_new_tokens: int = 256
    repetition_penalty: float = 1.0
    seed: int | None = None
    real_words: bool = True
    word_repeats: int = WORD_REPEATS
    tidy_lines: bool = True
    echo_penalty: float = ECHO_PENALTY

    def __post_init__(self) -> None:
        for name in RULES:
            object.__setattr__(self, name, check_setting(name, getattr(self, name)))

    def seeded(self) -> Sampling:
        """These settings with a seed: their own, or a fresh random one (the one place a seed is drawn)."""
        return self if self.seed is not None else replace(self, seed=random.randrange(SEED_RANGE))

    def variation(self, index: int) -> Sampling:
        """The settings of variation `index` of a request: consecutive seeds from this one (seeded first),
        wrapping at the top of the seed range rather than running past it."""
        seed = self.seeded().seed + index
        return replace(self, seed=seed - 2 * SEED_LIMIT if seed >= SEED_LIMIT else seed)


def guidance_strength(strength: float, in_form: bool) -> float:
    """The strength the decode guides at for an asked `strength`: the same in free verse; in a form, the push
    past the plain blend (1) is FORM_VOICE_LIFT times as far, up to MAX_STRENGTH, so the voice holds against
    the form's pull. Strength 1 stays the exact blend and below 1 is untouched."""
    if not in_form or strength <= UNGUIDED_STRENGTH:
        return strength
    return min(MAX_STRENGTH, UNGUIDED_STRENGTH + FORM_VOICE_LIFT * (strength - UNGUIDED_STRENGTH))


def parse_strength(value) -> float:
    """A style strength from a number or typed text: finite, from 0 to MAX_STRENGTH; else one-line UserError."""
    if isinstance(value, bool):
        value = None
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or not 0 <= number <= MAX_STRENGTH:
        raise UserError(f"strength must be a number from 0 to {MAX_STRENGTH:g} (1 = the plain blend, higher = "
                        f"stronger voices), not {value!r}")
    return number
