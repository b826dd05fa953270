"""The studio's form picker, driven with Pilot on the real shipped model: the poem is written to the form
picked, the gutter marks which lines meet it, and the saved poem records the form."""

from __future__ import annotations

import pytest

from poetstudio.ui.launch import build_app
from poetstudio.ui.poem_pane import PoemPane
from poetstudio.ui.prompt_pane import PromptPane
from tests.test_studio import SIZE, ready, settle, wait_for

pytestmark = pytest.mark.slow


async def test_the_form_picker_writes_a_limerick_and_marks_its_lines():
    app = build_app(device="cpu")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await pilot.press("f6", *"the sea at night")
        prompt = app.query_one(PromptPane)
        prompt.query_one("#set-seed").value = "1000"
        prompt.query_one("#set-form").focus()
        await pilot.press("enter", *"limerick", "enter")
        assert prompt.form == "limerick"
        await pilot.press("ctrl+g")
        poem = app.query_one(PoemPane)
        await settle(pilot)
        assert not app.generating and poem.state == "done"
        assert app.last_request.form == "limerick"
        assert len([line for line in poem.text.split("\n") if line.strip()]) == 5
        assert await wait_for(pilot, lambda: poem.reading is not None)
        gutter = str(poem.query_one("#poem-text").render())
        assert gutter.count("\u2713") >= 4  # a mark per line that meets the form
        await pilot.press("ctrl+s", "enter")
        assert await wait_for(pilot, lambda: app.library is not None and len(app.library.list()) == 1)
        assert app.library.list()[0].sampling["form"] == "limerick"
