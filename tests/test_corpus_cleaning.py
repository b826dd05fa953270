"""Cleaning the general/ Gutenberg books: each rule, de-duplication, held-out exclusion, author names."""

from __future__ import annotations

import pytest

from poetstudio.corpus import cleaning
from poetstudio.corpus.cleaning import (
    UNATTRIBUTED,
    Counts,
    HeldoutFilter,
    clean_book,
    clean_general,
    cut_back_matter,
    cut_gutenberg,
    heading_title,
    is_contents_or_index,
    is_prose,
    join_wrapped_lines,
    normalise_author,
    read_manifest,
    split_blocks,
    strip_line_numbers,
)
from poetstudio.corpus.general import read_general_corpus
from poetstudio.corpus.poem import Poem
from poetstudio.errors import CorpusError

HOPE = Poem("Emily Dickinson", "Hope", '"Hope" is the thing with feathers\nThat perches in the soul,\n'
            "And sings the tune without the words,\nAnd never stops at all,")


@pytest.fixture
def general(fixtures):
    return fixtures / "general"


def _book(general, folder):
    return next(b for b in read_manifest(general) if b.folder == folder)


def _text(result_or_pieces) -> str:
    pieces = getattr(result_or_pieces, "pieces", result_or_pieces)
    return "\n\n".join("\n\n".join(p.blocks) for p in pieces)


def test_old_licence_without_start_line_is_cut_by_pattern(general):
    raw = (general / "GITenberg__Odes_101" / "101.txt").read_text()
    assert "*** START OF" not in raw
    body = cut_gutenberg(raw)
    assert "Small Print" not in body and "Project Gutenberg" not in body
    assert "Season of mists" in body and "footer" not in body


def test_new_licence_is_cut_at_the_markers(general):
    body = cut_gutenberg((general / "GITenberg__Macbeth-Excerpt_102" / "102.txt").read_text())
    assert "eBook is for the use" not in body and "Updated editions" not in body
    assert "Tomorrow, and tomorrow" in body


def test_prose_introduction_is_prose_and_stanzas_are_verse():
    intro = ("The poems collected in this little volume were written in the years\n"
             "when the poet had already begun to feel the illness that would end\n"
             "his life, and the reader will find in them a ripeness of phrase and\n"
             "an attention to the senses that his earlier work had only promised.")
    stanza = ("Season of mists and mellow fruitfulness,\n  Close bosom-friend of the maturing sun;\n"
              "Conspiring with him how to load and bless\n  With fruit the vines that round the thatch-eves run;")
    assert is_prose(intro)
    assert not is_prose(stanza)
    assert is_prose("Look you, bring me in the names of some six or seven, the most\nsufficient of your parish.")
    assert not is_prose("Thou shalt hear the Never, never, whisper'd by the phantom years,\n"
                        "And a song from out the distance")


def test_long_wrapped_verse_is_not_prose_and_is_rejoined():
    wrapped = ("     Lift their heart up, and take their part of triumph, swollen and\n"
               "           strong with rage,\n"
               "     Rage elate with desire and great with pride that tempest and storm\n"
               "           assuage;\n"
               "     So their chime in the ear of time has rung from age to rekindled\n"
               "           age.")
    assert not is_prose(wrapped)
    assert join_wrapped_lines(wrapped).split("\n")[0].endswith("swollen and strong with rage,")


def test_contents_and_index_blocks_are_recognised():
    contents = "To Autumn ............ 3\nBright Star ............ 7\nOde to a Nightingale, 12"
    assert is_contents_or_index(contents)
    assert not is_contents_or_index("Much have I travell'd in the realms of gold,\nAnd many goodly states")


def test_back_matter_is_cut_only_late_in_the_book():
    blocks = ["verse line one,\nverse line two;"] * 8 + ["NOTES", "Page 3. A note."]
    kept, removed = cut_back_matter(blocks)
    assert removed == ["NOTES", "Page 3. A note."]
    assert cut_back_matter(["NOTES"] + blocks[:8])[1] == []


def test_headings_become_titles_and_section_numbers_stay_verse():
    assert heading_title("ON FIRST LOOKING INTO CHAPMAN'S HOMER") == "On First Looking Into Chapman's Homer"
    assert heading_title("The Lotos-Eaters") == "The Lotos-Eaters"
    assert heading_title("II.") is None and heading_title("CANTO IV") is None
    assert heading_title("Where the place?") is None


def test_titles_lose_numbering_and_editorial_headings_are_not_titles():
    assert heading_title("1125. TO HIS BOOK") == "To His Book"
    assert heading_title("Canto XCVI. The Magic Shaft.(374)") == "Canto XCVI. The Magic Shaft"
    assert cleaning.EDITORIAL_TITLES.match(heading_title("THE ARGUMENT"))
    assert cleaning.is_dateline("Composed 1806.--Published 1807") and not cleaning.is_dateline("Ode, 1815")
    assert heading_title("A Vagabond Song. [Bliss Carman]") == "A Vagabond Song"
    assert heading_title("An Acclamation 81") == "An Acclamation"
    assert heading_title("_Sonnet_") == "Sonnet"


def test_recurring_one_line_speakers_are_not_titles(general):
    book = _book(general, "GITenberg__Odes_101")
    speech = "When shall we three meet again,\nIn thunder, lightning, or in rain?"
    text = "FAUST\n\n" + "\n\n".join(f"MEPHISTOPHELES\n\n{speech}\n\nFAUST\n\n{speech}" for _ in range(4))
    counts = Counts()
    pieces = clean_book(book, text, counts)
    assert {p.title for p in pieces} == {"Odes and Sonnets"}
    assert "MEPHISTOPHELES" not in _text(pieces) and counts.blocks["speaker_names"] == 9


def test_footnote_running_over_blocks_is_dropped(general):
    book = _book(general, "GITenberg__Odes_101")
    text = ("TO AUTUMN\n\nSeason of mists and mellow fruitfulness,\nClose bosom-friend of the maturing sun;\n\n"
            "[Footnote 1: The ode was written at Winchester.\n\n"
            "    Where are the songs of Spring? Ay, where are they?\n"
            "]\n\nARGUMENT\n\nThink not of them, thou hast thy music too,--")
    counts = Counts()
    pieces = clean_book(book, text, counts)
    assert "Winchester" not in _text(pieces) and "songs of Spring" not in _text(pieces)
    assert counts.blocks["bracketed"] == 2
    assert [p.title for p in pieces] == ["To Autumn", "Odes and Sonnets"]
    assert _book(general, "GITenberg__Odes_101").title == "Odes and Sonnets"


def test_marginal_line_numbers_are_stripped():
    assert strip_line_numbers("  Our steeds to flight; or let us clasp his knees          450") == \
        "  Our steeds to flight; or let us clasp his knees"
    assert strip_line_numbers("The Monk.[A] It is but justice[12] to say") == "The Monk. It is but justice to say"


def test_play_keeps_verse_speeches_without_names_or_directions(general):
    book = _book(general, "GITenberg__Macbeth-Excerpt_102")
    counts = Counts()
    pieces = clean_book(book, book.path.read_text(), counts)
    text = _text(pieces)
    assert "When shall we three meet again?" in text and "Tomorrow, and tomorrow, and tomorrow," in text
    for gone in ("WITCH", "DUNCAN.", "Enter", "Exeunt", "[", "SCENE", "ACT I", "Belzebub", "Attendants"):
        assert gone not in text, gone
    assert counts.chars["stage_directions"] > 0 and counts.chars["speaker_names"] > 0
    assert counts.blocks["bracketed"] == 4
    assert counts.blocks["prose"] == 1  # the Porter's prose speech
    assert {p.title for p in pieces} == {"Macbeth"}


def test_author_names_are_first_last_and_canonical():
    assert normalise_author("Shakespeare, William") == ("William Shakespeare", True)
    assert normalise_author("Yeats, W. B. (William Butler)") == ("W. B. Yeats", True)
    assert normalise_author("Browning, Elizabeth Barrett") == ("Elizabeth Barrett Browning", True)
    assert normalise_author("Browning, Robert") == ("Robert Browning", True)
    assert normalise_author("Whitman, Walt") == ("Walt Whitman", True)
    assert normalise_author("Tennyson, Alfred Tennyson, Baron") == ("Alfred Tennyson", True)
    assert normalise_author("Homer") == ("Homer", True)
    assert normalise_author("Child, Francis James (editor)") == (UNATTRIBUTED, False)
    assert normalise_author("Daniel, Samuel; Constable, Henry") == (UNATTRIBUTED, False)
    assert normalise_author("Stevenson, Burton Egbert", "The Home Book of Verse — Volume 1") == (UNATTRIBUTED, False)


def test_book_titles_are_short():
    assert cleaning.book_title("The Home Book of Verse — Volume 2") == "The Home Book of Verse"
    assert cleaning.book_title("The Poetical Works of William Wordsworth, Vol. VII") == \
        "The Poetical Works of William Wordsworth"
    assert cleaning.book_title("Kalevala : the Epic Poem of Finland — Complete") == "Kalevala"
    assert cleaning.book_title("The Iliad of Homer Translated into English Blank Verse by William Cowper") == \
        "The Iliad of Homer"
    assert len(cleaning.book_title("Patriotic Song A book of English verse, being an anthology of the patriotic "
                                   "poetry of the British Empire")) <= cleaning.BOOK_TITLE_CHARS


def test_whole_fixture_corpus(general):
    result = clean_general(general, [HOPE])
    text = _text(result)
    assert result.books == 3 and result.authors == 2
    assert result.chars_after < result.chars_before
    assert text.count("Much have I travell'd in the realms of gold") == 1
    chapman = next(p for p in result.pieces if "realms of gold" in p.blocks[0])
    assert chapman.author == "John Keats"  # the single-author book keeps it, the anthology's copy goes
    assert "thing with feathers" not in text
    assert result.counts.heldout_hits > 0 and result.counts.blocks["heldout_ngrams"] == 1
    assert result.counts.blocks["duplicates"] == 1
    for rule in ("gutenberg_licence", "back_matter", "contents_index", "prose", "front_matter", "bracketed"):
        assert result.counts.chars[rule] > 0, rule
    assert "by John Keats" not in text and "Selected by" not in text and "Winchester" not in text
    tyger = next(p for p in result.pieces if "Tyger" in p.blocks[0])
    assert (tyger.author, tyger.attributed, tyger.title) == (UNATTRIBUTED, False, "The Tyger")


def test_heldout_match_ignores_wrapping_and_punctuation():
    rewrapped = '"HOPE" is the thing with feathers -- That perches in the\n    soul -- And sings the tune'
    assert HeldoutFilter([HOPE]).hits(rewrapped) > 0
    assert HeldoutFilter([HOPE]).hits("Hope is a thing of feathers that perches on the soul") == 0


def test_training_poems_come_first_under_their_poets(general):
    keats = Poem("John Keats", "Bright Star", "Bright star, would I were stedfast as thou art--\n"
                 "Not in lone splendour hung aloft the night\nAnd watching, with eternal lids apart,\n"
                 "Like nature's patient, sleepless Eremite,")
    result = clean_general(general, [], [keats])
    copies = [p for p in result.pieces if "Bright star" in p.blocks[0]]
    assert len(copies) == 1 and copies[0].source == cleaning.POEMS_SOURCE


def test_cleaned_corpus_is_cached(general, tmp_path, monkeypatch):
    first = read_general_corpus(general, [HOPE], cache_dir=tmp_path)
    monkeypatch.setattr("poetstudio.corpus.general.clean_general", lambda *a, **k: pytest.fail("not cached"))
    again = read_general_corpus(general, [HOPE], cache_dir=tmp_path)
    assert _text(again) == _text(first)


def test_missing_corpus_folder_is_one_line(tmp_path):
    with pytest.raises(CorpusError, match="MANIFEST.tsv") as info:
        read_general_corpus(tmp_path / "nowhere", [])
    assert "\n" not in str(info.value)


def test_blocks_keep_relative_indentation():
    assert split_blocks("a\n\n\n  b\n    c\n\n") == ["a", "  b\n    c"]


def test_shared_manifest_authors(shared_corpus):
    books = read_manifest(shared_corpus / "general")
    assert len(books) == 347
    authors = {b.author for b in books}
    for poet in ("William Shakespeare", "W. B. Yeats", "Elizabeth Barrett Browning", "Walt Whitman"):
        assert poet in authors
    assert all(b.author and "," not in b.author for b in books)
    assert sum(1 for b in books if b.author == "William Shakespeare") == 38


def test_corpus_stats_reports_the_general_corpus(general, tmp_path, monkeypatch, capsys):
    from poetstudio.cli import main

    monkeypatch.setenv("POETSTUDIO_CACHE_DIR", str(tmp_path))
    assert main(["corpus", "stats", str(general)]) == 0
    out = capsys.readouterr().out
    for word in ("books", "authors", "gutenberg_licence", "prose", "duplicates", "heldout_ngrams"):
        assert word in out, word
    assert list(tmp_path.glob("general-*.pkl"))
