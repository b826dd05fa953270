"""Training configuration: one dataclass, TOML recipes that fill it, and CLI flags that override them."""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from poetstudio.errors import UserError
from poetstudio.prompt_format import FORMATS, natural_format

PROMPT_FORMATS = ("auto", *FORMATS)

RECIPES_DIR = Path(__file__).parent / "recipes"


@dataclass
class TrainConfig:
    """Every setting of a training run; the recipes in trainer/recipes/ document each field."""

    mode: str = "lora"
    base_model: str = ""
    init_from: str = ""
    corpus: list[str] = field(default_factory=list)
    general_verse: list[str] = field(default_factory=list)
    # a general/ folder with MANIFEST.tsv: scratch runs pretrain on it (trainer.pretrain_data); adapters learn its
    # authors' verse under their names (trainer.author_verse)
    general_corpus: str = ""
    poet_book_chars: int = 0  # adapters: characters of each corpus poet's own books (beyond their poems)
    author_chars: int = 0  # adapters: characters of every other general-corpus author
    prompt_format: str = "auto"  # header | chat | auto (chat where the tokenizer has a chat template)
    unconditioned_share: float = 0.0  # share of passages/documents written without the header's Poet line
    cross_document_attention: bool = False  # training rows attend across their packed documents (evaluation never)
    poems_repeat: int = 1  # pretraining: how many times the corpus's training poems (the ten poets) go in
    cache_dir: str = "build/cache"  # where the cleaned corpus and the token files are cached between runs
    output: str = ""
    seed: int = 1234
    heldout_fraction: float = 0.05
    seq_len: int = 256
    batch_size: int = 16
    grad_accum: int = 1
    lr: float = 2e-3
    min_lr_ratio: float = 0.1
    warmup_steps: int = 30
    weight_decay: float = 0.0
    max_steps: int = 600
    max_minutes: float = 0.0
    eval_every: int = 50
    eval_batches: int = 0
    patience: int = 4
    checkpoint_every: int = 50
    lora_r: int = 64
    lora_alpha: int = 16
    lora_dropout: float = 0.1
    target_modules: list[str] = field(default_factory=lambda: ["q_proj", "v_proj"])
    quantize: str = "none"
    device: str = "auto"
    dtype: str = "auto"
    compile: bool = False
    budget_minutes: float = 0.0
    vocab_size: int = 4096
    hidden_size: int = 256
    num_layers: int = 6
    num_heads: int = 4
    intermediate_size: int = 704
    dropout: float = 0.0
    min_poems_per_poet: int = 1
    contrast_weight: float = 0.0
    contrast_poems: int = 4
    contrast_negatives: int = 3
    contrast_tokens: int = 96
    balance_poems: int = 16  # balance: half-and-half poems written per pair of poets in each round
    balance_rounds: int = 2  # balance: rounds of every pair (the second measures how far a gain moves a voice)

    def to_dict(self) -> dict:
        """The configuration as plain data, for metadata and checkpoints."""
        return asdict(self)


PRESETS = {
    "original": "original.toml",
    "default": "default.toml",
    "base": "base.toml",
    "base-gpu": "base-gpu.toml",
    "judge": "judge.toml",
    "balance": "balance.toml",
    "smollm2": "default.toml",
}


def recipe_path(name_or_path: str) -> Path:
    """A preset name (original, default, base, judge, balance) or a path to a TOML recipe."""
    if name_or_path in PRESETS:
        return RECIPES_DIR / PRESETS[name_or_path]
    return Path(name_or_path)


def load_recipe(path: Path) -> dict:
    """Read a TOML recipe into a dict; a broken file is a one-line error naming the file and line."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise UserError(f"{path}: no such recipe; give a preset ({', '.join(PRESETS)}) or a TOML file") from None
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path}: broken TOML ({exc}); fix that line and try again") from None
    known = {f.name for f in fields(TrainConfig)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise UserError(f"{path}: unknown setting(s) {', '.join(unknown)}; see trainer/recipes/default.toml")
    return data


def build_config(recipe: str | None, overrides: dict) -> TrainConfig:
    """Start from defaults, apply a recipe, then apply CLI overrides (None means 'not given')."""
    values: dict = {}
    if recipe:
        values.update(load_recipe(recipe_path(recipe)))
    values.update({k: v for k, v in overrides.items() if v is not None})
    config = TrainConfig(**values)
    validate(config)
    return config


def run_format(config: TrainConfig, tokenizer) -> str:
    """The prompt format a run writes in: as configured, or for `auto` the tokenizer's natural one (chat where
    it has a chat template, else the plain header)."""
    return natural_format(tokenizer) if config.prompt_format == "auto" else config.prompt_format


def validate(config: TrainConfig) -> None:
    """Reject settings that cannot train, with a message that says what to change."""
    if config.mode not in ("lora", "scratch", "judge", "balance"):
        raise UserError(f"mode must be 'lora', 'scratch', 'judge' or 'balance', not '{config.mode}'")
    if config.mode == "lora" and not config.base_model:
        raise UserError("no base model: give --base-model (a hub id or a local model folder)")
    if not config.corpus:
        raise UserError("no corpus: give --corpus PATH (a .jsonl, a .csv, or a folder of poet folders)")
    if not config.output:
        raise UserError("no output folder: give --output DIR")
    if config.quantize not in ("none", "nf4"):
        raise UserError(f"--quantize must be 'none' or 'nf4', not '{config.quantize}'")
    for name in ("seq_len", "batch_size", "grad_accum", "max_steps", "eval_every", "checkpoint_every",
                 "balance_poems", "balance_rounds"):
        if getattr(config, name) <= 0:
            raise UserError(f"{name} must be a positive number, not {getattr(config, name)}")
    if not 0 <= config.unconditioned_share < 1:
        raise UserError(f"unconditioned_share must be at least 0 and below 1, not {config.unconditioned_share}")
    if config.budget_minutes < 0:
        raise UserError(f"budget_minutes must be 0 (off) or more, not {config.budget_minutes}")
    if config.general_corpus and config.mode not in ("scratch", "lora"):
        raise UserError("general_corpus is for pretraining (mode = 'scratch') and adapters (mode = 'lora')")
    if config.poet_book_chars < 0 or config.author_chars < 0:
        raise UserError("poet_book_chars and author_chars must be 0 (none) or more")
    if config.prompt_format not in PROMPT_FORMATS:
        raise UserError(f"prompt_format must be one of {', '.join(PROMPT_FORMATS)}, not '{config.prompt_format}'")
    if config.cross_document_attention and config.mode != "scratch":
        raise UserError("cross_document_attention is for pretraining (mode = 'scratch'): an adapter's passages "
                        "must not read the poem and Poet line packed before them")
    if config.poems_repeat < 1:
        raise UserError(f"poems_repeat must be 1 or more, not {config.poems_repeat}")
    if not 0 <= config.heldout_fraction < 0.5:
        raise UserError("heldout_fraction must be between 0 and 0.5")
