"""The studio's settings: a documented TOML file in the config folder, overridden by CLI flags.

Every field, its default and its meaning live in DEFAULT_CONFIG_TOML below; `poetstudio config --write`
writes that text to the config path so the file documents itself.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from poetstudio.blend import WEIGHT_RULE, weight_problem
from poetstudio.engine.sampling_settings import (
    DEFAULT_STRENGTH,
    ECHO_PENALTY,
    MAX_STRENGTH,
    WORD_REPEATS,
    Sampling,
    parse_strength,
)
from poetstudio.errors import UserError

PUBLISHED = Sampling()  # the engine's defaults in one place: the published model's sampling, the free-verse rules

DEFAULT_CONFIG_TOML = """\
# poetstudio configuration. Every field is optional; a missing one keeps the default shown.

[model]
base = ""              # base model: local folder, hub id, .gguf file or smollm2-135m-instruct; "" = the shipped one
adapter = ""           # adapter folder or hub id; "" = the shipped adapter (with the shipped model only)
device = "auto"        # auto | cpu | cuda | mps
quantize = "none"      # none | nf4 (4-bit, CUDA + bitsandbytes)
blend_mode = "auto"    # auto | exact (per-poet rows mixed each token) | prompt (blend described in words)
threads = 0            # CPU threads a poem is decoded on: 0 = every core (the studio leaves one for the screen)
balance = true         # weigh each poet's row by the adapter's fitted gain, so equal weights are heard as equal
                       # (`poetstudio poets` lists the gains); false = the rows get the weights as set

[sampling]
temperature = 0.8      # the published model's defaults
top_p = 0.85
top_k = 40
max_new_tokens = 256
repetition_penalty = 1.0
real_words = true      # free verse keeps to real words (dictionary, inflected, archaic, elided); forms always do
variations = 1         # poems per generation, with consecutive seeds
""" + f"""\
word_repeats = {WORD_REPEATS:<7} # free verse uses a word (not "the", "and", "thou") at most this often a line and
#                        copies no earlier line; 0 = off (both)
tidy_lines = true      # free verse writes no headings ("XIV."), no runs of blank lines, and ends at a line's end
echo_penalty = {ECHO_PENALTY:<7} # free verse lowers a word's third use in a poem by this (in log-probability), its
                       # fourth by twice this, ... so it does not wear out its theme word; 0 = off
strength = {DEFAULT_STRENGTH:<11} # style strength, 0 to {MAX_STRENGTH:g}: 1 = the plain blend; above 1 the voices are
                       # pushed further from verse with no poet named (Poets pane: [ and ])
""" + """
[studio]
fine_step = 0.05       # weight change per key press
coarse_step = 0.25     # weight change per shifted key press
autosave_seconds = 2.0 # how soon after a change the draft is saved

[keys]
# Rebind any studio action: action = "key". Actions are listed on the help screen (F1), e.g.
# generate = "ctrl+g"
# stop = "escape"
"""


@dataclass
class ModelSettings:
    """Which model the studio loads and how."""

    base: str = ""
    adapter: str = ""
    device: str = "auto"
    quantize: str = "none"
    blend_mode: str = "auto"
    balance: bool = True
    threads: int = 0


@dataclass
class SamplingSettings:
    """Default sampling settings for new poems (the engine's defaults, plus a variation count and the style
    strength, which the studio keeps beside the blend rather than in the Prompt pane)."""

    temperature: float = PUBLISHED.temperature
    top_p: float = PUBLISHED.top_p
    top_k: int = PUBLISHED.top_k
    max_new_tokens: int = PUBLISHED.max_new_tokens
    repetition_penalty: float = PUBLISHED.repetition_penalty
    real_words: bool = PUBLISHED.real_words
    word_repeats: int = PUBLISHED.word_repeats
    tidy_lines: bool = PUBLISHED.tidy_lines
    echo_penalty: float = PUBLISHED.echo_penalty
    variations: int = 1
    strength: float = DEFAULT_STRENGTH

    def sampling(self) -> Sampling:
        """These defaults as the engine's one sampling type (no seed: each poem draws its own)."""
        return Sampling(self.temperature, self.top_p, self.top_k, self.max_new_tokens, self.repetition_penalty,
                        real_words=self.real_words, word_repeats=self.word_repeats, tidy_lines=self.tidy_lines,
                        echo_penalty=self.echo_penalty)


@dataclass
class StudioSettings:
    """How the studio behaves."""

    fine_step: float = 0.05
    coarse_step: float = 0.25
    autosave_seconds: float = 2.0


@dataclass
class Config:
    """All settings; `keys` maps action names to key strings."""

    model: ModelSettings = field(default_factory=ModelSettings)
    sampling: SamplingSettings = field(default_factory=SamplingSettings)
    studio: StudioSettings = field(default_factory=StudioSettings)
    keys: dict[str, str] = field(default_factory=dict)
    path: Path | None = None


DEVICES = ("auto", "cpu", "cuda", "mps")
"""Where a model may run: the config's [model] device and every command's --device."""
QUANTIZE = ("none", "nf4")
BLEND_MODES = ("auto", "exact", "prompt")
MAX_NEW_TOKENS = 8192  # the longest poem asked for, in tokens: the shipped base's context is 8192, and a slip such as
#                        1000000000000 would try to reserve terabytes for the poem's cache before writing a word
MAX_VARIATIONS = 100  # poems in one generation: each is written in turn, so a slip of 1e9 would never end
MAX_AUTOSAVE_SECONDS = 3600.0
MAX_THREADS = 1024  # more than any CPU has: a slip such as 1e9 is caught here, not by torch
SECTIONS = ("model", "sampling", "studio", "keys")


def _choice(options: tuple[str, ...]):
    """A field's check: one of `options` (its rule in words)."""
    return lambda v: v in options, f"must be one of {', '.join(options)}"


FIELD_RULES = {
    ("model", "device"): _choice(DEVICES),
    ("model", "quantize"): _choice(QUANTIZE),
    ("model", "blend_mode"): _choice(BLEND_MODES),
    ("model", "threads"): (lambda v: 0 <= v <= MAX_THREADS, f"must be from 0 (every core) to {MAX_THREADS}"),
    ("sampling", "max_new_tokens"): (lambda v: 1 <= v <= MAX_NEW_TOKENS, f"must be from 1 to {MAX_NEW_TOKENS}"),
    ("sampling", "variations"): (lambda v: 1 <= v <= MAX_VARIATIONS, f"must be from 1 to {MAX_VARIATIONS}"),
    ("studio", "fine_step"): (lambda v: weight_problem(v) is None, WEIGHT_RULE),
    ("studio", "coarse_step"): (lambda v: weight_problem(v) is None, WEIGHT_RULE),
    ("studio", "autosave_seconds"): (lambda v: math.isfinite(v) and 0 <= v <= MAX_AUTOSAVE_SECONDS,
                                     f"must be a number from 0 to {MAX_AUTOSAVE_SECONDS:g}"),
}
"""The range or the choices of each field that has more than a type to keep (sampling's numbers are also
checked by `Sampling`, the strength by `parse_strength`)."""


def _problem(where: str, rule: str, value) -> UserError:
    """One line naming the file, the section and the field, what it must be, and how to mend it."""
    shown = repr(value)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    return UserError(f"{where} {rule}, not {shown}; fix that line or delete it to keep the default")


def _fill(section_cls, data: dict, path: Path, section: str):
    """One section's dataclass from its table: every field known, of its type and within its range."""
    known = {f.name: f for f in fields(section_cls)}
    values = {}
    for key, value in data.items():
        where = f"{path}: [{section}] {key}"
        if key not in known:
            raise UserError(f"{path}: unknown setting [{section}] {key}; "
                            "see the documented defaults (`poetstudio config`)")
        expected = type(known[key].default)
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or isinstance(value, bool) != (expected is bool):
            raise _problem(where, f"must be a {expected.__name__}", value)
        fits, rule = FIELD_RULES.get((section, key), (lambda v: True, ""))
        if not fits(value):
            raise _problem(where, rule, value)
        values[key] = value
    return section_cls(**values)


def _table(data: dict, path: Path, section: str) -> dict:
    """A section's table ({} when absent); anything else there (`keys = "ctrl+t"`) is one line naming it."""
    table = data.get(section, {})
    if not isinstance(table, dict):
        raise _problem(f"{path}: {section}", f"must be a table: a line [{section}], then name = value lines", table)
    return table


def _keys(table: dict, path: Path) -> dict[str, str]:
    """The [keys] table: action = "key" strings (which actions and keys exist, the studio's check_keymap says)."""
    for name, key in table.items():
        if not isinstance(key, str):
            raise _problem(f"{path}: [keys] {name}", 'must be a key in quotes, such as "ctrl+g"', key)
    return dict(table)


def _sampling(table: dict, path: Path) -> SamplingSettings:
    """The [sampling] section, each field also checked by the engine's own rules (`Sampling`, the strength)."""
    sampling = _fill(SamplingSettings, table, path, "sampling")
    try:
        sampling.sampling()
        parse_strength(sampling.strength)
    except UserError as exc:
        raise UserError(f"{path}: [sampling] {exc}") from None
    return sampling


def check_config_data(data: dict, path: Path) -> Config:
    """Walk every section of a parsed config file, checking each field's type and range, into a Config; the
    first problem is a one-line UserError naming the file and the field."""
    unknown = set(data) - set(SECTIONS)
    if unknown:
        raise UserError(f"{path}: unknown section(s) {', '.join(sorted(unknown))}; "
                        f"sections are {', '.join(SECTIONS)}")
    tables = {section: _table(data, path, section) for section in SECTIONS}
    return Config(
        model=_fill(ModelSettings, tables["model"], path, "model"),
        sampling=_sampling(tables["sampling"], path),
        studio=_fill(StudioSettings, tables["studio"], path, "studio"),
        keys=_keys(tables["keys"], path),
        path=path,
    )


def load_config(path: Path | None) -> Config:
    """Read the TOML file (a missing file means defaults); a broken file or a field of the wrong type, shape or
    range is one line naming the file and the field."""
    if path is None or not path.exists():
        return Config(path=path)
    if path.is_dir():
        raise UserError(f"{path} is a folder, not a config file; give a TOML file (`poetstudio config` shows one)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path}: broken TOML: {exc}; fix that line or delete the file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read the config ({exc}); fix the file or delete it") from None
    return check_config_data(data, path)


def apply_overrides(config: Config, model: str | None, adapter: str | None, device: str | None) -> Config:
    """CLI flags win over the file."""
    if model:
        config.model.base = model
        if adapter is None:
            config.model.adapter = ""
    if adapter is not None:
        config.model.adapter = adapter
    if device:
        config.model.device = device
    return config
