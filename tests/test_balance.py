"""The blend balance: each poet's gain in an exact blend (ModelCard.row_weights), how the trainer fits it
(trainer/balance.py with the stylometric reader of trainer/stylometry.py), and the engine weighing rows by it.
Nothing here depends on how well the balance works on real poems: that is bench/judge.py's."""

from __future__ import annotations

import json
import math
import shutil

import pytest

from poetstudio.corpus import read_path
from poetstudio.corpus.split import split_corpus
from poetstudio.engine.request import PoemRequest
from poetstudio.engine.sampling_settings import DEFAULT_STRENGTH, Sampling
from poetstudio.errors import UserError
from poetstudio.model_info import METADATA_FILE, card_from_metadata, default_adapter_dir, read_metadata
from poetstudio.model_spec import spec_from_names
from trainer.balance import (
    MAX_GAIN,
    PRIOR_SLOPE,
    BalanceFit,
    Reading,
    fit_loudness,
    gains_from,
    pair_weights,
    write_balance,
)

READ_POETS = {"William Shakespeare", "Walt Whitman", "John Donne", "Edgar Allan Poe", "Emily Dickinson",
              "E. E. Cummings", "Elizabeth Barrett Browning", "W. B. Yeats"}
POETS = {"Emily Dickinson": {"poems": 300}, "Walt Whitman": {"poems": 150}, "John Donne": {"poems": 100}}
GAINS = {"Emily Dickinson": 1.5, "Walt Whitman": 0.75}


def card(balance=None, mode="exact"):
    metadata = {"blend_mode": mode, "poets": POETS}
    if balance is not None:
        metadata["balance"] = balance
    return card_from_metadata(metadata)


def test_row_weights_multiply_by_the_gains_and_renormalise():
    balanced = card({"gains": GAINS})
    blend = balanced.resolve({"dickinson": 1, "whitman": 1})
    assert blend == {"Emily Dickinson": 0.5, "Walt Whitman": 0.5}  # what the person asked for is kept
    assert balanced.row_weights(blend) == pytest.approx([1.5 / 2.25, 0.75 / 2.25])
    assert balanced.row_weights({"John Donne": 0.5, "Emily Dickinson": 0.5}) == pytest.approx([1 / 2.5, 1.5 / 2.5])


def test_a_single_poet_and_an_unbalanced_card_keep_their_weights():
    assert card({"gains": GAINS}).row_weights({"Walt Whitman": 1.0}) == [1.0]
    uneven = {"Emily Dickinson": 0.1, "Walt Whitman": 0.2, "John Donne": 0.7}  # sums to 1 + 2e-16 in floats
    assert card().row_weights(uneven) == [0.1, 0.2, 0.7]  # to the last bit: the same seed writes the same poem
    assert card({"gains": {"Walt Whitman": 1.0}}).row_weights(uneven) == [0.1, 0.2, 0.7]
    assert card({"gains": GAINS}, mode="prompt").balance == {}  # prompt mode has no rows to weigh


def test_blend_shares_undo_the_gains():
    balanced = card({"gains": GAINS})
    asked = {"Emily Dickinson": 0.3, "Walt Whitman": 0.7}
    rows = dict(zip(asked, balanced.row_weights(asked)))
    assert rows["Emily Dickinson"] > 0.3
    assert balanced.blend_shares(rows) == pytest.approx(asked)
    assert card().blend_shares(asked) == asked


@pytest.mark.parametrize("balance", [[1, 2], {"gains": [1]}, {"gains": {"Walt Whitman": 0}},
                                     {"gains": {"Walt Whitman": "loud"}}, {"gains": {"Walt Whitman": True}},
                                     {"gains": {"Walt Whitman": float("inf")}}, {"slope": 2},
                                     {"gains": {"Walt Whitman": -1.5}}, {"gains": {"Walt Whitman": float("nan")}},
                                     {"gains": {"Walt Whitman": 10**400}}, {"gains": {"Walt Whitman": 1e-320}},
                                     {"gains": {"Nobody": 1.2}}, {"gains": {"emily dickinson": 1.2}}])
def test_a_broken_balance_is_a_one_line_error_that_says_what_to_do(tmp_path, balance):
    meta = tmp_path / METADATA_FILE
    meta.write_text(json.dumps({"blend_mode": "exact", "poets": POETS, "balance": balance}))
    with pytest.raises(UserError) as caught:
        read_metadata(meta)
    message = str(caught.value)
    assert 'delete the "balance" entry' in message and "--recipe balance" in message and "\n" not in message
    assert card(balance).balance == {}  # a card made from unchecked metadata blends unbalanced, no traceback


def readings_for(loudness: dict[str, float], slope: float, offsets: dict[str, float]) -> list[Reading]:
    poets = list(loudness)
    return [Reading(a, b, offsets[a] - offsets[b], loudness[a] - loudness[b] + slope * (offsets[a] - offsets[b]))
            for i, a in enumerate(poets) for b in poets[i + 1:]]


def test_loudness_and_slope_are_recovered_from_two_rounds_of_readings():
    loudness = {"A": 0.9, "B": -0.3, "C": -0.6}
    first = readings_for(loudness, 3.0, {p: 0.0 for p in loudness})
    fitted, slope = fit_loudness(first, list(loudness))
    assert slope == PRIOR_SLOPE  # one round at equal gains cannot measure the slope
    assert fitted == pytest.approx(loudness)
    second = readings_for(loudness, 3.0, {"A": -0.2, "B": 0.1, "C": 0.1})
    fitted, slope = fit_loudness(first + second, list(loudness))
    assert slope == pytest.approx(3.0) and fitted == pytest.approx(loudness)


def test_gains_cancel_loudness_and_are_capped():
    loudness = {"A": 0.9, "B": -0.3, "C": -0.6}
    gains = gains_from(loudness, 3.0)
    assert math.prod(gains.values()) == pytest.approx(1.0)
    for a in loudness:
        for b in loudness:  # at these gains a half-and-half pair is predicted to read half and half
            offset = math.log(gains[a]) - math.log(gains[b])
            assert loudness[a] - loudness[b] + 3.0 * offset == pytest.approx(0.0)
    extreme = gains_from({"A": 30.0, "B": -30.0}, 1.0)
    assert extreme["B"] / extreme["A"] == pytest.approx(MAX_GAIN)
    lopsided = gains_from({"A": 6.0, "B": -2.0, "C": -2.0, "D": -2.0}, 1.0)  # held to MAX_GAIN, mean still 1
    assert lopsided["B"] / lopsided["A"] == pytest.approx(MAX_GAIN) and math.prod(lopsided.values()) == pytest.approx(1)
    within = gains_from({"A": 1.0, "B": -0.3, "C": -0.3, "D": -0.3, "E": -0.1}, 1.0)  # 3.7x apart: left as fitted
    assert within["B"] / within["A"] == pytest.approx(math.exp(1.3))
    assert pair_weights(GAINS, "Emily Dickinson", "Walt Whitman") == pytest.approx(
        {"Emily Dickinson": 2 / 3, "Walt Whitman": 1 / 3})


def test_writing_the_balance_keeps_the_rest_of_the_metadata(tmp_path):
    meta = tmp_path / METADATA_FILE
    meta.write_text(json.dumps({"blend_mode": "exact", "poets": POETS, "moods": {"Joy": 2}}))
    write_balance(tmp_path, BalanceFit(dict(GAINS), 2.8, distance_by_round=[0.2, 0.05]), {"rounds": 2})
    written = read_metadata(meta)
    assert written["moods"] == {"Joy": 2} and written["poets"] == POETS
    assert written["balance"]["gains"] == GAINS and written["balance"]["rounds"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [METADATA_FILE]  # no partial file left behind


def test_a_failed_balance_write_leaves_the_old_metadata(tmp_path, monkeypatch):
    meta = tmp_path / METADATA_FILE
    old = json.dumps({"blend_mode": "exact", "poets": POETS})
    meta.write_text(old)

    def interrupted(source, target):
        raise OSError("disk full")

    monkeypatch.setattr("poetstudio.atomic_file.os.replace", interrupted)
    with pytest.raises(OSError):
        write_balance(tmp_path, BalanceFit(dict(GAINS), 2.8), {})
    assert meta.read_text() == old and sorted(p.name for p in tmp_path.iterdir()) == [METADATA_FILE]


def test_the_shipped_adapter_carries_a_balance_of_the_eight_poets_the_reader_knows():
    metadata = read_metadata(default_adapter_dir() / METADATA_FILE)
    gains = card_from_metadata(metadata).balance
    assert set(gains) == READ_POETS  # Stevens (3 poems) is too thin to read; Stallings is not in the corpus
    assert math.prod(gains.values()) == pytest.approx(1.0, abs=1e-3)
    assert max(gains.values()) / min(gains.values()) <= MAX_GAIN
    assert metadata["balance"]["strength"] == DEFAULT_STRENGTH  # fitted where the studio writes


def test_the_stylometric_reader_learns_the_fixture_poets(fixtures):
    pytest.importorskip("sklearn")
    from trainer.stylometry import fit_reader, reader_accuracy

    split = split_corpus(read_path(fixtures / "judge_poets.jsonl").poems)
    poets = sorted({p.poet for p in split.train})
    reader = fit_reader(split.train, poets)
    right, total = reader_accuracy(reader, split.heldout)
    assert total > 0 and right / total >= 0.8, (right, total)
    shares = reader.probabilities(split.heldout[0].text)
    assert set(shares) == set(poets) and sum(shares.values()) == pytest.approx(1.0)
    with pytest.raises(UserError, match="at least two poets"):
        fit_reader(split.train, poets[:1])


def balanced_copy(chat_adapter, folder):
    """The tiny chat adapter copied into `folder` with GAINS as its balance."""
    shutil.copytree(chat_adapter, folder)
    metadata = read_metadata(folder / METADATA_FILE)
    metadata["balance"] = {"gains": GAINS}
    (folder / METADATA_FILE).write_text(json.dumps(metadata))
    return folder


@pytest.mark.slow
def test_a_balanced_engine_writes_the_poem_of_the_gained_weights(engine, tmp_path, chat_adapter):
    from poetstudio.engine.engine import Engine

    adapter = balanced_copy(chat_adapter, tmp_path / "adapter")
    spec = spec_from_names(engine.spec.base_name, str(adapter))
    balanced = Engine(spec, device="cpu", precision="fp32")  # one weight format: a random model's flat scores
    unbalanced = Engine(spec, device="cpu", balanced=False, precision="fp32")  # would tip on any rounding

    def poem(eng, blend):
        sampling = Sampling(seed=11, max_new_tokens=30)
        return eng.generate(PoemRequest(theme="the sea at night", blend=blend, sampling=sampling, strength=2.0))

    asked = {"Emily Dickinson": 0.5, "Walt Whitman": 0.5}
    written = poem(balanced, asked)
    assert written.blend == asked  # the poem keeps the weights asked for
    rows = balanced.row_weights(asked)
    assert rows == pytest.approx(pair_weights(GAINS, "Emily Dickinson", "Walt Whitman"))
    assert written.text == poem(unbalanced, rows).text
    assert written.text != poem(unbalanced, asked).text
    assert poem(balanced, {"Walt Whitman": 1.0}).text == poem(unbalanced, {"Walt Whitman": 1.0}).text  # a single
    #                                                                                    poet is never changed
    own_read = unbalanced.model_attribute(written.text).shares  # the fit reads the rows' weights...
    assert balanced.model_attribute(written.text).shares == pytest.approx(balanced.card.blend_shares(own_read))
    assert balanced.card.blend_shares(own_read) != pytest.approx(own_read)  # ...and the balance takes the gains off


@pytest.mark.slow
def test_generate_no_balance_gives_the_rows_the_weights_as_set(capsys, tmp_path, tiny_chat_base, chat_adapter):
    from poetstudio.cli import main

    adapter = balanced_copy(chat_adapter, tmp_path / "adapter")
    flags = ["generate", "the sea", "--blend", "dickinson=0.5,whitman=0.5", "--seed", "7", "--max-new-tokens", "24",
             "--device", "cpu", "--json", "--model", str(tiny_chat_base), "--adapter", str(adapter)]
    assert main(flags) == 0
    balanced = json.loads(capsys.readouterr().out)
    assert main(flags + ["--no-balance"]) == 0
    plain = json.loads(capsys.readouterr().out)
    asked = {"Emily Dickinson": 0.5, "Walt Whitman": 0.5}
    assert balanced["blend"] == plain["blend"] == asked  # the poem keeps the weights asked for either way
    assert plain["row_weights"] == asked
    assert balanced["row_weights"]["Emily Dickinson"] == pytest.approx(1.5 / (1.5 + 0.75), abs=0.01)
    assert balanced["text"] != plain["text"]


@pytest.mark.slow
def test_train_recipe_balance_fits_and_writes_the_gains(shared_corpus, tmp_path, capsys, tiny_chat_base,
                                                        chat_adapter):
    pytest.importorskip("sklearn")
    from poetstudio.cli import main

    adapter = tmp_path / "adapter"
    shutil.copytree(chat_adapter, adapter)
    assert main(["train", "--recipe", "balance", "--output", str(adapter), "--base-model", str(tiny_chat_base),
                 "--corpus", str(shared_corpus / "poems.jsonl"), "--balance-poems", "2", "--balance-rounds", "1"]) == 0
    out = capsys.readouterr().out
    assert "held-out passages named right" in out and "round 1/1: 3 pairs x 2 poems read" in out
    balance = read_metadata(adapter / METADATA_FILE)["balance"]
    gains = balance["gains"]
    assert set(gains) == {"Emily Dickinson", "Walt Whitman", "W. B. Yeats"}
    assert math.prod(gains.values()) == pytest.approx(1.0, abs=1e-3)
    assert max(gains.values()) / min(gains.values()) <= MAX_GAIN * 1.001  # gains are written to 4 places
    assert balance["poems_per_pair"] == 2 and balance["rounds"] == 1 and balance["distance_by_round"]


def test_train_recipe_balance_refuses_a_folder_without_an_adapter(tmp_path, capsys):
    from poetstudio.cli import main

    assert main(["train", "--recipe", "balance", "--output", str(tmp_path)]) != 0
    err = capsys.readouterr().err
    assert "no poetstudio.json" in err and "\n" not in err.strip()


def test_poets_shows_each_poets_gain_and_what_it_means(tmp_path, capsys):
    from poetstudio.cli import main

    (tmp_path / METADATA_FILE).write_text(json.dumps({"blend_mode": "exact", "poets": POETS,
                                                      "balance": {"gains": GAINS}}))
    assert main(["poets", "--adapter", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "gain 1.50" in next(line for line in lines if "Emily Dickinson" in line)
    assert "gain" not in next(line for line in lines if "John Donne" in line)
    assert any(line.startswith("gain: each poet's weight") for line in lines)
