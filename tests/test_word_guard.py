"""The real-words guard of free verse: invented words are refused as they are spelled, real ones (inflected,
archaic, elided, hyphenated, in Cummings' brackets) pass, the shipped model's guarded poems hold only real
words, and the switch reaches the engine from the CLI, the config and saved settings."""

from __future__ import annotations

import re

import pytest

from poetstudio.engine.sampling_settings import Sampling, SamplingError


@pytest.fixture(scope="module")
def words(shipped_tokenizer):
    from poetstudio.forms.tokens import token_facts
    from poetstudio.forms.word_guard import real_words

    return real_words(token_facts(shipped_tokenizer))


def guard_after(tokenizer, words, text: str):
    """A guard that has followed `text` token by token."""
    from poetstudio.forms.tokens import token_facts
    from poetstudio.forms.word_guard import WordGuard

    guard = WordGuard(token_facts(tokenizer), words)
    for token in tokenizer.encode(text, add_special_tokens=False):
        guard.push(token)
    return guard


def ids(tokenizer, text: str) -> list[int]:
    return tokenizer.encode(text, add_special_tokens=False)


@pytest.mark.parametrize("word", ["stars", "dimm'd", "o'er", "'tis", "heav'n", "thou", "Nevermore", "thro'"])
def test_real_words_inflections_archaisms_and_elisions_are_words(words, word):
    assert words.is_word(word)


@pytest.mark.parametrize("word", ["credged", "solding", "pirting", "strendering", "garched"])
def test_invented_words_are_not(words, word):
    assert not words.is_word(word)


def test_a_word_the_model_is_inventing_cannot_be_closed(shipped_tokenizer, words):
    guard = guard_after(shipped_tokenizer, words, "And the sea-c")
    assert guard.partial == "c"
    red, ged, space = ids(shipped_tokenizer, "red")[0], ids(shipped_tokenizer, "ged")[0], ids(shipped_tokenizer, " ")[0]
    assert guard.allows(red)  # "cred" can still become "credit"
    guard.push(red)
    assert not guard.allows(ged)  # no word starts with "credged"
    assert not guard.allows(space) and not guard.allows(ids(shipped_tokenizer, ",")[0])  # "cred" is no word
    assert guard.allows(ids(shipped_tokenizer, "it")[0])


def test_whole_words_close_and_anything_without_letters_passes(shipped_tokenizer, words):
    guard = guard_after(shipped_tokenizer, words, "(the mud-luscious")
    assert guard.allows(ids(shipped_tokenizer, ")")[0]) and guard.allows(ids(shipped_tokenizer, "\n")[0])
    guard = guard_after(shipped_tokenizer, words, "my heart ")
    assert guard.partial == ""
    assert guard.allows(ids(shipped_tokenizer, "&")[0]) and guard.allows(ids(shipped_tokenizer, "12")[0])
    assert guard.allows(shipped_tokenizer.eos_token_id)


def test_the_mask_leaves_real_candidates_and_never_stalls(shipped_tokenizer):
    import torch

    from poetstudio.engine.constraints import word_constraint

    constraint = word_constraint(shipped_tokenizer)
    for token in ids(shipped_tokenizer, "And the sea-c"):
        constraint.advance(token)
    scores = torch.full((len(shipped_tokenizer),), -30.0)
    red, ged = ids(shipped_tokenizer, "red")[0], ids(shipped_tokenizer, "ged")[0]
    constraint.advance(red)
    scores[ged], scores[ids(shipped_tokenizer, "it")[0]] = 5.0, 1.0
    masked = constraint.mask(scores)
    assert masked[ged] == float("-inf") and masked[ids(shipped_tokenizer, "it")[0]] == 1.0
    assert constraint.done is False


@pytest.fixture(scope="module")
def engine():
    from poetstudio.engine.engine import Engine

    engine = Engine()
    engine.load()
    return engine


def test_the_shipped_models_guarded_poems_hold_only_real_words(engine, words):
    from poetstudio.engine.request import PoemRequest

    found = []
    for seed, poet in enumerate(["Walt Whitman", "Edgar Allan Poe", "E. E. Cummings"]):
        poem = engine.generate(PoemRequest("the sea at night", {poet: 1.0}, strength=3.0,
                                           sampling=Sampling(seed=500 + seed, max_new_tokens=120)))
        found += re.findall(r"[A-Za-z'\u2019]+", poem.text)
    assert len(found) > 100
    assert [w for w in found if not words.is_word(w)] == []


def test_the_switch_is_checked_and_reaches_the_cli_and_the_config(tmp_path):
    from poetstudio.cli import build_parser
    from poetstudio.commands.generate import sampling_from
    from poetstudio.config import load_config
    from poetstudio.errors import UserError

    with pytest.raises(SamplingError, match="real_words must be true or false"):
        Sampling(real_words="yes")
    assert Sampling().real_words is True
    args = build_parser().parse_args(["generate", "x", "--blend", "poe=1", "--any-words"])
    assert sampling_from(args).real_words is False
    assert sampling_from(build_parser().parse_args(["generate", "x", "--blend", "poe=1"])).real_words is True
    path = tmp_path / "config.toml"
    path.write_text("[sampling]\nreal_words = false\n")
    assert load_config(path).sampling.sampling().real_words is False
    path.write_text('[sampling]\nreal_words = "no"\n')
    with pytest.raises(UserError, match=r"real_words must be a bool"):
        load_config(path)


def test_a_saved_poems_switch_is_kept_and_a_damaged_one_named():
    from types import SimpleNamespace

    from poetstudio.ui.poem_fields import check_fields

    def saved(sampling):
        return SimpleNamespace(blend={"Edgar Allan Poe": 1.0}, sampling=sampling, seed=1, analysis={})

    assert check_fields(saved({"real_words": False, "top_k": 40})).sampling == {"real_words": False, "top_k": 40}
    damaged = check_fields(saved({"real_words": "no", "top_k": 40}))
    assert damaged.sampling == {"top_k": 40} and damaged.damaged == ["sampling"]
