"""A free poem laid out as a poem: which tokens keep its lines free of headings and runs of blank lines, and
where it ends, without torch.

The corpus's long poems are numbered ("XIV.", "3") and its dialogues name their speakers ("AHERNE."), so a
small model writes headings too, often as a poem's last line; it runs blank lines together (Cummings's
fragments), and a poem that meets its token budget stops in the middle of a line ("That you are gone and we
are the"). The rule follows the poem as it is written and answers `allows(token)`:

- no line is a heading: none opens with a digit or a word in capitals ("XIV", "PART", "AHERNE": two letters
  or more; of poems.jsonl's 53,060 lines, 150 open with a word in capitals that is not a numeral: speakers'
  names and headings, and about ten lines of verse set in small capitals, "IT trembled on the grass"), with a
  one-letter Roman numeral followed by punctuation or ending the line ("V.", "X:"; "I" only by a full stop
  or alone: "I--" may open a line), or with a capital X at all (blocked from "XIV.", the model bends the
  numeral into "Xena" or "XENE."; one line of the 53,060 opens with an X that is not a numeral: "Xerxes");
- no blank line follows another, and a poem does not open with one (the prompt ends with a blank line).

And it ends the poem (`done`) at a line's end (a blank line's too) once the tokens left could not hold a
line as long as the longest the poem has written (the opening lines' among them), so a poem that would have
run out mid-line ends on its last whole line instead. The model may end the poem itself (end of text, or any
special token) only once it has MIN_LINES lines, the opening lines among them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from poetstudio.forms.text_rule import TextRule
from poetstudio.forms.tokens import TokenFacts
from poetstudio.forms.word_guard import APOSTROPHES

ROMAN = re.compile(r"M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})")
"""A Roman numeral (or nothing: the one-letter words it is tried on are never empty)."""
LEADING = " \t\"'\u2018\u201c([_"
"""What may stand before a line's first word: indent, opening quotes and brackets, italics' underscore."""
FIRST_WORD = re.compile(r"[^\W\d_]+")
"""A run of letters in any script ("Cæsar" is one word, not the numeral C)."""
SPLIT_CHARACTER = "\ufffd"  # half of a character that a token boundary split: its letter is still to come
MIN_LINES = 4  # a quatrain: in a blind read of 24 poems by the SmolLM2 default, 2 were their title alone and ended
#                there, and the others that stopped early read as fragments


def heading(line: str, ended: bool) -> bool:
    """`line` (as far as it is written; `ended` once its newline has come) opens as a heading does: a number,
    a word in capitals, a one-letter Roman numeral standing alone, or a capital X (see the module docstring)."""
    text = line.lstrip(LEADING)
    if text[:1].isdigit() or text[:1] == "X":
        return True
    found = FIRST_WORD.match(text)
    if found is None or not found.group().isupper():
        return False
    word, rest = found.group(), text[found.end():]
    if len(word) >= 2:
        return True
    if ROMAN.fullmatch(word) is None:
        return False
    if not rest:
        return ended
    if rest[0] == SPLIT_CHARACTER:
        return False
    return rest.startswith(".") if word == "I" else not (rest[0].isspace() or rest[0] in APOSTROPHES)


@dataclass
class LayoutState:
    """Where the poem stands: the line being written and its tokens, blank lines just before it, the longest
    line's tokens, tokens written, whether the poem has ended, and the lines (not blank) it has."""

    line: str = ""
    line_tokens: int = 0
    blanks: int = 1
    longest: int = 0
    written: int = 0
    ended: bool = False
    lines: int = 0


class Layout(TextRule):
    """Follows one free poem of at most `budget` tokens (0: no end rule) and allows only tokens that keep its
    layout (see the module docstring)."""

    def __init__(self, facts: TokenFacts, budget: int):
        self.facts, self.budget = facts, budget
        self.state = LayoutState()

    def read(self, tokens: list[int]) -> None:
        """The person's opening lines, written before the model's: their lines count towards the longest, a
        blank line may follow them, and the budget is the model's alone."""
        for token in tokens:
            self.push(token)
        old = self.state
        self.state = LayoutState(old.line, old.line_tokens, old.blanks, old.longest, lines=old.lines)

    def allows(self, token: int) -> bool:
        """Whether `token` keeps the layout; an end of text (a special token) only once the poem has MIN_LINES
        lines, the one being written among them."""
        if token in self.facts.special:
            return self.state.lines + bool(self.state.line.strip()) >= MIN_LINES
        return super().allows(token)

    @property
    def done(self) -> bool:
        """The poem has ended at a line's end, with too few tokens left for another line."""
        return self.state.ended

    def _after(self, text: str, check: bool) -> LayoutState | None:
        """The state after `text`; None when `check` finds a heading or a second blank line."""
        old = self.state
        line, line_tokens, blanks, longest = old.line, old.line_tokens + 1, old.blanks, old.longest
        ended, lines = False, old.lines
        for ch in text:
            if ch != "\n":
                line += ch
                continue
            blank = not line.strip()
            if check and ((blank and blanks >= 1) or heading(line, ended=True)):
                return None
            if not blank:
                longest, lines = max(longest, line_tokens), lines + 1
            ended = ended or (self.budget > 0 and 0 < longest and self.budget - (old.written + 1) < longest)
            line, line_tokens, blanks = "", 0, blanks + 1 if blank else 0
        if check and heading(line, ended=False):
            return None
        return LayoutState(line, line_tokens, blanks, longest, old.written + 1, old.ended or ended, lines)
