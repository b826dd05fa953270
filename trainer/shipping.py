"""Ship a LoRA run's adapter as the package's default: `python -m trainer.shipping build/adapter-smollm2`.

The shipped adapter folder holds what the engine and plain peft need and nothing of the run's own: the weights,
peft's config (its base named portably: the packaged SmolLM2 as its hub id), poetstudio.json (the poets, the
prompt format, the base's content key), the word list, and the base's tokenizer (so that
token counts and tests read it without converting the base). Checkpoints stay behind in the run folder.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from poetstudio.errors import UserError
from poetstudio.model_source import parse_source, portable_name

ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors", "poetstudio.json", "words.txt")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "chat_template.jinja")
PEFT_CONFIG = "adapter_config.json"


def name_base_portably(folder: Path, base: str) -> None:
    """Rewrite the adapter's peft config to name its base as any machine resolves it (not this machine's cache)."""
    path = Path(folder) / PEFT_CONFIG
    config = json.loads(path.read_text(encoding="utf-8"))
    config["base_model_name_or_path"] = portable_name(parse_source(base))
    path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def tokenizer_folder(run: Path, base: str) -> Path:
    """Where the base's tokenizer files are: the run folder (runs save them) or else the converted base."""
    if all((run / name).is_file() for name in TOKENIZER_FILES[:2]):
        return run
    from poetstudio.runtime.hub import pretrained_location

    return Path(pretrained_location(base)[0])


def ship(run: Path, target: Path) -> list[Path]:
    """Copy a finished run's adapter into `target` (emptied first) and return the files written. Everything is
    checked before `target` is touched; a problem is a one-line UserError."""
    run, target = Path(run), Path(target)
    if run.resolve() == target.resolve():
        raise UserError(f"{run} is the run folder itself; give --target another folder")
    missing = [name for name in ADAPTER_FILES if not (run / name).is_file()]
    if missing:
        raise UserError(f"{run} is not a finished adapter run: {', '.join(missing)} missing")
    try:
        base = json.loads((run / "poetstudio.json").read_text(encoding="utf-8"))["base_model"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UserError(f"{run}/poetstudio.json does not name the run's base ({exc}); train the run again") from None
    tokenizer_from = tokenizer_folder(run, base)
    absent = [name for name in TOKENIZER_FILES[:2] if not (tokenizer_from / name).is_file()]
    if absent:
        raise UserError(f"no {', '.join(absent)} in {tokenizer_from}: the base's tokenizer ships beside the adapter")
    sources = [run / name for name in ADAPTER_FILES] + [tokenizer_from / name for name in TOKENIZER_FILES]
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    written = [Path(shutil.copy2(p, target / p.name)) for p in sources if p.is_file()]
    name_base_portably(target, base)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: ship a run folder's adapter into the package (poetstudio/models/default/adapter)."""
    from poetstudio.model_info import default_adapter_dir

    parser = argparse.ArgumentParser(prog="python -m trainer.shipping", description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="the training run's output folder")
    parser.add_argument("--target", type=Path, default=default_adapter_dir(), help="where the adapter goes")
    args = parser.parse_args(argv)
    try:
        written = ship(args.run, args.target)
    except UserError as exc:
        print(f"python -m trainer.shipping: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(f"{path}  {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
