"""No word worn out across a poem: how much to lower each token that would say a word the poem has already said
often, without torch.

The line rule (poetstudio.forms.line_repeats) keeps a word to two uses a line, but a small model still returns
to its theme word line after line ("I see the sea, the sea of all and the ocean" / "I see the land of all the
sea" / ...), fifteen times in a poem of twenty lines. This rule is soft: a word other than a function word
may stand `free` times in a poem at no cost; each use after that lowers the token that would write it again
by `weight` (in the scores' units, natural log-probability) for every use past `free`, so the word grows
rarer as it wears out but a refrain the model is sure of still comes through. A token is charged when it
makes the word in progress (or finishes one inside it) a worn word; the punctuation or space that then
closes the word is not charged again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from poetstudio.forms.line_repeats import FUNCTION_WORDS
from poetstudio.forms.tokens import TokenFacts
from poetstudio.forms.word_guard import APOSTROPHES, bare


@dataclass
class EchoState:
    """The word in progress and the poem's finished words counted."""

    partial: str = ""
    counts: Counter = field(default_factory=Counter)


class PoemEchoes:
    """Follows one free poem and prices each token by how worn the words it would write are (see the module
    docstring): `free` uses of a word cost nothing, each further use `weight` more."""

    def __init__(self, facts: TokenFacts, free: int, weight: float):
        self.facts, self.free, self.weight = facts, free, weight
        self.state = EchoState()

    def cost(self, token: int) -> float:
        """How far to lower `token`'s score: 0 unless it would say a worn word again."""
        if token in self.facts.special:
            return 0.0
        charged = 0.0
        partial = self.state.partial
        for word in self._words(self.facts.texts[token]):
            uses = self.state.counts[word]
            if uses >= self.free and word not in FUNCTION_WORDS and word != bare(partial):
                charged += self.weight * (uses - self.free + 1)
            partial = ""
        return charged

    def push(self, token: int) -> None:
        """The token drawn: count the words it finishes."""
        if token in self.facts.special:
            return
        partial, counts = self.state.partial, self.state.counts
        for ch in self.facts.texts[token]:
            if ch.isalpha() or ch in APOSTROPHES:
                partial += ch
                continue
            word = bare(partial)
            if word:
                counts[word] += 1
            partial = ""
        self.state = EchoState(partial, counts)

    def _words(self, text: str) -> list[str]:
        """The words `text` adds letters to after the word in progress: each finished inside it, then the word in
        progress at its end (as a whole word), bare; none when `text` adds no letters."""
        words, partial, added = [], self.state.partial, False
        for ch in text:
            if ch.isalpha() or ch in APOSTROPHES:
                partial += ch
                added = True
                continue
            if added and bare(partial):
                words.append(bare(partial))
            partial, added = "", False
        if added and bare(partial):
            words.append(bare(partial))
        return words
