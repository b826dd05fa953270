"""The words a line may end on: rhyming with its partner line as the scheme asks (true, else slant within a
stanza), or opening a rhyme (with rhymes to come, and none with the lines before it), and read back by the
analyzer with the letter the scheme gives the line."""

from __future__ import annotations

from functools import lru_cache

from poetstudio.analysis.pronounce import Word, lookup
from poetstudio.analysis.rhyme import RHYME_WINDOW, rhyme_kind
from poetstudio.forms.lexicon import Lexicon, rhyme_keys
from poetstudio.forms.metre import fitter
from poetstudio.forms.spec import FormSpec

MIN_TRUE = 3  # a line keeps to true rhymes when at least this many fit its syllables and stress


@lru_cache(maxsize=200_000)
def kind(a: str, b: str) -> str | None:
    """The analyzer's rhyme kind of two words, cached."""
    return rhyme_kind(lookup(a), lookup(b))


class EndingFinder:
    """Ending words for line `index` of `spec`, given the last words of the lines written so far (`ends`)."""

    def __init__(self, spec: FormSpec, lex: Lexicon, index: int, ends: list[Word | None]):
        self.spec, self.lex, self.index, self.ends = spec, lex, index, ends
        self.goal = spec.lines[index]

    def find(self, count: int, target: int | None, foot: str | None) -> set[str]:
        """Words of `count` syllables that end a line of `target` syllables (stress fitting `foot`)."""
        fitting = self.lex.fitting(count, (target or count) - count, fitter(foot))
        partners = self._partners()
        if not partners:
            return self._openers(fitting)
        partner = self.ends[partners[0]]
        used = {self.ends[j].text for j in partners}
        true = (self.lex.true_rhymes(partner) & fitting) - used
        pool = true
        if len(true) < MIN_TRUE and self.spec.lines[partners[0]].stanza == self.goal.stanza:
            pool = true | ((self.lex.slant_rhymes(partner) & fitting) - used)
        return {w for w in pool if self._reads_as_partner(w, partners[0])}

    def ends_well(self, word: Word) -> bool:
        """Whether a line of no set length may end on `word` (its rhyme is judged, not steered)."""
        partners = self._partners()
        if not partners:
            return all(kind(word.text, self.ends[j].text) is None for j in self._window())
        return self._reads_as_partner(word.text, partners[0])

    def _partners(self) -> list[int]:
        return [j for j in self.spec.partners(self.index) if j < len(self.ends) and self.ends[j] is not None]

    def _window(self) -> list[int]:
        return [j for j in range(self.index - 1, max(-1, self.index - 1 - RHYME_WINDOW), -1)
                if j < len(self.ends) and self.ends[j] is not None]

    def _openers(self, fitting: frozenset[str]) -> set[str]:
        """Words for a line that starts its rhyme: enough true rhymes for the lines to come, and no rhyme
        with the lines before it (or the analyzer would letter it with them)."""
        later = sum(1 for g in self.spec.lines[self.index + 1:] if g.group == self.goal.group and not g.refrain)
        need = 2 * later if self.goal.group and later else 0
        pool = {w for w in fitting if self.lex.rhyme_counts[w] >= need}
        for j in self._window():
            same_stanza = self.spec.lines[j].stanza == self.goal.stanza
            end = self.ends[j]
            if end.source == "rule":
                pool = {w for w in pool if kind(w, end.text) is None}
                continue
            tails, slant = rhyme_keys(end)
            pool = {w for w in pool if not (self.lex.entries[w].tails & tails)
                    and not (same_stanza and self.lex.entries[w].codas & slant)}
        return pool

    def _reads_as_partner(self, word: str, partner: int) -> bool:
        """The analyzer would give this line its partner's letter: its nearest true rhyme in the window (or
        nearest slant in the stanza) is a line of the same group."""
        kinds = {j: kind(word, self.ends[j].text) for j in self._window()}
        found = next((j for j, k in kinds.items() if k == "true"), None)
        if found is None:
            found = next(
                (j for j, k in kinds.items() if k == "slant" and self.spec.lines[j].stanza == self.goal.stanza), None
            )
        if found is None:
            return partner not in kinds and kind(word, self.ends[partner].text) is not None
        return self.spec.lines[found].group == self.goal.group
