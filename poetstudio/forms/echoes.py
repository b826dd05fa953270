"""No word worn out across a poem: how much to lower each token that would say a word the poem has already said
often, without torch.

The line rule (poetstudio.forms.line_repeats) keeps a word to two uses a line, but a small model still returns
to its theme word line after line ("I see the sea, the sea of all and the ocean" / "I see the land of all the
sea" / ...), fifteen times in a poem of twenty lines. This rule is soft: a word other than a function word
may stand `free` times in a poem at no cost; each use after that lowers the token that would write it again
by `weight` (in the scores' units, natural log-probability, before temperature: at the default 0.8 a cost
of 1 lowers the odds by e^-1.25) for every use past `free`, so the word grows rarer as it wears out but a
refrain the model is sure of still comes through. A token is charged when it makes the word in progress
(or a word finished inside it) a worn word; the letters, punctuation or space that then go on with or close
that word are not charged again. The person's opening lines count as said (`read`).
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
        """How far to lower `token`'s score: 0 unless it would say a worn word again. A word the token finishes
        first (the word in progress, closed) counts as said before the words after it are priced."""
        if token in self.facts.special:
            return 0.0
        state = self.state
        partial, continuing, added = state.partial, bool(state.partial), False
        said: Counter = Counter()
        charged = 0.0
        for ch in self.facts.texts[token] + "\0":  # "\0": a sentinel that prices the word in progress at the end
            if ch != "\0" and (ch.isalpha() or ch in APOSTROPHES):
                partial += ch
                added = True
                continue
            word = bare(partial)
            if word and added:
                paid = continuing and word == bare(state.partial)  # the word in progress, priced when it was begun
                charged += 0.0 if paid else self._price(word, state.counts[word] + said[word])
            if word and ch != "\0":
                said[word] += 1
            partial, continuing, added = "", False, False
        return charged

    def _price(self, word: str, uses: int) -> float:
        """What one more use of `word` costs after `uses` in the poem."""
        if word in FUNCTION_WORDS or uses < self.free:
            return 0.0
        return self.weight * (uses - self.free + 1)

    def read(self, tokens: list[int]) -> None:
        """Words already in the poem before the model writes (the opening lines) count as said."""
        for token in tokens:
            self.push(token)

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
