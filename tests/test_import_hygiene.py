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
    "poetstudio.commands.balance",
    "poetstudio.atomic_file",
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


# Layer rules (docs/DEVELOPING.md, "Layers"): which part of the code may import which. Every module of
# poetstudio/ and trainer/ belongs to the first layer whose prefix it starts with.
LAYER_OF = [
    ("poetstudio.engine.api", "contract"), ("poetstudio.engine.events", "contract"),
    ("poetstudio.engine.request", "contract"), ("poetstudio.engine.sampling_settings", "contract"),
    ("poetstudio.engine.lazy", "contract"), ("poetstudio.config", "contract"),
    ("poetstudio.engine", "engine"), ("poetstudio.runtime", "runtime"),
    ("poetstudio.analysis", "domain"), ("poetstudio.corpus", "domain"), ("poetstudio.library", "domain"),
    ("poetstudio.forms", "domain"), ("poetstudio.ui", "ui"),
    ("poetstudio.commands", "commands"), ("poetstudio.cli", "commands"), ("poetstudio.__main__", "commands"),
    ("trainer", "trainer"), ("poetstudio", "foundation"),
]
MAY_IMPORT = {
    "foundation": {"foundation"},
    "domain": {"foundation", "domain"},
    "contract": {"foundation", "domain", "contract"},
    "runtime": {"foundation", "runtime"},
    "engine": {"foundation", "domain", "contract", "runtime", "engine"},
    "trainer": {"foundation", "domain", "runtime", "trainer"},
    "ui": {"foundation", "domain", "contract", "ui"},
    "commands": {"foundation", "domain", "contract", "runtime", "engine", "trainer", "ui", "commands"},
}
LAZY_EXCEPTIONS = {("poetstudio.engine.lazy", "engine")}  # the studio's engine port builds the engine on first load
HEAVY = ("torch", "transformers", "peft", "bitsandbytes")
TORCH_FREE = {"foundation", "domain", "contract", "ui"}  # never import torch, not even inside a function
ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


def layer_of(module: str) -> str | None:
    """The layer a poetstudio/trainer module belongs to; None for anything else (the stdlib, third parties)."""
    for prefix, layer in LAYER_OF:
        if module == prefix or module.startswith(prefix + "."):
            return layer
    return None


def is_module(root, name: str) -> bool:
    """True when `name` is a module or package of the tree under `root`."""
    base = root.joinpath(*name.split("."))
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def imports_of(path, module: str, root) -> list[tuple[str, bool]]:
    """(imported module, imported at module level) for every import statement in the file; `from x import y`
    counts as importing x.y where y is a module (`from poetstudio.engine import api`), else as importing x."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    top_level = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in top_level) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            names = [f"{base}.{alias.name}" for alias in node.names if is_module(root, f"{base}.{alias.name}")]
            found += [(name, id(node) in top_level) for name in names or [base]]
    return found


def layer_violations(root) -> list[str]:
    """Every import that breaks the layer rules, as 'module imports target (layer -> layer)'."""
    problems = []
    for path in sorted([*root.glob("poetstudio/**/*.py"), *root.glob("trainer/**/*.py")]):
        module = ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
        layer = layer_of(module)
        for target, at_top in imports_of(path, module, root):
            if target.split(".")[0] in HEAVY and layer in TORCH_FREE:
                problems.append(f"{module} imports {target} (the {layer} layer never imports torch)")
            target_layer = layer_of(target)
            if target_layer is None or target_layer in MAY_IMPORT[layer]:
                continue
            if not at_top and (module, target_layer) in LAZY_EXCEPTIONS:
                continue
            problems.append(f"{module} imports {target} ({layer} -> {target_layer})")
    return problems


def test_every_import_keeps_to_the_layer_rules():
    assert layer_violations(ROOT) == []


def test_the_layer_check_finds_a_domain_module_importing_the_engine(tmp_path):
    (tmp_path / "poetstudio" / "analysis").mkdir(parents=True)
    (tmp_path / "trainer").mkdir()
    (tmp_path / "poetstudio" / "analysis" / "sneaky.py").write_text(
        "def read():\n    from poetstudio.engine.engine import Engine\n    import torch\n")
    (tmp_path / "trainer" / "loop.py").write_text("from poetstudio.engine.decode import right_pad\n")
    (tmp_path / "poetstudio" / "ui").mkdir()
    (tmp_path / "poetstudio" / "engine").mkdir()
    (tmp_path / "poetstudio" / "engine" / "__init__.py").write_text("")
    (tmp_path / "poetstudio" / "engine" / "runners.py").write_text("")
    (tmp_path / "poetstudio" / "engine" / "api.py").write_text("")
    (tmp_path / "poetstudio" / "ui" / "pane.py").write_text(
        "from poetstudio.engine import api\nfrom poetstudio.engine import runners\n")
    assert layer_violations(tmp_path) == [
        "poetstudio.analysis.sneaky imports poetstudio.engine.engine (domain -> engine)",
        "poetstudio.analysis.sneaky imports torch (the domain layer never imports torch)",
        "poetstudio.ui.pane imports poetstudio.engine.runners (ui -> engine)",
        "trainer.loop imports poetstudio.engine.decode (trainer -> engine)",
    ]
