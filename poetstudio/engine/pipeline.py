"""What the decode loop does with each token's logits: a list of named steps over the scores, then the draw.

A step is any `LogitsStep`: called as `step(scores, context)`, it returns new scores. The first step gets
every row's logits (rows x vocab); `Blend` turns them into one score per vocabulary token, and the steps
after it work on those. `build_steps` makes the list once per request, in this order:

    Blend -> Guidance -> RepetitionPenalty -> FormMask -> Temperature,   then Draw (top-k/top-p, one draw)

A step that would change nothing for the request (guidance at strength 1, no penalty, no form, temperature
1 or greedy) is not built, so it costs nothing. An extension is one more step: put it into the list at the
place it belongs and pass the list to `decode(..., steps=...)`. The maths of each step is a function in
poetstudio.engine.sampling; the objects here only hold their settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import torch

from poetstudio.engine.sampling import (
    blend_scores,
    draw_token,
    guide,
    penalise_repeats,
    scale_temperature,
    top_k_top_p,
)
from poetstudio.engine.sampling_settings import Sampling


@dataclass(eq=False)
class StepContext:
    """What a step may read besides the scores: this token's logits of every row (`rows`: the poets' rows,
    then the unconditioned row when guided) and the tokens generated so far (`generated`)."""

    rows: torch.Tensor | None = None
    generated: list[int] = field(default_factory=list)


class LogitsStep(Protocol):
    """One stage of the per-token pipeline: scores in, scores out (the same shape, or rows -> one row)."""

    def __call__(self, scores: torch.Tensor, context: StepContext) -> torch.Tensor:
        """The scores after this step."""
        ...


@dataclass(eq=False)
class Blend:
    """The poets' rows (the first `poets` of the scores) blended by `weights` into one score per token:
    the product of experts (sampling.blend_scores)."""

    weights: torch.Tensor
    poets: int

    def __call__(self, scores: torch.Tensor, context: StepContext) -> torch.Tensor:
        """One row of blended scores from the rows' logits."""
        return blend_scores(scores[: self.poets], self.weights)


@dataclass(eq=False)
class Guidance:
    """Classifier-free guidance at `strength` away from the unconditioned row, row `row` of this token's
    logits (sampling.guide)."""

    row: int
    strength: float

    def __call__(self, scores: torch.Tensor, context: StepContext) -> torch.Tensor:
        """The blend moved away from the unconditioned row."""
        return guide(scores, context.rows[self.row], self.strength)


@dataclass(eq=False)
class RepetitionPenalty:
    """Tokens already generated lowered by log(`penalty`) (sampling.penalise_repeats)."""

    penalty: float

    def __call__(self, scores: torch.Tensor, context: StepContext) -> torch.Tensor:
        """The scores with the generated tokens penalised."""
        return penalise_repeats(scores, context.generated, self.penalty)


@dataclass(eq=False)
class FormMask:
    """Tokens that would break the form set to -inf (a constraint's `mask`, poetstudio.engine.constraints);
    the decode loop tells the constraint each token drawn and stops when it is done."""

    constraint: object

    def __call__(self, scores: torch.Tensor, context: StepContext) -> torch.Tensor:
        """The scores with only what the form allows left finite."""
        return self.constraint.mask(scores)


@dataclass(eq=False)
class Temperature:
    """Scores divided by `temperature` (sampling.scale_temperature)."""

    temperature: float

    def __call__(self, scores: torch.Tensor, context: StepContext) -> torch.Tensor:
        """The scores at this temperature."""
        return scale_temperature(scores, self.temperature)


@dataclass(eq=False)
class Draw:
    """The last stage: one token from the final scores, greedy (the highest score) or drawn from the top_k /
    top_p candidates (sampling.top_k_top_p, sampling.draw_token) with `generator`."""

    top_k: int
    top_p: float
    generator: torch.Generator | None
    greedy: bool = False

    @classmethod
    def for_sampling(cls, sampling: Sampling, generator: torch.Generator | None) -> Draw:
        """The draw these settings ask for; temperature 0 or below is greedy."""
        return cls(sampling.top_k, sampling.top_p, generator, greedy=sampling.temperature <= 0)

    def __call__(self, scores: torch.Tensor) -> int:
        """The token drawn."""
        if self.greedy:
            return int(torch.argmax(scores))
        return draw_token(*top_k_top_p(scores, self.top_k, self.top_p), self.generator)


def build_steps(weights: torch.Tensor, poets: int, strength: float, sampling: Sampling,
                constraint=None) -> list[LogitsStep]:
    """The steps for one request, in order (see the module docstring). `weights` (on the logits' device)
    blend the first `poets` rows; a strength other than 1 guides away from row `poets`."""
    steps: list[LogitsStep] = [Blend(weights, poets)]
    if strength != 1.0:
        steps.append(Guidance(poets, strength))
    if sampling.repetition_penalty != 1.0:
        steps.append(RepetitionPenalty(sampling.repetition_penalty))
    if constraint is not None:
        steps.append(FormMask(constraint))
    if sampling.temperature > 0 and sampling.temperature != 1.0:
        steps.append(Temperature(sampling.temperature))
    return steps


def run_steps(steps: list[LogitsStep], logits: torch.Tensor, context: StepContext) -> torch.Tensor:
    """This token's scores: every row's `logits` through each step in turn."""
    scores = logits
    for step in steps:
        scores = step(scores, context)
    return scores
