"""The studio's settings: a documented TOML file in the config folder, overridden by CLI flags.

Every field, its default and its meaning live in DEFAULT_CONFIG_TOML below; `poetstudio config --write`
writes that text to the config path so the file documents itself.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

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
word_repeats = {WORD_REPEATS:<7} # free verse uses a word (not "the", "and", "thou") at most this often a line; 0 = off
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


def _fill(section_cls, data: dict, path: Path, section: str):
    known = {f.name: f for f in fields(section_cls)}
    values = {}
    for key, value in data.items():
        if key not in known:
            raise UserError(f"{path}: unknown setting [{section}] {key}; "
                            "see the documented defaults (F1 in the studio)")
        expected = type(known[key].default)
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or isinstance(value, bool) != (expected is bool):
            raise UserError(f"{path}: [{section}] {key} must be a {expected.__name__}, not {value!r}")
        values[key] = value
    return section_cls(**values)


def load_config(path: Path | None) -> Config:
    """Read the TOML file (a missing file means defaults); a broken file is one line naming file and line."""
    if path is None or not path.exists():
        return Config(path=path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path}: broken TOML: {exc}; fix that line or delete the file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read the config ({exc})") from None
    unknown = set(data) - {"model", "sampling", "studio", "keys"}
    if unknown:
        raise UserError(f"{path}: unknown section(s) {', '.join(sorted(unknown))}; "
                        "sections are model, sampling, studio, keys")
    keys = data.get("keys", {})
    if not all(isinstance(v, str) for v in keys.values()):
        raise UserError(f"{path}: every [keys] entry must be a key string like \"ctrl+g\"")
    sampling = _fill(SamplingSettings, data.get("sampling", {}), path, "sampling")
    try:
        sampling.sampling()
        parse_strength(sampling.strength)
    except UserError as exc:
        raise UserError(f"{path}: [sampling] {exc}") from None
    if sampling.variations < 1:
        raise UserError(f"{path}: [sampling] variations must be at least 1, not {sampling.variations}")
    return Config(
        model=_fill(ModelSettings, data.get("model", {}), path, "model"),
        sampling=sampling,
        studio=_fill(StudioSettings, data.get("studio", {}), path, "studio"),
        keys=dict(keys),
        path=path,
    )


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
