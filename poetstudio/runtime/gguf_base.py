"""A GGUF base converted once into the user cache as a plain model folder (safetensors + tokenizer).

transformers reads a GGUF with `from_pretrained(folder, gguf_file=..., quantization_config=GgufConfig(
dequantize=True))`: 17 s on two cores, mostly the tokenizer rebuilt from the GGUF's vocabulary. Converted once
and kept under `paths.bases_dir()/<the GGUF's hash>/`, later loads read safetensors in about a second.
The weights are kept in fp32: dequantized 4-bit values (scale x q + minimum) are exact there and not in fp16
or bf16. A folder is trusted only when its manifest (written last) lists every file with its size and SHA-256
and they match; anything else is deleted and converted again.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from poetstudio.model_source import CONVERSION_MANIFEST, ModelSource, file_sha256
from poetstudio.paths import bases_dir

MANIFEST = CONVERSION_MANIFEST
CONVERSION_VERSION = 1


def _manifest(folder: Path, key: str) -> dict:
    files = {f.name: {"bytes": f.stat().st_size, "sha256": file_sha256(f)}
             for f in sorted(folder.iterdir()) if f.is_file() and f.name != MANIFEST}
    return {"version": CONVERSION_VERSION, "key": key, "files": files}


def is_complete(folder: Path, key: str) -> bool:
    """True when `folder` holds a finished conversion of `key`: every listed file there with its size and hash."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("version") != CONVERSION_VERSION or manifest.get("key") != key or not manifest["files"]:
            return False
        for name, facts in manifest["files"].items():
            file = folder / name
            if file.stat().st_size != facts["bytes"] or file_sha256(file) != facts["sha256"]:
                return False
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False
    return True


def convert(source: ModelSource, target: Path, key: str, status: Callable[[str], None]) -> None:
    """Dequantize the GGUF into `target` (model, config, tokenizer), then write the manifest last."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    from poetstudio.runtime.hub import LOAD_OPTIONS

    gguf = source.gguf_path()
    status(f"converting {gguf.name} (once): reading the tokenizer")
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    status(f"converting {gguf.name} (once): dequantizing the weights")
    # dequantize=True: plain gguf_file= leaves quantization_method=GGUF on the model, which sends decoding to a
    # slow path and makes save_pretrained fail
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32,
                                                 quantization_config=GgufConfig(dequantize=True))
    model.config.quantization_config = None
    if hasattr(model.config, "_name_or_path"):
        model.config._name_or_path = str(gguf)
    status(f"converting {gguf.name} (once): writing the cache")
    model.save_pretrained(target)
    for option in LOAD_OPTIONS:
        tokenizer.init_kwargs.pop(option, None)
    tokenizer.save_pretrained(target)
    (target / MANIFEST).write_text(json.dumps(_manifest(target, key), indent=1), encoding="utf-8")


@contextmanager
def conversion_lock(folder: Path, on_wait: Callable[[], None] = lambda: None) -> Iterator[None]:
    """Held while one process checks and converts a base into `folder`'s parent (the bases folder, itself the
    lock, so no lock file is left behind): a second process that wants a base (the studio and `generate` started
    together, parallel test workers) waits for the first one's conversion and then uses it, instead of doing the
    same minute of work beside it. Where the OS has no `fcntl` (Windows) there is no wait, and two conversions
    still end well: each writes its own partial folder and the first rename wins. `on_wait` is called once if
    the lock is held elsewhere, before waiting."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    folder.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle = os.open(folder.parent, os.O_RDONLY)
    except OSError:  # a folder that can be written but not read: go on unlocked, as on Windows
        yield
        return
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        except OSError:  # file systems without locks (some NFS, CIFS and FUSE mounts): go on unlocked
            pass
        yield
    finally:
        os.close(handle)  # closing the descriptor releases the lock


def converted_folder(source: ModelSource, status: Callable[[str], None] | None = None) -> Path:
    """The cached plain folder for a GGUF or packaged source, converting (and replacing a broken cache) first."""
    status = status or (lambda _: None)
    key = source.content_key()
    folder = bases_dir() / key
    if is_complete(folder, key):
        return folder
    with conversion_lock(folder, lambda: status("another poetstudio is converting a model: waiting for it")):
        return _convert_once(source, folder, key, status)


def _convert_once(source: ModelSource, folder: Path, key: str, status: Callable[[str], None]) -> Path:
    """`folder` complete: as another process left it while this one waited, or converted here now."""
    if is_complete(folder, key):
        return folder
    if folder.exists():
        status(f"the converted model in {folder} is incomplete or damaged: converting it again")
        shutil.rmtree(folder, ignore_errors=True)
    partial = folder.with_name(f"{key}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        convert(source, partial, key, status)
        try:
            partial.rename(folder)
        except OSError:  # another process finished the same conversion first
            if not is_complete(folder, key):
                raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    status("model converted")
    return folder
