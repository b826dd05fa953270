"""Writing to a form one token at a time, without torch: which tokens keep the line inside its form.

The writer follows the poem as it is written. For every candidate token it answers `allows(token)`: the
line's syllables (counted from the pronouncing dictionary as words complete) never pass the line's count
and the newline comes only when the count is reached; the word that fills the count must be one of the
line's ending words (`forms.endings`); words must be ones the model knows (`forms.lexicon`); in footed
forms no longer word puts its main stress on a weak beat and the line's misfit stays small
(`forms.metre`), judged as soon as a word is whole. Refrains are forced token for token,
stanza breaks are forced newlines. When no token can meet the line (or it runs past its token budget or
the poem past its deadline) the line is relaxed a level at a time, down to closing it where it stands,
and the level is kept as the line's mark: never an endless search.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from functools import lru_cache

from poetstudio.analysis.pronounce import Word, lookup
from poetstudio.analysis.report import WORD
from poetstudio.forms.endings import EndingFinder
from poetstudio.forms.lexicon import Lexicon, word_syllables
from poetstudio.forms.line_repeats import DOUBLED
from poetstudio.forms.metre import METRE_SLACK, stress_cost, stress_fits
from poetstudio.forms.spec import FormSpec, LineGoal
from poetstudio.forms.tokens import SEPARATORS, WORD_CHARS, TokenFacts, well_cased

STRICT, NO_METRE, NO_RHYME, CLOSE = range(4)
LEVELS = ("met", "metre let go", "rhyme let go", "closed where it stood")
"""What each relaxation level gave up, as the line's mark says it."""
PUNCT_AFTER_END = 2  # punctuation tokens a full line may take (",", "!") before its newline is forced
TOKENS_PER_SYLLABLE = 3  # the model spends about 1.3 tokens a syllable; three is ample room to find a line
LINE_SLACK = 12  # ... plus this many for punctuation, a rhyme word spelled in pieces, indentation
MAX_GAP = 1  # tokens in a row without a letter (the newline aside): stops runs of dashes, dots and quotes
GLUING = frozenset(".,;:!?")  # after these a new word needs a space first: no "not.Sate" when a rhyme is forced
MAX_APOSTROPHES = 1  # inside one word: "summer's", "o'er", "'tis"; more is the model stammering
SENTENCE_ENDS = ".!?"  # after these (and at a line's start) a word may be offered capitalised
QUOTES = "\"'\u201c\u201d\u2018\u2019"  # between a full stop and the next word: 'He said. "Love'
LAST_WORD = re.compile(r"([A-Za-z'\u2019]+)[ \t]+$")  # a line's last whole word with only spaces after it
DANGLING = "a an the thy your our their".split()
"""Words that always wait for their noun: a comma or a stop straight after one is a stammer ("the, ale"). The
conjunctions and prepositions are left free: the poets write "And, for my sake" and "He robs thee of, and pays"."""
DANGLING_END = re.compile(r"(?:^|[^A-Za-z'\u2019])(?:" + "|".join(DANGLING) + r")[ \t]*$", re.IGNORECASE)
TO_PREFIX = re.compile(r"(?:^|[^A-Za-z'\u2019-])to-([A-Za-z'\u2019]+)$", re.IGNORECASE)  # "to-" and the word it starts
HANGING_HYPHEN = re.compile(r"[A-Za-z'\u2019]-$")  # "to-", "Seem-": a compound's hyphen with no second part yet
TO_COMPOUNDS = ("day", "night", "morrow")
"""What an archaic "to-" begins: "to-day", "to-night", "to-morrow"; anything else ("to-bee", "to-ends") only pads."""


@dataclass(frozen=True)
class LineState:
    """Where the current line stands: syllables of its complete words, the word being written, whether its
    last word is in (only punctuation and the newline may follow) and how many tokens came after it, and
    the newlines written (the line is over when there is one)."""

    used: int = 0
    partial: str = ""
    ended: bool = False
    tail: int = 0
    started: bool = False
    closed: int = 0
    last: str = ""
    gap: int = 0
    cost: float = 0.0


@dataclass(frozen=True)
class LineOutcome:
    """A written line: its text, the relaxation level it needed (0 = met as asked) and its tokens."""

    index: int
    text: str
    level: int
    tokens: int

    @property
    def mark(self) -> str:
        """'met', or what was given up: 'metre let go', 'rhyme let go', 'closed where it stood'."""
        return LEVELS[self.level]


@lru_cache(maxsize=100_000)
def _syllables(text: str) -> int:
    return word_syllables(lookup(text))




class FormWriter:
    """Follows one poem being written to `spec`; see the module docstring for what it allows."""

    def __init__(self, spec: FormSpec, facts: TokenFacts, lex: Lexicon, deadline_s: float | None = None):
        self.spec, self.facts, self.lex = spec, facts, lex
        self.deadline = time.monotonic() + deadline_s if deadline_s else None
        self.index = 0
        self.state = LineState()
        self.line_text = ""
        self.level = STRICT
        self.floor = STRICT
        self.tokens = 0
        self.pending = 0
        self.queue: list[int] = []
        self.texts: list[str] = []
        self.ends: list[Word | None] = []
        self.outcomes: list[LineOutcome] = []
        self._endings: dict[tuple, frozenset[str]] = {}
        self._prefixes: dict[tuple, frozenset[str]] = {}
        self._listed: dict[tuple, list[int]] = {}

    @property
    def done(self) -> bool:
        """Every line written and its newline out."""
        return self.index >= len(self.spec.lines) and self.pending == 0

    @property
    def goal(self) -> LineGoal:
        """The line being written."""
        return self.spec.lines[min(self.index, len(self.spec.lines) - 1)]

    def token_budget(self) -> int:
        """Tokens the whole poem may take: each line's budget plus a newline per stanza break."""
        return sum(self._line_budget(g) for g in self.spec.lines) + len(self.spec.lines)

    @staticmethod
    def _line_budget(goal: LineGoal) -> int:
        return TOKENS_PER_SYLLABLE * (goal.syllables or 12) + LINE_SLACK

    # ---- what may come next -------------------------------------------------------------------------

    def forced(self) -> int | None:
        """The one token that must come next (a stanza break's newline, a refrain's next token, the newline
        that closes a full or over-budget line), or None when the model chooses."""
        if self.done:
            return None
        if self.pending or (self.level == CLOSE and self.state.started) or self.state.tail >= PUNCT_AFTER_END:
            return self.facts.newline_id
        return self.queue[0] if self.queue else None

    def allows(self, token: int) -> bool:
        """Whether `token` keeps the line inside its form."""
        if self.done or not self.facts.usable[token]:
            return False
        return self._step(self.state, self.facts.texts[token], check=True) is not None

    def listed(self) -> list[int]:
        """Tokens worth checking besides the model's top choices: the first pieces of the line's ending
        words (so a rhyme is found even when the model ranks none of them high), and closing punctuation."""
        state = self.state
        key = (self.index, self.level, state.used, state.partial, state.started, state.ended,
               not state.partial and self._sentence_starts())
        if key in self._listed:
            return self._listed[key]
        ids: list[int] = []
        target = self.goal.syllables
        if target is not None and not state.ended and self._needs_ending():
            prefix = state.partial.lower()
            lead = "" if state.partial or not state.started else " "
            for word in self.endings(target - state.used):
                if word.startswith(prefix) and word != prefix:
                    rest = word[len(prefix):]
                    capitalised = not state.partial and self._sentence_starts()
                    for k in range(1, len(rest) + 1):
                        ids += self.facts.by_text.get(lead + rest[:k], [])
                        if capitalised:
                            ids += self.facts.by_text.get(lead + rest[:k].capitalize(), [])
        if state.ended or state.partial:
            ids += self.facts.closers
        self._listed[key] = ids = list(dict.fromkeys(ids))
        return ids

    def _sentence_starts(self) -> bool:
        """The next word begins a sentence: the line is empty or its text ends with . ! or ? (before any
        closing quotes). Only there are ending words offered capitalised, so a forced rhyme never reads
        "'twas, Ill" (the model may still capitalise a word it chose itself)."""
        text = self.line_text.rstrip().rstrip(QUOTES).rstrip()
        return not text or text[-1] in SENTENCE_ENDS

    def relax(self) -> None:
        """Give up the next constraint for this line (metre, then rhyme, then close it where it stands)."""
        self.level = min(CLOSE, self.level + 1)

    # ---- following what was written -----------------------------------------------------------------

    def push(self, token: int) -> None:
        """The token drawn: move the line (and the poem) on."""
        text = self.facts.texts[token] if self.facts.usable[token] else ""
        if self.pending:
            self.pending = max(0, self.pending - max(1, text.count("\n")))
            return
        if self.queue and token == self.queue[0]:
            self.queue.pop(0)
        state = self._step(self.state, text, check=True) or self._step(self.state, text, check=False)
        self.tokens += 1
        if self.queue == [] and self._repeats() and not state.closed:
            state = replace(state, ended=True, tail=PUNCT_AFTER_END)
        if state.closed:
            self._finish(text, state)
            return
        self.state = replace(state, tail=state.tail + 1 if state.ended else 0)
        self.line_text += text
        if self.tokens >= self._line_budget(self.goal) or (self.deadline and time.monotonic() > self.deadline):
            self.floor = NO_RHYME if self.deadline and time.monotonic() > self.deadline else self.floor
            self.level = CLOSE if self.tokens >= self._line_budget(self.goal) else max(self.level, self.floor)

    def feed_opening(self, text: str) -> None:
        """Opening lines given by the person count as the form's first lines, as written."""
        for line in text.strip("\n").split("\n"):
            if line.strip() and self.index < len(self.spec.lines):
                self._record(line, STRICT, 0)
        if self.index < len(self.spec.lines) and self.index and self.spec.lines[self.index - 1].stanza_end:
            self.pending = 1
        self._start_line("")

    def _finish(self, text: str, state: LineState) -> None:
        head, _, rest = text.partition("\n")
        self._record(self.line_text + head, self.level, self.tokens)
        needed = 2 if self.spec.lines[self.index - 1].stanza_end and self.index < len(self.spec.lines) else 1
        self.pending = max(0, needed - state.closed)
        self._start_line(rest.split("\n")[-1])

    def _record(self, line: str, level: int, tokens: int) -> None:
        words = WORD.findall(line)
        self.texts.append(line.rstrip())
        self.ends.append(lookup(words[-1]) if words else None)
        self.outcomes.append(LineOutcome(self.index, line.rstrip(), level, tokens))
        self.index += 1

    def _start_line(self, indent: str) -> None:
        self.state, self.line_text, self.tokens = LineState(), indent, 0
        self.level = self.floor
        self.queue = []
        if self.index < len(self.spec.lines) and self._repeats():
            source = self.spec.refrain_source(self.index)
            self.queue = list(self.facts.encode(self.texts[source].strip()))

    def _repeats(self) -> bool:
        return self.index < len(self.spec.lines) and self.spec.refrain_source(self.index) is not None

    # ---- one token's text against the line ----------------------------------------------------------

    def _step(self, state: LineState, text: str, check: bool) -> LineState | None:
        used, partial, ended, started, closed, last, cost = (state.used, state.partial, state.ended, state.started,
                                                             state.closed, state.last, state.cost)
        needed = 2 if self.goal.stanza_end and self.index < len(self.spec.lines) - 1 else 1
        grew = False
        letterless = not any(WORD_CHARS.match(c) for c in text) and "\n" not in text
        if check and letterless and state.gap >= MAX_GAP:
            return None
        previous = self.line_text[-1:] if state is self.state else ""
        for index, ch in enumerate(text):
            if closed:
                if ch == "\n":
                    closed += 1
                    if check and closed > needed:
                        return None
                elif check and (ch not in " \t" or not self._may_indent(closed, needed)):
                    return None
            elif ch == "\n" or ch in SEPARATORS or not WORD_CHARS.match(ch):
                if check and ch != "\n" and ch not in SEPARATORS:
                    return None
                if check and ch == "-" and partial.lower() == "a" and self.level < CLOSE:
                    return None  # "a-done", "a-price": the archaic a- prefix only pads a line's syllables
                if check and self.level < CLOSE:
                    written = self.line_text + text[:index]
                    if ch in GLUING and DANGLING_END.search(written):
                        return None  # "the, ale", "thy. Grace"
                    if ch in " \t\n" and HANGING_HYPHEN.search(written):
                        return None  # "to- sends", "Seem-": a hyphen joins two words or none
                    if partial and self._stammers(written, partial):
                        return None
                    if partial and not self._to_compound_done(written):
                        return None  # "to-da!", "to-m'": a "to-" word ends only as to-day, to-night, to-morrow
                if partial:
                    done = self._complete(used, partial, check, cost)
                    if done is None:
                        return None
                    used, ended, cost, last, partial = done[0], done[1], done[2], partial, ""
                if ch == "\n":
                    if check and not self._can_close(used, ended, started, last):
                        return None
                    closed = 1
            else:
                if check and (ended or (not partial and previous in GLUING and previous)):
                    return None
                if check and self.level < CLOSE and not self._to_compound_ok(self.line_text + text[:index + 1]):
                    return None
                partial, started, grew = partial + ch, True, True
            previous = ch
        if check and ended and self.level < CLOSE and state is self.state and HANGING_HYPHEN.search(
                self.line_text + text):
            return None  # "I'll-": after the line's last word a hyphen has nothing left to join
        if check and grew and partial and not self._partial_ok(used, partial):
            return None
        if check and grew and partial and not self._word_fits(used, partial, cost):
            return None
        gap = state.gap + 1 if letterless else 0
        return LineState(used, partial, ended, state.tail, started, closed, last, gap, cost)

    def _may_indent(self, closed: int, needed: int) -> bool:
        """Whether spaces may follow the `closed` newlines written: only as the indentation of a line still to
        come, after all `needed` newlines; never after the poem's last line (a haiku or limerick ending on a
        line of whitespace) nor between a stanza break's two newlines (a blank line of spaces)."""
        return closed == needed and self.index < len(self.spec.lines) - 1

    @staticmethod
    def _to_word(written: str) -> tuple[str, bool] | None:
        """The word begun after an archaic "to-" at the end of `written`, lower-cased and cut at an apostrophe,
        and whether it had one ("to-day's" -> ("day", True)); None where no "to-" word is being written."""
        match = TO_PREFIX.search(written)
        if match is None:
            return None
        head, apostrophe, _ = match.group(1).lower().replace("\u2019", "'").partition("'")
        return head, bool(apostrophe)

    @classmethod
    def _to_compound_ok(cls, written: str) -> bool:
        """Whether a word begun after "to-" can still become "to-day", "to-night" or "to-morrow"."""
        word = cls._to_word(written)
        if word is None:
            return True
        head, elided = word
        return head in TO_COMPOUNDS if elided else any(w.startswith(head) for w in TO_COMPOUNDS)

    @classmethod
    def _to_compound_done(cls, written: str) -> bool:
        """Whether a word begun after "to-" that ends here is whole: "to-day", "to-night" or "to-morrow" (with
        an elision or possessive after it: "to-day's")."""
        word = cls._to_word(written)
        return word is None or word[0] in TO_COMPOUNDS

    @staticmethod
    def _stammers(written: str, word: str) -> bool:
        """Whether `word`, just finished at the end of `written`, repeats the word before it with only spaces
        between ("the the", "of of"): a constraint that rules out the model's next word can leave the same
        small word the likeliest fit. "The moon, the moon" and "little, little" keep their comma and pass."""
        before = LAST_WORD.search(written[: len(written) - len(word)])
        return before is not None and before.group(1).lower() == word.lower() and word.lower() not in DOUBLED

    def _complete(self, used: int, text: str, check: bool, cost: float) -> tuple[int, bool, float] | None:
        """A word finished at syllable `used`: the syllables after it, whether it ends the line, and the
        line's metrical misfit after it."""
        word = lookup(text)
        count = word_syllables(word) if word.text else 0
        after = used + count
        target = self.goal.syllables
        if not check:
            return after, target is not None and after >= target, cost
        if self.level < CLOSE and (text.strip("'\u2019").count("'") + text.count("\u2019") > MAX_APOSTROPHES
                                   or not self.lex.is_word(text)):
            return None
        if self.level < CLOSE and word.text and count == 0 and target is not None and "'" not in word.text:
            return None  # "sh", "hm", "tsk": a word with no vowel adds no syllable, so a line could loop on it
            #              (an elision such as "th'" is spoken with the next word and stays)
        if count and self.level < NO_METRE and self.spec.foot:
            cost += stress_cost(word, used, self.spec.foot)
            if not stress_fits(word, used, self.spec.foot) or cost > METRE_SLACK * (target or 10):
                return None
        if target is None:
            return after, False, cost
        if after > target:
            return None
        if after == target and self._needs_ending() and word.text not in self.endings(count):
            return None
        return after, after == target, cost

    def _can_close(self, used: int, ended: bool, started: bool, last: str) -> bool:
        if self.level >= CLOSE:
            return True
        if self.goal.syllables is None:
            return started and (not self._needs_ending() or self._finder().ends_well(lookup(last)))
        return ended

    def _word_fits(self, used: int, partial: str, cost: float) -> bool:
        """A word being written that is already a whole word ("moon", "father's") is judged for metre now,
        as if it ended here: one that would break the metre is not begun (it could only grow out of it)."""
        if self.level >= NO_METRE or not self.spec.foot:
            return True
        word = lookup(partial)
        if not self.lex.is_word(partial) or word_syllables(word) < 1:
            return True
        cost += stress_cost(word, used, self.spec.foot)
        return stress_fits(word, used, self.spec.foot) and cost <= METRE_SLACK * (self.goal.syllables or 10)

    def _partial_ok(self, used: int, partial: str) -> bool:
        marks = partial.replace("\u2019", "'")
        if self.level < CLOSE and (marks.count("'") > MAX_APOSTROPHES + 1 or "''" in marks
                                   or not well_cased(marks) or not self.lex.could_be_word(marks)):
            return False
        target = self.goal.syllables
        if target is None:
            return True
        room = target - used
        count = max(1, _syllables(partial))
        if self._needs_ending():
            return partial.lower() in self._prefix_set(room) or count <= room - 1
        return count <= room

    # ---- ending words -------------------------------------------------------------------------------

    def _needs_ending(self) -> bool:
        return self.level < NO_RHYME and self.goal.group is not None

    def _prefix_set(self, room: int) -> frozenset[str]:
        key = (self.index, self.level, room)
        if key not in self._prefixes:
            self._prefixes[key] = frozenset(w[:k] for w in self.endings(room) for k in range(1, len(w) + 1))
        return self._prefixes[key]

    def endings(self, count: int) -> frozenset[str]:
        """Words of `count` syllables the current line may end on: fitting the foot at the line's end, and
        rhyming as the scheme asks (read back the way the analyzer reads rhyme)."""
        key = (self.index, self.level, count)
        if key not in self._endings:
            self._endings[key] = frozenset(self._find_endings(count))
        return self._endings[key]

    def _finder(self) -> EndingFinder:
        return EndingFinder(self.spec, self.lex, min(self.index, len(self.spec.lines) - 1), self.ends)

    def _find_endings(self, count: int) -> set[str]:
        return self._finder().find(count, self.goal.syllables, self.spec.foot if self.level < NO_METRE else None)
