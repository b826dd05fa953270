"""The model card: the one reading of an adapter's metadata that the engine, commands and studio share."""

from __future__ import annotations

import pytest

from poetstudio.blend import checked_weights, normalised
from poetstudio.engine.api import Sampling
from poetstudio.errors import UserError
from poetstudio.model_info import IN_COPYRIGHT, NOT_TRAINED, card_from_metadata, read_model_card

METADATA = {"blend_mode": "exact", "moods": {"Joy": 3},
            "poets": {"Emily Dickinson": {"poems": 300, "examples": 900}, "Walt Whitman": {"poems": 150},
                      "Wallace Stevens": {"poems": 4}, "Christina Rossetti": {"poems": 40}}}


def test_the_card_lists_the_studio_poets_first_each_available_or_with_its_reason():
    card = card_from_metadata(METADATA)
    names = [p.name for p in card.poets]
    assert names[-1] == "Christina Rossetti" and "William Shakespeare" in names[:10]
    assert card.unavailable()["A. E. Stallings"] == IN_COPYRIGHT
    assert card.unavailable()["William Shakespeare"] == NOT_TRAINED
    assert card.writable() == ["Walt Whitman", "Emily Dickinson", "Wallace Stevens", "Christina Rossetti"]
    assert card.studio_rows()[-1] == "Christina Rossetti" and len(card.studio_rows()) == 11
    assert card.exact and card.trained


def test_thin_poets_are_warned_about_and_left_out_of_the_solid_set():
    card = card_from_metadata(METADATA)
    assert card.solid() == ["Walt Whitman", "Emily Dickinson", "Christina Rossetti"]
    assert card.thin_warnings(["Wallace Stevens", "Walt Whitman"]) == [
        "Wallace Stevens: only 4 training poems; the voice will be weak"]


def test_a_model_without_poet_metadata_writes_as_every_studio_poet_in_words():
    card = card_from_metadata({})
    assert len(card.writable()) == 10 and not card.unavailable() and not card.exact
    assert card.thin_warnings(card.writable()) == []


def test_resolve_maps_spellings_merges_repeats_and_normalises():
    card = card_from_metadata(METADATA)
    assert card.resolve({"dickinson": 1, "Emily Dickinson": 1, "whitman": 2, "rossetti": 0}) == {
        "Emily Dickinson": 0.5, "Walt Whitman": 0.5}


@pytest.mark.parametrize(("blend", "message"), [
    ({"stallings": 1}, "cannot write as A. E. Stallings: no public-domain poems (in copyright)"),
    ({"shakespeare": 1}, "cannot write as William Shakespeare: not in this model's training data"),
    ({"dickinson": -1}, "weight for dickinson must be a number of 0 or more"),
    ({"dickinson": True}, "weight for dickinson must be a number of 0 or more"),
    ({"dickinson": float("nan")}, "weight for dickinson must be a number of 0 or more"),
    ({"dickinson": 0}, "set at least one poet's weight above 0"),
])
def test_resolve_refuses_bad_blends_in_one_line(blend, message):
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)")) as caught:
        card_from_metadata(METADATA).resolve(blend)
    assert "\n" not in str(caught.value)


def test_weights_are_checked_and_normalised_in_one_place():
    assert checked_weights({"a": 1, "b": 0}) == {"a": 1.0, "b": 0.0}
    assert normalised({"a": 3.0, "b": 1.0, "c": 0.0}) == {"a": 0.75, "b": 0.25}


def test_the_shipped_adapter_card_knows_nine_poets_and_not_stallings():
    card = read_model_card()
    assert len(card.studio_writable()) == 9 and list(card.unavailable()) == ["A. E. Stallings"]


def test_a_seed_is_drawn_once_and_kept():
    drawn = Sampling().seeded()
    assert isinstance(drawn.seed, int) and drawn.seeded() is drawn
    assert Sampling(seed=5).seeded().seed == 5


BASE = {"authors": {
    "John Keats": {"tokens": 52_000, "books": 2, "conditioned_documents": 40},
    "Various": {"tokens": 900_000, "books": 60, "conditioned_documents": 0},
    "Emily Dickinson": {"tokens": 90_000, "books": 1, "conditioned_documents": 300},
    "Joyce Kilmer": {"tokens": 900, "books": 1, "conditioned_documents": 3},
}}


def test_authors_the_base_learned_join_the_card_and_any_blend():
    card = card_from_metadata(METADATA, base=BASE)
    assert [a.name for a in card.authors] == ["John Keats", "Joyce Kilmer"]  # no anthology, no repeat
    assert card.resolve({"keats": 1, "dickinson": 1}) == {"John Keats": 0.5, "Emily Dickinson": 0.5}
    assert card.thin_warnings(["Joyce Kilmer", "John Keats"]) == [
        "Joyce Kilmer: only 900 tokens of verse in pretraining; the voice will be weak"]
    assert "Joyce Kilmer" not in card.studio_rows() and "John Keats" not in card.solid()


def test_an_unknown_name_says_where_the_other_authors_are_listed_in_one_line():
    with pytest.raises(UserError) as caught:
        card_from_metadata(METADATA, base=BASE).resolve({"shelley": 1})
    assert "poetstudio poets --all` lists 2 more authors" in str(caught.value) and "\n" not in str(caught.value)


def test_a_prompt_mode_card_takes_no_base_authors():
    assert card_from_metadata({}, base=BASE).authors == ()


def test_variation_seeds_follow_on_and_wrap_at_the_top_of_the_range():
    from poetstudio.engine.sampling_settings import SEED_LIMIT

    assert [Sampling(seed=40).variation(i).seed for i in range(3)] == [40, 41, 42]
    top = Sampling(seed=SEED_LIMIT - 1)
    assert top.variation(1).seed == -SEED_LIMIT and Sampling(seed=-3).seed == -3
    with pytest.raises(UserError, match="seed must be a whole number"):
        Sampling(seed=SEED_LIMIT)


def test_authors_an_adapter_learned_from_their_books_join_blends_but_not_the_studio_s_poets():
    card = card_from_metadata({"blend_mode": "exact", "prompt_format": "chat", "poets": {
        "Emily Dickinson": {"poems": 380, "examples": 400, "book_chars": 9000},
        "John Keats": {"poems": 0, "examples": 9, "book_chars": 12_000, "book_tokens": 3_100},
        "George Gordon Byron": {"poems": 0, "examples": 200, "book_tokens": 60_000},
    }})
    assert card.prompt_format == "chat" and card.exact
    assert "John Keats" not in card.studio_writable() and "Emily Dickinson" in card.studio_writable()
    assert [a.name for a in card.authors] == ["George Gordon Byron", "John Keats"]  # most verse first
    assert card.poet("John Keats").thin and not card.poet("George Gordon Byron").thin
    assert "3,100 tokens of verse in training" in card.thin_warnings(["John Keats"])[0]
    assert "John Keats" in card.writable()


def test_an_unknown_prompt_format_is_a_one_line_error():
    with pytest.raises(UserError, match="unknown prompt_format 'yaml'"):
        card_from_metadata({"blend_mode": "exact", "prompt_format": "yaml", "poets": {"Emily Dickinson": {}}})
