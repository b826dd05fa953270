"""Constraints on the blended distribution inside the decode loop, and the form constraint built on
`poetstudio.forms.writer`.

A constraint is any object with:

- ``mask(scores) -> scores``: called (by the decode pipeline's FormMask step) on the blended, guided and
  penalised scores of the whole vocabulary before temperature, top-k and top-p; tokens it rules out come
  back as -inf, the rest unchanged (so within what the constraint allows, the blend is exact);
- ``advance(token_id)``: called with each token drawn;
- ``done``: True when the constrained text is complete (the loop then stops, as at end-of-text).
"""

from __future__ import annotations

import torch

from poetstudio.forms.lexicon import lexicon
from poetstudio.forms.spec import FormSpec
from poetstudio.forms.tokens import token_facts
from poetstudio.forms.writer import CLOSE, FormWriter

WINDOW = 64  # the model's top tokens checked each step: more than top_k's default 40, so the draw loses nothing
#              it would have seen
WIDEN = 512  # when none of those fit, the next tokens are checked this many at a time (down the whole vocabulary)


def only(scores: torch.Tensor, ids: list[int]) -> torch.Tensor:
    """`scores` with every token but `ids` set to -inf."""
    out = torch.full_like(scores, float("-inf"))
    index = torch.tensor(ids, dtype=torch.long, device=scores.device)
    out[index] = scores[index]
    return out


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
            allowed = self._allowed(scores)
            if allowed or self.writer.level >= CLOSE:
                break
            self.writer.relax()
        return only(scores, allowed or [self.writer.facts.newline_id])

    def _allowed(self, scores: torch.Tensor) -> list[int]:
        writer = self.writer
        top = torch.topk(scores, min(WINDOW, scores.shape[-1])).indices.tolist()
        allowed = [t for t in top if writer.allows(t)]
        if allowed:
            return allowed
        seen = set(top)
        allowed = [t for t in writer.listed() if t not in seen and writer.allows(t)]
        if allowed:
            return allowed
        order = torch.argsort(scores, descending=True).tolist()
        for start in range(WINDOW, len(order), WIDEN):
            allowed = [t for t in order[start:start + WIDEN] if writer.allows(t)]
            if allowed:
                return allowed
        return []

    def advance(self, token_id: int) -> None:
        """Follow the token drawn."""
        self.writer.push(token_id)


def form_constraint(tokenizer, spec: FormSpec, opening: str = "", deadline_s: float | None = None) -> FormConstraint:
    """A constraint writing `spec` with this tokenizer; the tokenizer's facts and lexicon are built once
    and cached. `opening` lines count as the form's first lines."""
    facts = token_facts(tokenizer)
    if facts.newline_id is None:
        raise ValueError("this tokenizer has no newline token, so it cannot write to a form; drop --form")
    writer = FormWriter(spec, facts, lexicon(facts), deadline_s)
    if opening.strip():
        writer.feed_opening(opening)
    return FormConstraint(writer)
