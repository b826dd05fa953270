"""Facts about every token of a tokenizer, computed once per tokenizer and cached: its text, whether it
holds a newline, starts a new word, carries letters, or cannot appear in a formed poem at all."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

WORD_CHARS = re.compile(r"[A-Za-z'\u2019]")
SEPARATORS = set(" \t,.;:!?-\u2014\u2013\"()\u201c\u201d\u2018")
"""Characters that end a word and add no syllable."""

_APOSTROPHE = re.compile("['\u2019]")
_PART_CASES = re.compile(r"[a-z]*|[A-Z][a-z]*|[A-Z]+|(?:Mc|Mac)[A-Z]?[a-z]*")
"""A piece of a word between apostrophes: lower, Capitalised, CAPITALS, or a Scots name ("McGregor")."""


def well_cased(word: str) -> bool:
    """A word (or the start of one) cased as words are, piece by piece between apostrophes ("O'Neill",
    "d'Artagnan", "'TIS"): all lower, capitalised, all capitals, or Mc/Mac and a capital. "tWas", "rE" and
    "aNd" are the model stammering between tokens, not words."""
    return all(_PART_CASES.fullmatch(part) for part in _APOSTROPHE.split(word))


_cache: dict[tuple[int, int, str], tuple[object, object, object]] = {}
_lock = threading.Lock()


def built_once_per_object(owner, build, kind: str = "", partner=None):
    """`build(owner)`, made on first use and kept for the life of the process (the cache holds `owner` and
    `partner`, so their ids are never reused while an entry stands). Keyed by the identity of `owner` and
    of `partner` (another object the value depends on, e.g. the tokenizer's facts behind a word list's
    lexicon) and by `kind`, so one owner can hold several built things. Thread-safe; `build` must not call
    this function (the lock is not reentrant)."""
    with _lock:
        key = (id(owner), id(partner), kind)
        entry = _cache.get(key)
        if entry is None or entry[0] is not owner or entry[1] is not partner:
            entry = (owner, partner, build(owner))
            _cache[key] = entry
        return entry[2]


@dataclass
class TokenFacts:
    """Per-token facts of one tokenizer: `texts[i]` is token i's text; `usable[i]` is False for special
    tokens, broken UTF-8 pieces and tokens with characters a line cannot be counted with (digits, symbols);
    `newlines[i]` counts its newlines; `by_text` maps a text to the tokens that spell it; `special` holds the
    tokenizer's special tokens (end of text, padding, ...)."""

    texts: list[str]
    usable: list[bool]
    newlines: list[int]
    newline_id: int | None
    eos_id: int | None
    encode: object
    by_text: dict[str, list[int]] = field(default_factory=dict)
    closers: list[int] = field(default_factory=list)
    special: frozenset[int] = frozenset()

    def starts_word(self, token: int) -> bool:
        """True when the token begins with a space, a newline or a separator (a new word follows)."""
        text = self.texts[token]
        return bool(text) and not WORD_CHARS.match(text[0])

    def letters(self, token: int) -> str:
        """The token's letters (and apostrophes), lower case."""
        return "".join(WORD_CHARS.findall(self.texts[token])).lower()


def _usable(text: str) -> bool:
    return bool(text) and "\ufffd" not in text and all(
        WORD_CHARS.match(c) or c in SEPARATORS or c == "\n" for c in text
    )


def build_facts(tokenizer) -> TokenFacts:
    """Decode every token once (one batch call) and classify it."""
    size = len(tokenizer)
    texts = tokenizer.batch_decode([[i] for i in range(size)], skip_special_tokens=False)
    special = set(getattr(tokenizer, "all_special_ids", []) or [])
    usable = [i not in special and _usable(t) for i, t in enumerate(texts)]
    by_text: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        if usable[i]:
            by_text.setdefault(text, []).append(i)
    newline_id = next((i for i in by_text.get("\n", [])), None)
    closers = [i for i, t in enumerate(texts) if usable[i] and not WORD_CHARS.search(t) and ("\n" in t or t.strip())]
    return TokenFacts(texts, usable, [t.count("\n") for t in texts], newline_id, tokenizer.eos_token_id,
                      lambda text: tokenizer.encode(text, add_special_tokens=False), by_text, closers,
                      frozenset(special))


def token_facts(tokenizer) -> TokenFacts:
    """The tokenizer's facts, built on first use and kept for as long as the tokenizer lives."""
    return built_once_per_object(tokenizer, build_facts)
