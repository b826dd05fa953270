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


@pytest.mark.parametrize("word", ["stars", "dimm'd", "o'er", "'tis", "heav'n", "thou", "Nevermore", "thro'", "zoot"])
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
    assert guard.allows(ids(shipped_tokenizer, "<")[0])  # plain text, not a special token
    guard = guard_after(shipped_tokenizer, words, "the old dill")
    accented = [t for t, text in enumerate(guard.facts.texts)
                if text and all(c.isalpha() and not c.isascii() for c in text)]
    assert accented and not any(guard.allows(t) for t in accented)  # letters outside A-Z are letters too


def test_end_of_text_comes_only_where_a_word_could_end_and_other_specials_never(shipped_tokenizer, words):
    eos, pad = shipped_tokenizer.eos_token_id, shipped_tokenizer.pad_token_id
    assert guard_after(shipped_tokenizer, words, "my heart").allows(eos)
    guard = guard_after(shipped_tokenizer, words, "And the sea-cred")
    assert not guard.allows(eos) and not guard.allows(pad)


def test_every_prefix_the_guard_accepts_can_be_finished(shipped_tokenizer, words):
    guard = guard_after(shipped_tokenizer, words, "a zoot")  # the dictionary has it only as "zoot-suit"
    assert guard.partial == "zoot" and guard.allows(ids(shipped_tokenizer, " ")[0])


def test_the_mask_keeps_the_scores_of_real_candidates_and_rules_out_the_rest(shipped_tokenizer):
    import torch

    from poetstudio.engine.constraints import word_constraint

    constraint = word_constraint(shipped_tokenizer, top_k=40)
    for token in ids(shipped_tokenizer, "And the sea-cred"):
        constraint.advance(token)
    scores = torch.linspace(0.0, -8.0, len(shipped_tokenizer))
    ged, it = ids(shipped_tokenizer, "ged")[0], ids(shipped_tokenizer, "it")[0]
    scores[ged], scores[it] = 5.0, 1.0
    masked = constraint.mask(scores)
    kept = torch.isfinite(masked)
    assert masked[ged] == float("-inf") and masked[it] == 1.0
    assert torch.equal(masked[kept], scores[kept])
    assert all(constraint.guard.allows(t) for t in kept.nonzero().flatten().tolist())


def test_the_window_reaches_top_k_and_an_open_top_k(shipped_tokenizer):
    import torch

    from poetstudio.engine.constraints import OPEN_WINDOW, WINDOW, word_constraint

    assert word_constraint(shipped_tokenizer, top_k=40).window == WINDOW
    assert word_constraint(shipped_tokenizer, top_k=200).window == 200
    constraint = word_constraint(shipped_tokenizer, top_k=0)
    assert constraint.window == OPEN_WINDOW
    spaced = [t for t, text in enumerate(constraint.guard.facts.texts)
              if re.fullmatch(r" [a-z]+", text) and constraint.guard.allows(t)]
    scores = torch.full((len(shipped_tokenizer),), -50.0)
    scores[spaced[:300]] = torch.linspace(2.0, 1.0, 300)
    assert int(torch.isfinite(constraint.mask(scores)).sum()) >= 300


def test_a_word_the_window_cannot_finish_is_finished_from_further_down(shipped_tokenizer, words):
    import torch

    from poetstudio.engine.constraints import WINDOW, WordConstraint
    from poetstudio.forms.tokens import token_facts
    from poetstudio.forms.word_guard import WordGuard

    guard = WordGuard(token_facts(shipped_tokenizer), words)
    guard.partial = "disting"  # only "distinguish..." can follow
    scores = torch.linspace(5.0, -5.0, len(shipped_tokenizer))
    continuing = [t for t, text in enumerate(guard.facts.texts) if text.lower().startswith("u")]
    scores[continuing] = -10.0  # the model ranks every continuation last
    masked = WordConstraint(guard).mask(scores)
    kept = torch.isfinite(masked).nonzero().flatten().tolist()
    assert kept and set(kept) <= set(continuing) and all(guard.allows(t) for t in kept)
    assert not set(kept) & set(torch.topk(scores, WINDOW).indices.tolist())


def test_a_dead_end_passes_the_scores_unguarded_rather_than_stalling(shipped_tokenizer, words):
    import torch

    from poetstudio.engine.constraints import WordConstraint
    from poetstudio.forms.tokens import token_facts
    from poetstudio.forms.word_guard import WordGuard

    guard = WordGuard(token_facts(shipped_tokenizer), words)
    guard.partial = "xqz"  # no real word begins so: nothing can continue or close it
    scores = torch.randn(len(shipped_tokenizer))
    assert torch.equal(WordConstraint(guard).mask(scores), scores)


def test_guarded_poems_hold_only_real_words_even_from_a_random_model(engine):
    from poetstudio.engine.request import PoemRequest
    from poetstudio.forms.tokens import token_facts
    from poetstudio.forms.word_guard import real_words

    loaded = engine.load()
    words = real_words(token_facts(loaded.tokenizer), loaded.words)

    found = []
    for seed, poet in enumerate(engine.known_poets()):
        poem = engine.generate(PoemRequest("the sea at night", {poet: 1.0}, strength=3.0,
                                           sampling=Sampling(seed=500 + seed, max_new_tokens=120)))
        found += re.findall(r"[A-Za-z'\u2019]+", poem.text)[: None if poem.result.finished else -1]  # a cut word
    assert len(found) > 100
    assert [w for w in found if not words.is_word(w)] == []


def test_the_switch_is_checked_and_reaches_the_cli_and_the_config(tmp_path):
    from poetstudio.cli import build_parser
    from poetstudio.commands.arguments import settings_of
    from poetstudio.commands.generate import sampling_from
    from poetstudio.config import load_config
    from poetstudio.errors import UserError

    with pytest.raises(SamplingError, match="real_words must be true or false"):
        Sampling(real_words="yes")
    assert Sampling().real_words is True
    args = build_parser().parse_args(["generate", "x", "--blend", "poe=1", "--any-words"])
    assert sampling_from(settings_of(args).sampling, None).real_words is False
    plain = build_parser().parse_args(["generate", "x", "--blend", "poe=1"])
    assert sampling_from(settings_of(plain).sampling, None).real_words is True
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


def test_the_word_list_counts_words_as_the_guard_splits_them_and_keeps_recurring_ones(tmp_path):
    from poetstudio.corpus.vocabulary import read_word_list, word_counts, write_word_list

    counts = word_counts(["O'er the sea-wall, the sea\u2019s 'tis", "Thou canst, canst thou? CANST"])
    assert counts["o'er"] == 1 and counts["the"] == 2 and counts["sea's"] == 1 and counts["tis"] == 1
    assert counts["canst"] == 3 and counts["sea"] == 1 and counts["wall"] == 1
    write_word_list(tmp_path, counts, min_count=2)
    assert dict(read_word_list(tmp_path)) == {"the": 2, "canst": 3, "thou": 2}
    assert not read_word_list(tmp_path / "nowhere") and not read_word_list(None)


def test_a_word_list_from_before_counts_reads_each_word_as_seen_the_fewest_times_kept(tmp_path):
    from poetstudio.corpus.vocabulary import MIN_COUNT, read_word_list

    (tmp_path / "words.txt").write_text("canst\nthou\r\nthee\t12\r\n", encoding="utf-8")
    assert dict(read_word_list(tmp_path)) == {"canst": MIN_COUNT, "thou": MIN_COUNT, "thee": 12}


@pytest.mark.parametrize("word, cased", [("twas", True), ("Twas", True), ("TWAS", True), ("'Tis", True),
                                         ("O'er", True), ("I", True), ("O'Neill", True), ("d'Artagnan", True),
                                         ("McGregor", True), ("MacLeish", True), ("XIV", True), ("I'm", True),
                                         ("tWas", False), ("rE", False), ("'tIs", False), ("aNd", False),
                                         ("O'NeIll", False)])
def test_a_word_is_cased_as_words_are(word, cased):
    from poetstudio.forms.tokens import well_cased

    assert well_cased(word) is cased


def test_the_guard_will_not_write_a_word_in_stammering_case(shipped_tokenizer, words):
    from poetstudio.forms.tokens import token_facts
    from poetstudio.forms.word_guard import WordGuard

    facts = token_facts(shipped_tokenizer)
    guard = WordGuard(facts, words)
    for token in shipped_tokenizer.encode(" 't", add_special_tokens=False):
        guard.push(token)
    upper = [t for t in facts.by_text.get("W", []) + facts.by_text.get("Was", [])]
    lower = [t for t in facts.by_text.get("w", []) + facts.by_text.get("was", [])]
    assert upper and lower
    assert not any(guard.allows(t) for t in upper) and any(guard.allows(t) for t in lower)


def test_words_the_model_learned_are_real_to_the_guard(shipped_tokenizer):
    from poetstudio.forms.tokens import token_facts
    from poetstudio.forms.word_guard import real_words

    facts = token_facts(shipped_tokenizer)
    assert not real_words(facts).is_word("wouldst'st")
    learned = real_words(facts, {"canst": 5, "israfel": 3})
    assert learned.is_word("canst") and learned.is_word("Israfel") and learned.could_be_word("isra")
