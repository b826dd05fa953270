"""The one prompt format: how a training example and a generation prompt are written and tokenized.

The trainer and the generation engine both call these functions, so what a model learns to read is
exactly what it is later given. The format is declared, never guessed from the tokenizer: a run chooses it
(`prompt_format`, default: chat where the tokenizer has a chat template), the adapter's metadata records it, and
the engine reads it from there. `header`: a short `Poet/Mood/Title` header for plain models; `chat`: an
instruction through the tokenizer's chat template, the poem as the assistant's answer, ended by the template's
end token (`<|im_end|>` for SmolLM2). Loss is taken on the poem only.

The unconditioned prompt (`unconditioned`: the poem with no poet named, which style strength guides the
blend away from) drops the Poet line and nothing else. The Mood line stays when a mood is set, as do the
Title and the opening lines, so the guided difference is the poets' voice alone and the mood is neither
strengthened nor cancelled. Training examples with no poet are written the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Protocol

FORMAT_VERSION = 1
HEADER, CHAT = "header", "chat"
CHAT_SYSTEM = "You are a poet."
"""The chat format's system message. Short on purpose: every training passage carries its header, and SmolLM2's
default system prompt and a longer instruction made it 58 tokens (35 with these), about a fifth of the tokens a CPU run
pays for without learning from them."""
FORMATS = (HEADER, CHAT)
IGNORE_INDEX = -100  # the label value torch's cross-entropy skips: header tokens carry no loss


class Tokenizer(Protocol):
    """The part of a Hugging Face tokenizer the format uses."""

    bos_token_id: int | None
    eos_token_id: int | None
    eos_token: str | None
    chat_template: Any

    def encode(self, text: str, add_special_tokens: bool = ...) -> list[int]:
        """Turn text into token ids."""


@dataclass(frozen=True)
class PromptSpec:
    """What a poem is asked to be: by whom, in which mood, on what theme, starting with which lines."""

    poet: str | None
    title: str
    mood: str | None = None
    opening: str = ""


def header_text(spec: PromptSpec) -> str:
    """The plain-model header: optional Poet and Mood lines, the Title line, then a blank line."""
    lines = []
    if spec.poet:
        lines.append(f"Poet: {spec.poet}")
    if spec.mood:
        lines.append(f"Mood: {spec.mood}")
    lines.append(f"Title: {spec.title.strip() or 'Untitled'}")
    return "\n".join(lines) + "\n\n"


def unconditioned(spec: PromptSpec) -> PromptSpec:
    """The same poem with no poet named: the Poet line goes; Mood, Title and opening lines stay."""
    return replace(spec, poet=None)


def describe_blend(blend: dict[str, float]) -> str:
    """Say a blend in words for chat models, largest weight first: '60% Emily Dickinson and 40% Edgar Allan Poe'."""
    total = sum(blend.values())
    parts = [f"{round(100 * w / total)}% {poet}" for poet, w in sorted(blend.items(), key=lambda kv: -kv[1]) if w > 0]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def instruction_text(spec: PromptSpec, blend: dict[str, float] | None = None) -> str:
    """The chat-model instruction, in the spirit of the published model's `Author: X, Emotion: Y` prompt."""
    if blend and len([w for w in blend.values() if w > 0]) > 1:
        voice = f"a blend of {describe_blend(blend)}"
    else:
        voice = spec.poet or "any poet"
    text = f"Write a poem in the style of {voice}."
    if spec.mood:
        text += f" Emotion: {spec.mood}."
    return text + f" Title: {spec.title.strip() or 'Untitled'}."


def uses_chat_template(tokenizer: Tokenizer) -> bool:
    """True when the tokenizer carries a chat template."""
    return bool(getattr(tokenizer, "chat_template", None))


def natural_format(tokenizer: Tokenizer) -> str:
    """The format a new run picks for a base when none is asked for: chat where the tokenizer has a template."""
    return CHAT if uses_chat_template(tokenizer) else HEADER


def checked_format(fmt: str) -> str:
    """`fmt` itself, when it is a known format."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown prompt format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return fmt


def _opening_text(opening: str) -> str:
    opening = opening.strip("\n")
    return opening + "\n" if opening else ""


def header_ids(tokenizer: Tokenizer, spec: PromptSpec, blend: dict[str, float] | None = None, *,
               fmt: str) -> list[int]:
    """Token ids of everything before the poem's first character, in format `fmt`."""
    if checked_format(fmt) == CHAT:
        messages = [{"role": "system", "content": CHAT_SYSTEM},
                    {"role": "user", "content": instruction_text(spec, blend)}]
        rendered = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        return tokenizer.encode(rendered, add_special_tokens=False)
    bos = [tokenizer.bos_token_id] if tokenizer.bos_token_id is not None else []
    return bos + tokenizer.encode(header_text(spec), add_special_tokens=False)


def prompt_ids(tokenizer: Tokenizer, spec: PromptSpec, blend: dict[str, float] | None = None, *,
               fmt: str) -> list[int]:
    """Token ids a generation starts from: the header, then the opening lines if any."""
    opening = _opening_text(spec.opening)
    body = tokenizer.encode(opening, add_special_tokens=False) if opening else []
    return header_ids(tokenizer, spec, blend, fmt=fmt) + body


def poet_rows(tokenizer: Tokenizer, body: list[int], poets: list[str], title: str,
              mood: str | None = None, *, fmt: str) -> tuple[list[list[int]], list[int]]:
    """The same poem tokens under each poet's header, for scoring it as each of them:
    (one row per poet, the index where the poem starts in each row)."""
    heads = [header_ids(tokenizer, PromptSpec(poet=poet, title=title, mood=mood), fmt=fmt) for poet in poets]
    return [head + body for head in heads], [len(head) for head in heads]


def example_ids(tokenizer: Tokenizer, spec: PromptSpec, poem: str, *, fmt: str) -> tuple[list[int], list[int]]:
    """A training example: (input ids, labels) with the header masked out and the end token learned (the
    tokenizer's end-of-text token; for chat templates that is the end of the assistant's turn)."""
    head = header_ids(tokenizer, spec, fmt=fmt)
    body = tokenizer.encode(poem.strip("\n") + "\n", add_special_tokens=False)
    if tokenizer.eos_token_id is not None:
        body.append(tokenizer.eos_token_id)
    return head + body, [IGNORE_INDEX] * len(head) + body
