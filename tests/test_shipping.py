"""Shipping a run's adapter as the package's default (trainer/shipping.py): what is copied, the base named by hub
id, and a bad run or target refused before anything is touched."""

from __future__ import annotations

import json

import pytest

from poetstudio.errors import UserError
from trainer.shipping import ADAPTER_FILES, TOKENIZER_FILES, ship


def finished_run(folder, base="smollm2-135m-instruct"):
    """A run folder with an adapter's files, its base's tokenizer and a checkpoint."""
    folder.mkdir()
    (folder / "poetstudio.json").write_text(json.dumps({"base_model": base, "poets": {}}))
    (folder / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": "/root/.cache/x"}))
    for name in ("adapter_model.safetensors", "words.txt", *TOKENIZER_FILES):
        (folder / name).write_text(name)
    (folder / "checkpoint").mkdir()
    return folder


def test_a_run_ships_its_adapter_and_tokenizer_with_the_base_named_by_hub_id(tmp_path):
    run, target = finished_run(tmp_path / "run"), tmp_path / "shipped"
    target.mkdir()
    (target / "stale.bin").write_text("old")
    written = ship(run, target)
    assert sorted(p.name for p in written) == sorted(ADAPTER_FILES + TOKENIZER_FILES)
    assert sorted(p.name for p in target.iterdir()) == sorted(ADAPTER_FILES + TOKENIZER_FILES)
    config = json.loads((target / "adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == "HuggingFaceTB/SmolLM2-135M-Instruct"


def test_a_base_of_ones_own_keeps_its_name(tmp_path):
    base = tmp_path / "base"
    base.mkdir()
    run, target = finished_run(tmp_path / "run", str(base)), tmp_path / "shipped"
    ship(run, target)
    assert json.loads((target / "adapter_config.json").read_text())["base_model_name_or_path"] == str(base)


@pytest.mark.parametrize("damage", ["no weights", "no base named", "same folder", "no tokenizer"])
def test_a_bad_run_is_one_line_and_the_target_is_left_alone(tmp_path, damage):
    run, target = finished_run(tmp_path / "run"), tmp_path / "shipped"
    target.mkdir()
    (target / "kept.txt").write_text("kept")
    if damage == "no weights":
        (run / "adapter_model.safetensors").unlink()
    elif damage == "no base named":
        (run / "poetstudio.json").write_text("{}")
    elif damage == "same folder":
        target = run
    else:
        (run / "tokenizer.json").unlink()
        (run / "poetstudio.json").write_text(json.dumps({"base_model": str(tmp_path / "bare")}))
        (tmp_path / "bare").mkdir()
    with pytest.raises(UserError) as caught:
        ship(run, target)
    assert "\n" not in str(caught.value)
    assert (tmp_path / "shipped" / "kept.txt").read_text() == "kept"
