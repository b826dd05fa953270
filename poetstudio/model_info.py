"""What a model folder holds, read from its metadata without loading torch: poets, moods, thin poets."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from poetstudio.errors import UserError
from poetstudio.poets import STUDIO_POETS

DEFAULT_MODEL_DIR = Path(__file__).parent / "models" / "default"
THIN_POEMS = 20  # under this many training poems a poet's voice is barely learned; the studio warns


def default_base_dir() -> Path:
    """The shipped base model folder."""
    return DEFAULT_MODEL_DIR / "base"


def default_adapter_dir() -> Path:
    """The shipped poet-fusion adapter folder."""
    return DEFAULT_MODEL_DIR / "adapter"


def default_judge_dir() -> Path:
    """The shipped judge's folder (the poet classifier behind *reads like*; `poetstudio train --recipe judge`)."""
    return DEFAULT_MODEL_DIR / "judge"


@dataclass
class PoetInfo:
    """A poet as the adapter knows them: training counts, and whether the studio can write as them."""

    name: str
    poems: int = 0
    examples: int = 0
    available: bool = True
    reason: str = ""

    @property
    def thin(self) -> bool:
        """True when the adapter saw too few poems to learn the voice well."""
        return self.available and self.poems < THIN_POEMS


@dataclass
class AdapterInfo:
    """The poets and moods an adapter was trained on."""

    path: Path
    poets: list[PoetInfo] = field(default_factory=list)
    moods: dict[str, int] = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)

    def available_poets(self) -> list[str]:
        """Names of the poets this adapter can write as."""
        return [p.name for p in self.poets if p.available]


def read_metadata(meta_file: Path) -> dict:
    """An adapter's poetstudio.json as a dict; broken JSON, bad encoding or a non-object is a UserError."""
    try:
        metadata = json.loads(meta_file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UserError(f"{meta_file}: broken JSON at line {exc.lineno}; retrain or restore the file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{meta_file}: cannot read it ({exc}); retrain or restore the file") from None
    bad = not isinstance(metadata, dict) or any(
        key in metadata and not isinstance(metadata[key], dict) for key in ("poets", "moods"))
    if not bad:
        bad = not all(isinstance(c, dict) for c in metadata.get("poets", {}).values())
    if bad:
        raise UserError(f"{meta_file}: not poetstudio adapter metadata (poets and moods must be objects); "
                        "retrain or restore the file")
    return metadata


def read_adapter_info(path: str | Path | None = None) -> AdapterInfo:
    """Read poetstudio.json of an adapter folder; studio poets it lacks are listed as unavailable."""
    folder = Path(path) if path else default_adapter_dir()
    meta_file = folder / "poetstudio.json"
    if not meta_file.exists():
        raise UserError(f"{folder} has no poetstudio.json; give an adapter folder made by `poetstudio train`")
    metadata = read_metadata(meta_file)
    trained = metadata.get("poets", {})
    poets = [PoetInfo(name, counts.get("poems", 0), counts.get("examples", 0)) for name, counts in trained.items()]
    for poet in STUDIO_POETS:
        if poet.name not in trained:
            reason = "not in this adapter's training data; train an adapter on poems by this poet"
            if not poet.public_domain:
                reason = "no public-domain poems (in copyright); an adapter trained on data with her poems adds her"
            poets.append(PoetInfo(poet.name, available=False, reason=reason))
    order = {p.name: i for i, p in enumerate(STUDIO_POETS)}
    poets.sort(key=lambda p: (order.get(p.name, len(order)), p.name))
    return AdapterInfo(folder, poets, metadata.get("moods", {}), metadata)
