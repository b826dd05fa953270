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
from poetstudio.model_spec import SHIPPED_DIR, ModelSpec, shipped_spec
from poetstudio.poets import STUDIO_POETS, canonical_poet, resolve_poet, studio_poet
from poetstudio.prompt_format import FORMATS, HEADER

DEFAULT_MODEL_DIR = SHIPPED_DIR
THIN_POEMS = 20  # under this many training poems a poet's voice is barely learned; the studio warns
THIN_TOKENS = 10_000  # below this many tokens of a poet's verse a voice is barely learned: `corpus stats` marks
#                       such poets in a fine-tuning corpus, and the model card such authors of a pretraining
MIN_EXTRA_POEMS = 5  # poets outside the studio's ten get a studio row only when the adapter learned them from this many
METADATA_FILE = "poetstudio.json"
IN_COPYRIGHT = "no public-domain poems (in copyright)"
NOT_TRAINED = "not in this model's training data"
GAIN_RANGE = (0.1, 10.0)  # a balance gain outside this is a slip, not a fit: the fit keeps every pair of gains within
#                           4x of each other around a geometric mean of 1 (trainer/balance.py MAX_GAIN)


def default_adapter_dir() -> Path:
    """The shipped poet-fusion adapter folder."""
    return DEFAULT_MODEL_DIR / "adapter"


def default_tokenizer_dir() -> Path:
    """Where the shipped base's tokenizer lies without converting the base: in the shipped adapter's folder."""
    return default_adapter_dir()


def default_judge_dir() -> Path:
    """The shipped judge's folder (the poet classifier behind *reads like*; `poetstudio train --recipe judge`)."""
    return DEFAULT_MODEL_DIR / "judge"


@dataclass(frozen=True)
class PoetCard:
    """A poet as the model knows them: training counts, or why the model cannot write as them.

    A poet the adapter was fine-tuned on has `poems` and `examples`; an author the base model only met in
    pretraining (`pretrained_only`) has `tokens` and `books` of verse read under their name."""

    name: str
    poems: int = 0
    examples: int = 0
    available: bool = True
    reason: str = ""
    tokens: int = 0
    books: int = 0
    pretrained_only: bool = False

    @property
    def from_books(self) -> bool:
        """True for an author learned from verse read under their name (in pretraining, or from their books in
        the adapter's run) rather than from the corpus's poems."""
        return self.pretrained_only or (self.poems == 0 and self.tokens > 0)

    @property
    def thin(self) -> bool:
        """True when the model saw too little of the poet to learn the voice well."""
        if self.from_books:
            return self.tokens < THIN_TOKENS
        return self.available and self.poems < THIN_POEMS

    def weak_voice(self) -> str:
        """Why the voice will be weak, for a warning."""
        if self.from_books:
            where = "in pretraining" if self.pretrained_only else "in training"
            return f"{self.name}: only {self.tokens:,} tokens of verse {where}; the voice will be weak"
        return f"{self.name}: only {self.poems} training poems; the voice will be weak"


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
    authors: tuple[PoetCard, ...] = ()
    """Authors the model learned under their names beyond `poets` (the adapter's book authors, the base's
    pretraining authors), most text first (empty where neither had a general corpus); in an exact blend they join
    like any poet."""
    prompt_format: str = HEADER
    """The prompt format the adapter was trained in (its metadata's `prompt_format`; adapters from before
    the field are `header`). A model without an adapter takes its tokenizer's natural format instead."""
    balance: Mapping[str, float] = field(default_factory=dict)
    """Each poet's gain in an exact blend (`poetstudio train --recipe balance`, trainer/balance.py): a reader
    independent of the model heard some voices fainter than others at equal weights, so the engine weighs each
    poet's row by weight x gain, renormalised. A poet not listed has gain 1; a single poet is never changed."""

    def poet(self, name: str) -> PoetCard | None:
        """The card of the poet or author called exactly `name`, if the model lists them."""
        return next((p for p in (*self.poets, *self.authors) if p.name == name), None)

    def writable(self) -> list[str]:
        """Names of the poets this model can write as: the adapter's, then every author its base learned."""
        return [p.name for p in self.poets if p.available] + [a.name for a in self.authors]

    def studio_writable(self) -> list[str]:
        """The poets the adapter itself writes as (without the base's other authors)."""
        return [p.name for p in self.poets if p.available]

    def solid(self) -> list[str]:
        """Writable poets learned from THIN_POEMS poems or more (all writable ones where fewer than two are)."""
        solid = [p.name for p in self.poets if p.available and (not self.trained or not p.thin)]
        return solid if len(solid) >= 2 else self.studio_writable()

    def thin_warnings(self, names) -> list[str]:
        """One warning per poet in `names` the model saw too little of (few adapter poems, or little
        pretraining verse for an author only the base learned)."""
        cards = [self.poet(name) for name in names]
        return [c.weak_voice() for c in cards if c is not None and self.trained and c.thin]

    def unavailable(self) -> dict[str, str]:
        """The studio poets this model cannot write as, each with the reason."""
        return {p.name: p.reason for p in self.poets if not p.available}

    def studio_rows(self) -> list[str]:
        """The Poets pane's rows: the studio's ten, then other poets learned from MIN_EXTRA_POEMS poems or more."""
        studio = {p.name for p in STUDIO_POETS}
        extra = [p.name for p in self.poets if p.name not in studio and p.available and p.poems >= MIN_EXTRA_POEMS]
        return [p.name for p in STUDIO_POETS] + extra

    def unknown_hint(self) -> str | None:
        """How the error for a name that matches no poet ends: short even with many authors."""
        if not self.authors:
            return None
        return (f"known poets: {', '.join(self.studio_writable())} "
                f"(`poetstudio poets --all` lists {len(self.authors)} more authors)")

    def resolve(self, blend: Mapping[str, float]) -> dict[str, float]:
        """A blend as written (any spelling of the poets' names) mapped to this model's poets, its weights
        checked and normalised to sum to 1; a poet it cannot write as or a bad weight is a one-line UserError."""
        known = self.writable()
        resolved: dict[str, float] = {}
        for written, weight in checked_weights(blend).items():
            try:
                poet = resolve_poet(written, self.studio_writable())
            except ValueError:
                poet = None
            try:
                poet = poet or resolve_poet(written, known, self.unknown_hint())
            except ValueError as exc:
                studio = studio_poet(canonical_poet(written))
                card = self.poet(studio.name) if studio is not None else None
                if card is not None and not card.available:
                    raise UserError(f"this model cannot write as {card.name}: {card.reason}; "
                                    f"it knows: {', '.join(self.studio_writable())}") from None
                raise UserError(str(exc)) from None
            resolved[poet] = resolved.get(poet, 0.0) + weight
        return normalised(resolved)

    def row_weights(self, blend: Mapping[str, float]) -> list[float]:
        """The weights the engine gives the blend's poet rows (in the blend's order): each resolved weight times
        the poet's balance gain, renormalised to sum to 1. Without a balance they are the blend's own weights."""
        gains = [self.balance.get(poet, 1.0) for poet in blend]
        if all(gain == 1.0 for gain in gains):
            return list(blend.values())
        gained = [weight * gain for weight, gain in zip(blend.values(), gains)]
        total = sum(gained)
        return [g / total for g in gained] if total > 0 else list(blend.values())

    def blend_shares(self, row_shares: Mapping[str, float]) -> dict[str, float]:
        """`row_weights` undone: shares fitted on the rows' scale (weight x gain) back on the scale a person
        sets, each divided by its poet's gain and renormalised; unchanged without a balance."""
        if not any(self.balance.get(poet, 1.0) != 1.0 for poet in row_shares):
            return dict(row_shares)
        shares = {poet: share / self.balance.get(poet, 1.0) for poet, share in row_shares.items()}
        total = sum(shares.values())
        return {poet: share / total for poet, share in shares.items()} if total > 0 else dict(row_shares)


def read_balance(metadata: Mapping) -> dict[str, float]:
    """The `balance.gains` table of an adapter's metadata ({} where there is none, or where it is not one that
    read_metadata accepts: that refuses it with a message first)."""
    if balance_problem(metadata) is not None:
        return {}
    return {poet: float(gain) for poet, gain in metadata.get("balance", {}).get("gains", {}).items()}


def _gain_fits(gain) -> bool:
    """True for a number (not a bool) within GAIN_RANGE."""
    if isinstance(gain, bool) or not isinstance(gain, (int, float)):
        return False
    try:
        return GAIN_RANGE[0] <= float(gain) <= GAIN_RANGE[1]
    except OverflowError:
        return False


def balance_problem(metadata: Mapping) -> str | None:
    """What is wrong with the metadata's `balance` ({"gains": {poet: number}, ...}), or None where it is fine
    or absent: every gain a number within GAIN_RANGE, every poet one the adapter was trained on."""
    if "balance" not in metadata:
        return None
    balance = metadata["balance"]
    gains = balance.get("gains") if isinstance(balance, dict) else None
    if not isinstance(gains, dict):
        return 'its balance must be an object with "gains": {poet: gain}'
    trained = metadata.get("poets", {})
    unknown = [poet for poet in gains if trained and poet not in trained]
    if unknown:
        return f"its balance names {unknown[0]!r}, a poet the adapter was not trained on"
    wrong = [poet for poet, gain in gains.items() if not _gain_fits(gain)]
    if wrong:
        return (f"its balance gain for {wrong[0]} must be a number from {GAIN_RANGE[0]:g} to {GAIN_RANGE[1]:g}, "
                f"not {gains[wrong[0]]!r}"[:200])
    return None


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
    problem = balance_problem(metadata)
    if problem is not None:
        raise UserError(f"{meta_file}: {problem}; delete the \"balance\" entry there (blends then weigh every "
                        "poet 1), and `poetstudio train --recipe balance` fits it again")
    return metadata


def card_from_metadata(metadata: Mapping, path: Path | None = None, base: Mapping | None = None) -> ModelCard:
    """The card of an adapter whose metadata (as `read_metadata` gives it) is `metadata`; `{}` for a model
    without poet metadata, which writes as any studio poet by describing the blend in words. `base` is the
    base model's metadata: its pretraining authors join the card (exact blending only)."""
    learned = metadata.get("poets", {})
    trained = {name: counts for name, counts in learned.items() if studio_poet(name) is not None
               or int(counts.get("poems", 0)) > 0}
    poets = [PoetCard(name, int(counts.get("poems", 0)), int(counts.get("examples", 0)))
             for name, counts in trained.items()]
    book_authors = [PoetCard(name, examples=int(counts.get("examples", 0)), tokens=book_tokens(counts))
                    for name, counts in learned.items() if name not in trained]
    for poet in STUDIO_POETS:
        if poet.name not in trained:
            reason = IN_COPYRIGHT if not poet.public_domain else NOT_TRAINED
            poets.append(PoetCard(poet.name, available=not trained, reason="" if not trained else reason))
    order = {p.name: i for i, p in enumerate(STUDIO_POETS)}
    poets.sort(key=lambda p: (order.get(p.name, len(order)), p.name))
    exact = metadata.get("blend_mode") == "exact" and bool(trained)
    listed = {p.name for p in poets}
    pretrained = [
        PoetCard(name, tokens=int(stats.get("tokens", 0)), books=int(stats.get("books", 0)), pretrained_only=True)
        for name, stats in pretrained_authors(base or {}).items()
        if name not in listed and isinstance(stats, Mapping) and stats.get("conditioned_documents", 1)
    ]
    authors = tuple(sorted(book_authors + [a for a in pretrained if a.name not in learned],
                           key=lambda a: (-a.tokens, a.name))) if exact else ()
    return ModelCard(path, tuple(poets), dict(metadata.get("moods", {})), exact=exact, trained=bool(trained),
                     authors=authors, prompt_format=declared_format(metadata),
                     balance=read_balance(metadata) if exact else {})


def declared_format(metadata: Mapping) -> str:
    """The prompt format an adapter's metadata declares; `header` for adapters written before it was recorded
    (they were all trained on the header format)."""
    fmt = metadata.get("prompt_format", HEADER)
    if fmt not in FORMATS:
        raise UserError(f"the adapter's poetstudio.json names an unknown prompt_format {fmt!r} (known: "
                        f"{', '.join(FORMATS)}); train the adapter again with this poetstudio")
    return fmt


CHARS_PER_TOKEN = 4  # verse in SmolLM2's tokenizer: poems.jsonl is 2.58M characters in 634k tokens (4.07)


def book_tokens(counts: Mapping) -> int:
    """Tokens of book verse an adapter's run read under an author's name (its metadata's `book_tokens`, else
    estimated from `book_chars`)."""
    if "book_tokens" in counts:
        return int(counts["book_tokens"])
    return int(counts.get("book_chars", 0)) // CHARS_PER_TOKEN


def pretrained_authors(base: Mapping) -> Mapping:
    """The `authors` table of a base model's metadata ({} where there is none or it is not a table). An
    author whose text was never read under their name (anthologies: 'Various') is listed but is no voice."""
    authors = base.get("authors")
    return authors if isinstance(authors, Mapping) else {}


def read_base_metadata(base: str | Path | None) -> dict:
    """A local base model folder's poetstudio.json ({} for a hub id or a folder without one)."""
    meta_file = Path(base) / METADATA_FILE if base else None
    return read_metadata(meta_file) if meta_file is not None and meta_file.is_file() else {}


def adapter_folder_problem(adapter: str) -> str | None:
    """Why `adapter`, named as a folder on this machine, cannot be one (it does not exist, or is a file), as one
    line that says what to give; None where it is a folder."""
    folder = Path(adapter).expanduser()
    give = "give an adapter folder made by `poetstudio train`, or leave --adapter out for the shipped one"
    if not folder.exists():
        return f"adapter folder {adapter} does not exist; {give}"
    if not folder.is_dir():
        return f"{adapter} is a file, not an adapter folder; {give}"
    return None


def read_model_card(spec: ModelSpec | None = None) -> ModelCard:
    """The card of a model's adapter (the shipped model by default) from its poetstudio.json: its poets, the
    authors it read under their names, and those its base learned in pretraining (where the base's folder lists
    them); a base alone has the untrained card."""
    spec = spec or shipped_spec()
    if spec.adapter is None:
        return card_from_metadata({}, None, read_base_metadata(spec.base_folder))
    folder = Path(spec.adapter)
    problem = adapter_folder_problem(spec.adapter)
    if problem is not None:
        raise UserError(problem)
    meta_file = folder / METADATA_FILE
    if not meta_file.is_file():
        raise UserError(f"{folder} has no poetstudio.json; give an adapter folder made by `poetstudio train`")
    return card_from_metadata(read_metadata(meta_file), folder, read_base_metadata(spec.base_folder))
