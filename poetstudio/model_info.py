"""What a model folder holds, read from its metadata without loading torch: the model card.

The card is the one reading of an adapter's `poetstudio.json`: which poets it writes as (with training
counts), which it cannot and why, thin poets, moods and whether it blends exactly. The engine, the
commands and the studio all ask the card; none reads the metadata dict itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from poetstudio.blend import checked_weights, normalised
from poetstudio.errors import UserError
from poetstudio.poets import STUDIO_POETS, canonical_poet, resolve_poet, studio_poet

DEFAULT_MODEL_DIR = Path(__file__).parent / "models" / "default"
THIN_POEMS = 20  # under this many training poems a poet's voice is barely learned; the studio warns
MIN_EXTRA_POEMS = 5  # poets outside the studio's ten get a studio row only when the adapter learned them from this many
IN_COPYRIGHT = "no public-domain poems (in copyright)"
NOT_TRAINED = "not in this model's training data"


def default_base_dir() -> Path:
    """The shipped base model folder."""
    return DEFAULT_MODEL_DIR / "base"


def default_adapter_dir() -> Path:
    """The shipped poet-fusion adapter folder."""
    return DEFAULT_MODEL_DIR / "adapter"


def default_judge_dir() -> Path:
    """The shipped judge's folder (the poet classifier behind *reads like*; `poetstudio train --recipe judge`)."""
    return DEFAULT_MODEL_DIR / "judge"


@dataclass(frozen=True)
class PoetCard:
    """A poet as the model knows them: training counts, or why the model cannot write as them."""

    name: str
    poems: int = 0
    examples: int = 0
    available: bool = True
    reason: str = ""

    @property
    def thin(self) -> bool:
        """True when the adapter saw too few poems to learn the voice well."""
        return self.available and self.poems < THIN_POEMS


@dataclass(frozen=True)
class ModelCard:
    """What a model can write: its poets (the studio's ten first, each available or with a reason), its moods,
    and whether its adapter was trained for exact blending. `trained` is False for a model with no poet
    metadata (a chat base, say): then every studio poet counts as available and blends are described in words."""

    path: Path | None = None
    poets: tuple[PoetCard, ...] = ()
    moods: Mapping[str, int] = field(default_factory=dict)
    exact: bool = False
    trained: bool = False

    def poet(self, name: str) -> PoetCard | None:
        """The card of the poet called exactly `name`, if the model lists them."""
        return next((p for p in self.poets if p.name == name), None)

    def writable(self) -> list[str]:
        """Names of the poets this model can write as."""
        return [p.name for p in self.poets if p.available]

    def solid(self) -> list[str]:
        """Writable poets learned from THIN_POEMS poems or more (all writable ones where fewer than two are)."""
        solid = [p.name for p in self.poets if p.available and (not self.trained or not p.thin)]
        return solid if len(solid) >= 2 else self.writable()

    def thin_warnings(self, names) -> list[str]:
        """One warning per poet in `names` that the adapter saw too few poems of."""
        cards = [self.poet(name) for name in names]
        return [f"{c.name}: only {c.poems} training poems; the voice will be weak"
                for c in cards if c is not None and self.trained and c.thin]

    def unavailable(self) -> dict[str, str]:
        """The studio poets this model cannot write as, each with the reason."""
        return {p.name: p.reason for p in self.poets if not p.available}

    def studio_rows(self) -> list[str]:
        """The Poets pane's rows: the studio's ten, then other poets learned from MIN_EXTRA_POEMS poems or more."""
        studio = {p.name for p in STUDIO_POETS}
        extra = [p.name for p in self.poets if p.name not in studio and p.available and p.poems >= MIN_EXTRA_POEMS]
        return [p.name for p in STUDIO_POETS] + extra

    def resolve(self, blend: Mapping[str, float]) -> dict[str, float]:
        """A blend as written (any spelling of the poets' names) mapped to this model's poets, its weights
        checked and normalised to sum to 1; a poet it cannot write as or a bad weight is a one-line UserError."""
        known = self.writable()
        resolved: dict[str, float] = {}
        for written, weight in checked_weights(blend).items():
            try:
                poet = resolve_poet(written, known)
            except ValueError as exc:
                studio = studio_poet(canonical_poet(written))
                card = self.poet(studio.name) if studio is not None else None
                if card is not None and not card.available:
                    raise UserError(f"this model cannot write as {card.name}: {card.reason}; "
                                    f"it knows: {', '.join(known)}") from None
                raise UserError(str(exc)) from None
            resolved[poet] = resolved.get(poet, 0.0) + weight
        return normalised(resolved)


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


def card_from_metadata(metadata: Mapping, path: Path | None = None) -> ModelCard:
    """The card of an adapter whose metadata (as `read_metadata` gives it) is `metadata`; `{}` for a model
    without poet metadata, which writes as any studio poet by describing the blend in words."""
    trained = metadata.get("poets", {})
    poets = [PoetCard(name, int(counts.get("poems", 0)), int(counts.get("examples", 0)))
             for name, counts in trained.items()]
    for poet in STUDIO_POETS:
        if poet.name not in trained:
            reason = IN_COPYRIGHT if not poet.public_domain else NOT_TRAINED
            poets.append(PoetCard(poet.name, available=not trained, reason="" if not trained else reason))
    order = {p.name: i for i, p in enumerate(STUDIO_POETS)}
    poets.sort(key=lambda p: (order.get(p.name, len(order)), p.name))
    return ModelCard(path, tuple(poets), dict(metadata.get("moods", {})),
                     exact=metadata.get("blend_mode") == "exact" and bool(trained), trained=bool(trained))


def read_model_card(path: str | Path | None = None) -> ModelCard:
    """The card of an adapter folder (the shipped one by default) from its poetstudio.json."""
    folder = Path(path) if path else default_adapter_dir()
    meta_file = folder / "poetstudio.json"
    if not meta_file.exists():
        raise UserError(f"{folder} has no poetstudio.json; give an adapter folder made by `poetstudio train`")
    return card_from_metadata(read_metadata(meta_file), folder)
