"""The decode loop, top to bottom: prefill every row once, then one token at a time for all rows.

Each row is the same poem conditioned on a different poet. At every step the runner gives each row's
next-token logits, the request's pipeline of steps turns them into one score per token, one token is
drawn, and that token is appended to every row, so each row's KV cache keeps reading the shared poem under
its own poet. The steps (poetstudio.engine.pipeline) are: blend -> guidance -> repetition penalty -> form
constraint -> temperature, then the draw (top-k/top-p, one draw).

With a style strength other than 1 one more row joins the batch: the same poem with no poet named, which
the guidance step reads. At strength 1 that row is never built, so it costs nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import torch

from poetstudio.engine.api import DecodeResult
from poetstudio.engine.detokenize import StreamDecoder
from poetstudio.engine.pipeline import Draw, LogitsStep, StepContext, build_steps, run_steps
from poetstudio.engine.runners import Runner, make_runner
from poetstudio.engine.sampling import Sampling


def stop_tokens(tokenizer) -> set[int]:
    """The tokens a poem ends on: the end-of-text token and every other special token (a chat model's
    `<|im_start|>` would open a new turn; a plain model's beginning-of-text, a new header)."""
    special = set(getattr(tokenizer, "all_special_ids", None) or [])
    return {t for t in special | {tokenizer.eos_token_id} if t is not None}


@torch.inference_mode()
def decode(
    model,
    tokenizer,
    prompts: list[list[int]],
    weights: torch.Tensor,
    sampling: Sampling,
    on_piece: Callable[[str], None] | None = None,
    cancel: threading.Event | None = None,
    ignore_eos: bool = False,
    runner: Runner | None = None,
    strength: float = 1.0,
    unconditioned: list[int] | None = None,
    constraint=None,
    steps: list[LogitsStep] | None = None,
) -> DecodeResult:
    """Generate one poem from the weighted blend of the rows' distributions, streaming text pieces.

    `strength` other than 1 guides the blend away from `unconditioned` (the prompt with no poet named),
    decoded as one extra row after the poets' rows; at 1 no extra row is added and `unconditioned` is unused.
    `ignore_eos` keeps going past the end-of-text token (benchmarks use it to time a fixed length).
    `runner` (from make_runner) is reused across calls by the engine; one is made when not given.
    `constraint` (see `poetstudio.engine.constraints`) masks the scores before temperature, follows each
    token drawn, and ends the poem when it is `done`.
    `steps` replaces the pipeline `build_steps` makes from the arguments above (for extensions: build it,
    insert a step, pass it here).
    """
    guided = strength != 1.0
    if guided and unconditioned is None:
        raise ValueError("a strength other than 1 needs the unconditioned prompt")
    runner = runner or make_runner(model)
    device = next(model.parameters()).device
    sampling = sampling.seeded()
    generator = torch.Generator(device=device)  # sampling stays on the model's device: no copy of the logits
    generator.manual_seed(sampling.seed)
    if steps is None:
        steps = build_steps(weights.to(device), len(prompts), strength, sampling, constraint)
    draw = Draw.for_sampling(sampling, generator)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    stop_ids = set() if ignore_eos else stop_tokens(tokenizer)
    stream = StreamDecoder(tokenizer)
    context = StepContext()
    generated = context.generated
    finished = cancelled = False
    started = time.perf_counter()
    first_token_s = 0.0
    logits = runner.prefill([*prompts, unconditioned] if guided else prompts, pad_id, sampling.max_new_tokens)
    while len(generated) < sampling.max_new_tokens:
        if cancel is not None and cancel.is_set():
            cancelled = True
            break
        if constraint is not None and constraint.done:  # the opening lines may already fill the form
            finished = True
            break
        context.rows = logits
        token = draw(run_steps(steps, logits, context))
        if not generated:
            first_token_s = time.perf_counter() - started
        if token in stop_ids:
            finished = True
            break
        generated.append(token)
        piece = stream.push(token)
        if piece and on_piece is not None:
            on_piece(piece)
        if constraint is not None:
            constraint.advance(token)
            if constraint.done:
                finished = True
                break
        if len(generated) < sampling.max_new_tokens:
            logits = runner.step(token)
    return DecodeResult(stream.text, generated, first_token_s, time.perf_counter() - started, finished, cancelled)
