"""The judge: trained on a tiny fixture of three fake poets, exported without pickle, read back without
scikit-learn or torch with the same predictions, and used by the studio's *reads like*. Nothing here
depends on the judge's accuracy on the real corpus (that lives in bench/judge.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from poetstudio.analysis.attribution import Attribution
from poetstudio.analysis.judge import META_FILE, WEIGHTS_FILE, line_chunks, load_judge, save_judge
from poetstudio.corpus import read_path
from poetstudio.corpus.split import split_corpus
from poetstudio.errors import UserError

pytest.importorskip("sklearn")
from trainer.judge import fit_judge, passage_accuracy, sklearn_probabilities  # noqa: E402

POETS = ["Ada Fen", "Bram Holt", "Cora Vell"]
FIXTURE = Path(__file__).parent / "fixtures" / "judge_poets.jsonl"  # 22 short poems each, in three made-up styles


@pytest.fixture(scope="module")
def split():
    return split_corpus(read_path(FIXTURE).poems)


@pytest.fixture(scope="module")
def fit(split):
    return fit_judge(split.train)


@pytest.fixture(scope="module")
def saved(fit, tmp_path_factory):
    return save_judge(fit.judge, tmp_path_factory.mktemp("judge"))


def test_the_judge_learns_every_fixture_poet_and_names_their_held_out_poems(fit, split):
    assert fit.judge.poets == POETS
    accuracy = passage_accuracy(fit.judge, split.heldout)
    assert set(accuracy) == set(POETS)
    assert all(right == total > 0 for right, total in accuracy.values()), accuracy


def test_a_corpus_without_two_poets_of_enough_poems_is_a_clear_error(split):
    with pytest.raises(UserError, match="at least two poets"):
        fit_judge([p for p in split.train if p.poet == "Ada Fen"])


def test_the_export_is_json_and_safetensors_and_predicts_as_scikit_learn_does(fit, saved, split):
    assert sorted(f.name for f in saved.iterdir()) == sorted([META_FILE, WEIGHTS_FILE])
    json.loads((saved / META_FILE).read_text())
    loaded = load_judge(saved)
    texts = [chunk for poem in split.heldout + split.train[:6] for chunk in line_chunks(poem.text)]
    texts.append("Words the judge has never seen: zyx qwv.")
    ours = np.exp([loaded.passage_logprobs(t) for t in texts])
    assert ours == pytest.approx(sklearn_probabilities(fit, texts), abs=1e-5)


def test_shares_of_a_long_poem_average_its_passages_and_sum_to_one(saved):
    judge = load_judge(saved)
    poem = "\n".join(["the tide and the foam --"] * 40)
    shares = judge.probabilities(poem)
    assert len(line_chunks(poem)) == 3 and sum(shares.values()) == pytest.approx(1.0)
    assert max(shares, key=shares.get) == "Ada Fen"
    empty = judge.attribute("  \n")
    assert empty.method == "judge" and len(set(empty.shares.values())) == 1


def test_passages_are_even_and_capped():
    assert [c.count("\n") + 1 for c in line_chunks("\n".join(f"line {i}" for i in range(15)))] == [8, 7]
    assert len(line_chunks("\n".join(f"line {i}" for i in range(1000)))) == 8
    assert line_chunks("\n\n") == [] and line_chunks("one\n\n\ntwo") == ["one\ntwo"]


def test_inference_imports_neither_scikit_learn_nor_torch(saved):
    code = (f"import sys\nfrom poetstudio.analysis.judge import load_judge\n"
            f"print(load_judge({str(saved)!r}).attribute('the tide and the foam --').best)\n"
            "print(','.join(m for m in ('sklearn', 'scipy', 'torch', 'transformers') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["Ada Fen", ""]


def test_broken_or_missing_judge_files_are_one_line_errors(saved, tmp_path):
    with pytest.raises(UserError, match="no judge here"):
        load_judge(tmp_path)
    (tmp_path / META_FILE).write_text((saved / META_FILE).read_text())
    (tmp_path / WEIGHTS_FILE).write_bytes(b"not safetensors")
    with pytest.raises(UserError, match="broken judge files"):
        load_judge(tmp_path)


def test_reads_like_in_the_engine_is_the_judge_and_needs_no_model(saved):
    from poetstudio.engine.engine import Engine
    from poetstudio.model_spec import spec_from_names

    engine = Engine(spec_from_names(judge=saved), device="cpu")
    attribution = engine.attribute("O thee, my heart, and thy eyes;\nO Love, fair hath doth!", "a title")
    assert attribution.method == "judge" and attribution.best == "Bram Holt"
    assert set(attribution.shares) == set(POETS) and engine.loaded is None


def test_an_attribution_keeps_its_method_and_old_records_read_as_the_model():
    judged = Attribution({"A": 0.7, "B": 0.3}, {}, 1, "judge")
    assert Attribution.from_dict(json.loads(json.dumps(judged.to_dict()))) == judged
    assert Attribution.from_dict({"shares": {"A": 1.0}, "loglik": {}, "tokens": 9}).method == "model"


def test_train_recipe_judge_builds_and_saves_it(tmp_path, capsys):
    from poetstudio.cli import main

    assert main(["train", "--recipe", "judge", "--corpus", str(FIXTURE),
                 "--output", str(tmp_path / "judge")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("judge held-out accuracy:") and "saved to" in out
    assert load_judge(tmp_path / "judge").poets == POETS


def test_poetstudio_analyze_says_the_judge_read_the_poem():
    from poetstudio.commands.analyze import format_attribution

    text = format_attribution(Attribution({"A B": 0.7, "C D": 0.3}, {}, 2, "judge"), ["Wallace Stevens"])
    assert "the judge" in text.splitlines()[0] and "not judged" in text.splitlines()[-1]
