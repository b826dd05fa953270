"""Constraints on the blended distribution inside the decode loop, and the form constraint built on
`poetstudio.forms.writer`.

A constraint is any object with:

- ``mask(scores) -> scores``: called (by the decode pipeline's FormMask step) on the blended, guided and
  penalised scores of the whole vocabulary before temperature, top-k and top-p; tokens it rules out come
  back as -inf, the rest unchanged (so within what the constraint allows, the blend is exact);
- ``advance(token_id)``: called with each token drawn;
- ``done``: True when the constrained text is complete (the loop then stops, as at end-of-text).

`FormConstraint` writes to a form; `WordConstraint` keeps a free poem's words real, its lines from looping
on one word, and its layout a poem's (no section numbers, no runs of blank lines, an end at a line's end).
"""

from __future__ import annotations

import torch

from poetstudio.corpus.vocabulary import NO_WORDS, WordCounts
from poetstudio.engine.sampling_settings import ECHO_FREE_USES
from poetstudio.forms.echoes import PoemEchoes
from poetstudio.forms.layout import Layout
from poetstudio.forms.lexicon import lexicon
from poetstudio.forms.line_repeats import LineRepeats
from poetstudio.forms.spec import FormSpec
from poetstudio.forms.tokens import token_facts
from poetstudio.forms.word_guard import WordGuard, real_words
from poetstudio.forms.writer import CLOSE, FormWriter

WINDOW = 64  # the model's top tokens checked each step: more than top_k's default 40, so the draw loses nothing
#              it would have seen
OPEN_WINDOW = 1024  # the word guard's window when top_k is off (0): an eighth of the shipped vocabulary checked a
#                    step; tokens past it are ruled out
WIDEN = 512  # when none of those fit, the next tokens are checked this many at a time (down the whole vocabulary)


def only(scores: torch.Tensor, ids: list[int]) -> torch.Tensor:
    """`scores` with every token but `ids` set to -inf."""
    out = torch.full_like(scores, float("-inf"))
    index = torch.tensor(ids, dtype=torch.long, device=scores.device)
    out[index] = scores[index]
    return out


def allowed_tokens(scores: torch.Tensor, allows, listed=lambda: (), window: int = WINDOW) -> list[int]:
    """The tokens `allows` lets through: of the model's top `window` if any, else of `listed()` (tokens worth
    checking besides the top ones), else of the next WIDEN at a time down the vocabulary; [] when none."""
    top = torch.topk(scores, min(window, scores.shape[-1])).indices.tolist()
    allowed = [t for t in top if allows(t)]
    if allowed:
        return allowed
    seen = set(top)
    allowed = [t for t in listed() if t not in seen and allows(t)]
    if allowed:
        return allowed
    order = torch.argsort(scores, descending=True).tolist()
    for start in range(len(top), len(order), WIDEN):
        allowed = [t for t in order[start:start + WIDEN] if allows(t)]
        if allowed:
            return allowed
    return []


class FormConstraint:
    """Writes the poem to a form: the masking side of a FormWriter."""

    def __init__(self, writer: FormWriter):
        self.writer = writer

    @property
    def done(self) -> bool:
        """Every line of the form is written."""
        return self.writer.done

    def mask(self, scores: torch.Tensor) -> torch.Tensor:
        """Rule out tokens that break the line's form; relax the line a level when nothing fits."""
        forced = self.writer.forced()
        if forced is not None:
            return only(scores, [forced])
        while True:
            allowed = allowed_tokens(scores, self.writer.allows, self.writer.listed)
            if allowed or self.writer.level >= CLOSE:
                break
            self.writer.relax()
        return only(scores, allowed or [self.writer.facts.newline_id])

    def advance(self, token_id: int) -> None:
        """Follow the token drawn."""
        self.writer.push(token_id)


class WordConstraint:
    """Keeps a free poem's words real (`guard`, poetstudio.forms.word_guard), its lines from saying one word
    over and over (`repeats`, poetstudio.forms.line_repeats), its layout a poem's (`layout`,
    poetstudio.forms.layout, which also ends the poem at a line's end) and its words from wearing out
    (`echoes`, poetstudio.forms.echoes); any may be None. The rules filter the candidates the draw would see:
    of the model's top `window` tokens (at least top_k), those that would begin or close an invented word,
    write a word its line has used up, or number a line, are ruled out, and the rest keep their scores, less
    what a worn word costs, so without `echoes` the blend stays exact among them. When none of those fits (a
    word the model cannot see how to finish), the search goes on down the vocabulary, where the word's next
    letters are unless a rule has ruled them out too; only if nothing at all fits do the scores pass
    unguarded."""

    def __init__(self, guard: WordGuard | None, window: int = WINDOW, repeats: LineRepeats | None = None,
                 layout: Layout | None = None, echoes: PoemEchoes | None = None):
        self.guard, self.window, self.repeats, self.layout, self.echoes = guard, window, repeats, layout, echoes
        self.rules = [rule for rule in (guard, repeats, layout) if rule is not None]

    @property
    def done(self) -> bool:
        """The layout rule has ended the poem at a line's end."""
        return self.layout is not None and self.layout.done

    def allows(self, token: int) -> bool:
        """Whether `token` passes every rule in force."""
        return all(rule.allows(token) for rule in self.rules)

    def mask(self, scores: torch.Tensor) -> torch.Tensor:
        """Only the top tokens that pass the rules stay finite."""
        if not self.rules:  # the echo penalty alone rules nothing out: it prices the top tokens
            allowed = torch.topk(scores, min(self.window, scores.shape[-1])).indices.tolist()
            out = scores.clone()
        else:
            allowed = allowed_tokens(scores, self.allows, window=self.window)
            if not allowed:
                return scores
            out = only(scores, allowed)
        if self.echoes is not None:
            costs = [self.echoes.cost(t) for t in allowed]
            if any(costs):
                index = torch.tensor(allowed, dtype=torch.long, device=scores.device)
                out[index] -= torch.tensor(costs, dtype=scores.dtype, device=scores.device)
        return out

    def advance(self, token_id: int) -> None:
        """Follow the token drawn."""
        for rule in self.rules:
            rule.push(token_id)
        if self.echoes is not None:
            self.echoes.push(token_id)


def word_constraint(tokenizer, top_k: int = 0, learned: WordCounts = NO_WORDS, real: bool = True,
                    word_repeats: int = 0, tidy_lines: bool = False, budget: int = 0,
                    opening: list[int] | tuple = (), echo_penalty: float = 0.0) -> WordConstraint | None:
    """The free-verse rules for one poem with this tokenizer: real words (`real`, with the words the model
    `learned` in training; the word list is built once and cached), at most `word_repeats` uses of a word
    in a line (0: no limit), a poem's layout (`tidy_lines`: no headings ("XIV."), no runs of blank lines, an
    end at a line's end within `budget` tokens), and worn words lowered by `echo_penalty` a use past
    ECHO_FREE_USES (0: off), checking the top max(WINDOW, top_k) tokens, or OPEN_WINDOW when top_k is off
    (0); None when no rule is asked for. `opening`: the person's opening lines (token ids), which the layout
    and the echo penalty read as the poem's first lines."""
    if not real and word_repeats <= 0 and not tidy_lines and echo_penalty <= 0:
        return None
    facts = token_facts(tokenizer)
    window = max(WINDOW, top_k) if top_k > 0 else OPEN_WINDOW
    guard = WordGuard(facts, real_words(facts, learned)) if real else None
    repeats = LineRepeats(facts, word_repeats) if word_repeats > 0 else None
    layout = Layout(facts, budget) if tidy_lines else None
    echoes = PoemEchoes(facts, ECHO_FREE_USES, echo_penalty) if echo_penalty > 0 else None
    for reader in (layout, echoes, repeats):
        if reader is not None:
            reader.read(list(opening))
    return WordConstraint(guard, window, repeats, layout, echoes)


def form_constraint(tokenizer, spec: FormSpec, opening: str = "", deadline_s: float | None = None,
                    read: WordCounts = NO_WORDS) -> FormConstraint:
    """A constraint writing `spec` with this tokenizer and the model's word list (`read`: lines end only on
    words it read often); the tokenizer's facts and lexicon are built once and cached. `opening` lines count
    as the form's first lines."""
    facts = token_facts(tokenizer)
    if facts.newline_id is None:
        raise ValueError("this tokenizer has no newline token, so it cannot write to a form; drop --form")
    writer = FormWriter(spec, facts, lexicon(facts, read), deadline_s)
    if opening.strip():
        writer.feed_opening(opening)
    return FormConstraint(writer)
