"""No word said over and over inside one line: which tokens keep a free poem's lines from looping, without torch.

A small model can fall into a loop on its theme word ("I see the shore with the sea, the land of the sea and
the sea"; "you doe, as you doe, as you doe"). The rule follows the poem as it is written and answers
`allows(token)`: a word other than a function word may stand at most `limit` times in one line, so once a
line has used "sea" twice, a token that would write "sea" a third time (as a whole word, or as the word in
progress where the token ends) is ruled out and the model says something else. Function words ("the", "and",
"thou") repeat freely, and a new line starts the count again, so anaphora across lines (Whitman's "I see",
"I hear") is untouched. Ruling out the model's next word can leave the word just written the likeliest fit,
so a word may not follow itself with only spaces between ("the the"; "that that" and "had had" may), as in
the forms' writer; this too is checked on the word in progress, so the model is not led into a repeated word
it must then bend into another ("doe doe'T"). A word is a run of letters and apostrophes: a hyphen ends one,
so "sea-side" counts as "sea" and "side".

A pretrained model loops on whole lines instead ("It is the Isle of the Universe." four times over), so a line
may not copy an earlier line of three words or more word for word (its words compared, not its punctuation):
the word that would complete the copy is ruled out, as are a line break or an end of the poem after it, and
the model says something else. So a line may not grow out of a whole earlier line either ("The sun is high"
then "The sun is high and bright"); anaphora ("I see the sea", "I see the ships") is untouched. Refrains belong
to the forms, which write them on purpose.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from poetstudio.forms.text_rule import TextRule
from poetstudio.forms.tokens import TokenFacts
from poetstudio.forms.word_guard import APOSTROPHES, bare

SPACES = " \t"
FUNCTION_WORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being below between both
but by can could did do does doing down during each few for from further had has have having he her here hers
herself him himself his how i if in into is it its itself just me more most my myself no nor not now o of off
oh on once only or other our ours ourselves out over own same she should so some such than that the their
theirs them themselves then there these they this those through to too under until up very was we were what
when where which while who whom why will with would you your yours yourself yourselves
thee thou thy thine ye hath doth art dost hast shalt wilt thyself tis twas twere e'er ne'er o'er
upon unto shall may might must let nay yea ah ay still yet ever never
""".split())
"""Words a line may repeat as often as it likes: English function words, with the archaic ones of the corpus
(as `bare` gives them: "'tis" is "tis")."""
MIN_COPIED_WORDS = 3  # a shorter line ("O sea!", "Nevermore.") may come back as a cry or refrain, and a line of
#                      one or two words would keep every later line from starting with them
DOUBLED = frozenset({"that", "had"})
"""Words that may stand twice in a row: "And that that favour", "had had"."""


@dataclass
class LineState:
    """Where a line stands: the word in progress, the line's finished words counted, the last finished word
    and whether only spaces have followed it, the line's words in order, and the words of the poem's earlier
    lines (for the copy rule)."""

    partial: str = ""
    counts: Counter = field(default_factory=Counter)
    last: str = ""
    spaced: bool = False
    words: tuple[str, ...] = ()
    """The line's finished words in order, function words too."""
    said: frozenset[tuple[str, ...]] = frozenset()
    """The words of every earlier line of the poem."""


class LineRepeats(TextRule):
    """Follows one free poem and allows only tokens that keep each word (but function words) to at most
    `limit` uses in its line, no word straight after itself, and no line a copy of an earlier one (see the
    module docstring; a word that only begins like the copy's last word, "starry" after "star", may be refused
    where the tokenizer splits it there)."""

    def __init__(self, facts: TokenFacts, limit: int):
        self.facts, self.limit = facts, limit
        self.state = LineState()

    def read(self, tokens: list[int]) -> None:
        """The person's opening lines, written before the model's: a line of the poem may not copy them either."""
        for token in tokens:
            self.push(token)

    def allows(self, token: int) -> bool:
        """Whether `token` keeps the rule; an end of text (a special token) may not end a line that copies an
        earlier one either."""
        if token in self.facts.special:
            line = self.state.words + ((bare(self.state.partial),) if bare(self.state.partial) else ())
            return not (line and line in self.state.said)
        return super().allows(token)

    def _spent(self, word: str, counts: Counter) -> bool:
        """`word` has had its uses in this line already."""
        word = bare(word)
        return bool(word) and word not in FUNCTION_WORDS and counts[word] >= self.limit

    def _after(self, text: str, check: bool) -> LineState | None:
        """The line's state after `text`; None when `check` finds a word spent or a word following itself."""
        old = self.state
        partial, last, spaced, words, said = old.partial, old.last, old.spaced, old.words, old.said
        counts = None  # copied from the old state on the first change: most tokens change no count
        for ch in text:
            if ch.isalpha() or ch in APOSTROPHES:
                partial += ch
                continue
            word = bare(partial)
            if word:
                now = old.counts if counts is None else counts
                if check and (self._spent(word, now) or self._echoes(word, last, spaced)
                              or (ch not in SPACES and (*words, word) in said)):
                    return None
                counts = Counter(now)
                counts[word] += 1
                last, spaced, words = word, True, (*words, word)
            partial = ""
            if ch == "\n":
                if check and words in said:
                    return None
                if len(words) >= MIN_COPIED_WORDS:
                    said = said | {words}
                counts, last, spaced, words = Counter(), "", False, ()
            elif ch not in SPACES:
                spaced = False
        counts = old.counts if counts is None else counts
        if check and partial and (self._spent(partial, counts) or self._echoes(bare(partial), last, spaced)
                                  or (*words, bare(partial)) in said):
            return None
        return LineState(partial, counts, last, spaced, words, said)

    @staticmethod
    def _echoes(word: str, last: str, spaced: bool) -> bool:
        """`word` would follow itself with only spaces between ("the the"; not "that that", "had had")."""
        return spaced and bool(word) and word == last and word not in DOUBLED
