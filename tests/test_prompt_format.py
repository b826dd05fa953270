"""One prompt format: the trainer's examples and the engine's prompts agree token for token."""

from __future__ import annotations

import copy

import pytest

from poetstudio.corpus.poem import Poem
from poetstudio.engine.request import PoemRequest
from poetstudio.prompt_format import (
    CHAT,
    HEADER,
    IGNORE_INDEX,
    PromptSpec,
    example_ids,
    header_text,
    instruction_text,
    natural_format,
    prompt_ids,
    unconditioned,
)
from trainer.data import poem_examples

POEM = ("Because I could not stop for Death,\nHe kindly stopped for me;\n"
        "The carriage held but just ourselves\nAnd Immortality.")
CHAT_TEMPLATE = (
    "{% for m in messages %}<|bos|>{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}assistant: {% endif %}"
)


@pytest.fixture(params=[HEADER, CHAT])
def format_and_tokenizer(request, shipped_tokenizer):
    """(format, tokenizer) for each format: a chat template added to the shipped tokenizer for chat."""
    if request.param == HEADER:
        return HEADER, shipped_tokenizer
    chat = copy.deepcopy(shipped_tokenizer)
    chat.chat_template = CHAT_TEMPLATE
    return CHAT, chat


def test_header_names_poet_mood_and_title():
    spec = PromptSpec(poet="Emily Dickinson", title="The Carriage", mood="Fear")
    assert header_text(spec) == "Poet: Emily Dickinson\nMood: Fear\nTitle: The Carriage\n\n"
    assert header_text(PromptSpec(poet=None, title="")) == "Title: Untitled\n\n"


def test_instruction_describes_a_blend_like_the_published_model():
    spec = PromptSpec(poet=None, title="Night", mood="Joy")
    text = instruction_text(spec, {"Edgar Allan Poe": 1, "Emily Dickinson": 3})
    assert "75% Emily Dickinson and 25% Edgar Allan Poe" in text and "Emotion: Joy" in text


def test_generation_prompt_is_the_training_example_prefix(format_and_tokenizer):
    fmt, tokenizer = format_and_tokenizer
    spec = PromptSpec(poet="Emily Dickinson", title="The Carriage", mood="Fear")
    ids, labels = example_ids(tokenizer, spec, POEM, fmt=fmt)
    prompt = prompt_ids(tokenizer, spec, fmt=fmt)
    assert ids[: len(prompt)] == prompt
    assert labels[: len(prompt)] == [IGNORE_INDEX] * len(prompt)
    assert all(label != IGNORE_INDEX for label in labels[len(prompt):])
    assert labels[-1] == tokenizer.eos_token_id


def test_opening_lines_continue_exactly_as_in_training(format_and_tokenizer):
    fmt, tokenizer = format_and_tokenizer
    opening = "\n".join(POEM.split("\n")[:2])
    spec = PromptSpec(poet="Emily Dickinson", title="The Carriage", opening=opening)
    ids, _ = example_ids(tokenizer, PromptSpec(poet="Emily Dickinson", title="The Carriage"), POEM, fmt=fmt)
    prompt = prompt_ids(tokenizer, spec, fmt=fmt)
    assert ids[: len(prompt)] == prompt


def test_the_declared_format_decides_not_the_tokenizer(shipped_tokenizer):
    chat = copy.deepcopy(shipped_tokenizer)
    chat.chat_template = CHAT_TEMPLATE
    spec = PromptSpec(poet="W. B. Yeats", title="Swans")
    assert "Write a poem in the style of W. B. Yeats" in chat.decode(prompt_ids(chat, spec, fmt=CHAT))
    assert "Poet: W. B. Yeats" in chat.decode(prompt_ids(chat, spec, fmt=HEADER))
    plain = copy.deepcopy(shipped_tokenizer)
    plain.chat_template = None
    assert "Poet: W. B. Yeats" in plain.decode(prompt_ids(plain, spec, fmt=HEADER))
    assert natural_format(chat) == CHAT and natural_format(plain) == HEADER
    with pytest.raises(ValueError, match="unknown prompt format"):
        prompt_ids(chat, spec, fmt="markdown")


def test_trainer_examples_and_engine_prompts_agree(shipped_tokenizer):
    from poetstudio.engine.engine import row_prompts

    poem = Poem("Emily Dickinson", "The Carriage", POEM, mood="Fear")
    [example] = poem_examples(shipped_tokenizer, [poem], {"Emily Dickinson": 0}, seq_len=256, condition=True)
    request = PoemRequest(theme="The Carriage", blend={"Emily Dickinson": 1.0}, mood="Fear")
    [engine_prompt] = row_prompts(shipped_tokenizer, request, ["Emily Dickinson"], HEADER)
    assert example.ids[: len(engine_prompt)] == engine_prompt
    assert example.labels[len(engine_prompt) - 1] == IGNORE_INDEX != example.labels[len(engine_prompt)]


def test_the_unconditioned_header_is_the_header_without_its_poet_line():
    spec = PromptSpec(poet="Emily Dickinson", title="The Carriage", mood="Fear", opening="Because I could not")
    assert header_text(unconditioned(spec)) == header_text(spec).replace("Poet: Emily Dickinson\n", "")
    assert unconditioned(spec).opening == spec.opening and unconditioned(spec).mood == "Fear"


def test_the_engine_s_unconditioned_row_drops_only_the_poet_line(format_and_tokenizer):
    from poetstudio.engine.engine import row_prompts, unconditioned_prompt

    fmt, tokenizer = format_and_tokenizer
    request = PoemRequest(theme="The Carriage", blend={"Emily Dickinson": 1.0}, mood="Fear", opening="Because I",
                          strength=2.0)
    [poet_row] = row_prompts(tokenizer, request, ["Emily Dickinson"], fmt)
    plain_row = unconditioned_prompt(tokenizer, request, fmt)
    plain_spec = PromptSpec(poet=None, title="The Carriage", mood="Fear", opening="Because I")
    assert plain_row == prompt_ids(tokenizer, plain_spec, fmt=fmt)
    if fmt == CHAT:
        assert "any poet" in tokenizer.decode(plain_row) and "Emotion: Fear" in tokenizer.decode(plain_row)
    else:
        assert tokenizer.decode(plain_row) == tokenizer.decode(poet_row).replace("Poet: Emily Dickinson\n", "")
