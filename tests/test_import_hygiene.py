"""The parts a UI uses never import torch, transformers or peft, so they open at once without a model."""

from __future__ import annotations

import subprocess
import sys

import pytest

LIGHT_MODULES = [
    "poetstudio.cli",
    "poetstudio.model_info",
    "poetstudio.corpus.stats",
    "poetstudio.blend",
    "poetstudio.prompt_format",
    "poetstudio.engine.request",
    "poetstudio.engine.events",
    "poetstudio.commands.generate",
    "poetstudio.ui.app",
    "poetstudio.ui.launch",
    "poetstudio.commands.library",
    "poetstudio.commands.analyze",
    "poetstudio.commands.forms",
    "poetstudio.commands.corpus",
    "poetstudio.commands.config",
    "poetstudio.commands.poets",
    "poetstudio.commands.train",
    "poetstudio.commands.studio",
    "poetstudio.analysis.judge",
]


@pytest.mark.parametrize("module", LIGHT_MODULES)
def test_module_does_not_import_heavy_libraries(module):
    code = (
        f"import sys, {module}\n"
        "heavy = sorted(m for m in ('torch', 'transformers', 'peft') if m in sys.modules)\n"
        "print(','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_the_check_itself_can_fail():
    code = "import sys, poetstudio.engine.engine\nprint('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "True"
