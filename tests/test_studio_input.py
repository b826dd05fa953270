"""What the studio does with what a person types or pastes (issue 28): an over-long theme, an empty title,
a multi-line paste into the theme, a poem that is starting, and Enter in the theme box. Driven with Pilot on
the deterministic stand-in engine."""

from __future__ import annotations

import threading

import pytest
from textual import events
from textual.widgets import Input, TextArea

from poetstudio.draft import Draft, save_draft
from poetstudio.engine.api import DecodeResult, GeneratedPoem
from poetstudio.library import Library, SavedPoem
from poetstudio.paths import draft_path, library_path
from poetstudio.ui.help_keys import key_sections
from poetstudio.ui.launch import build_app
from poetstudio.ui.modals import AskText
from poetstudio.ui.poem_pane import PoemPane
from poetstudio.ui.prompt_pane import THEME_LIMIT, PromptPane
from tests.conftest import StubEngine, wait_for
from tests.test_studio_flow import SIZE, errors, messages, save_poems, settle


def status(app) -> str:
    """The Poem pane's status line, as shown."""
    return str(app.query_one(PoemPane).query_one("#poem-status").render())


def shown(app) -> str:
    """What the Poem pane's body shows (the poem, or the line standing in for it)."""
    return str(app.query_one(PoemPane).query_one("#poem-text").render())


def paste(app, text: str) -> None:
    """Paste `text` into the theme box, as a terminal's bracketed paste does."""
    app.query_one("#theme", Input).post_message(events.Paste(text))


def the_saved_poem() -> SavedPoem:
    """The one poem in the library (the test fails if there are more or none)."""
    library = Library(library_path())
    (saved,) = library.list()
    library.close()
    return saved


def library_titles() -> list[str]:
    library = Library(library_path())
    titles = [p.title for p in library.list()]
    library.close()
    return titles


# 2: an over-long prompt is refused, names what is too long, and never looks like a finished poem -------


async def test_an_over_long_theme_is_refused_naming_the_theme_and_the_poem_before_stays():
    engine = StubEngine(context=1000)
    app = build_app(engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f6", *"the sea", "ctrl+g")
        await settle(pilot, app)
        poem = app.query_one(PoemPane)
        kept, seed = poem.text, poem.seed
        app.query_one("#theme", Input).value = ""
        paste(app, "the sea, the endless sea, " * 440)  # about 11,000 characters, the opening lines empty
        await pilot.pause()
        await pilot.press("ctrl+g")
        await settle(pilot, app, failing=True)
        theme = app.query_one(PromptPane).theme
        assert len(theme) > 11_000
        refusal = errors(app)[-1]
        assert "theme" in refusal and f"{len(theme):,}" in refusal and f"{THEME_LIMIT}" in refusal
        assert "opening lines" not in refusal.split(":")[0]  # it does not blame the (empty) opening lines
        assert len(engine.requests) == 1  # refused before the model was asked
        assert poem.text == kept and poem.seed == seed and poem.state == "refused"
        assert "refused" in status(app) and "done" not in status(app) and "0 tokens" not in status(app)
        assert "earlier poem" in status(app)


async def test_opening_lines_the_engine_refuses_leave_the_earlier_poem_marked_refused():
    engine = StubEngine(context=1000)
    app = build_app(engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f6", *"rain", "ctrl+g")
        await settle(pilot, app)
        poem = app.query_one(PoemPane)
        kept, seed = poem.text, poem.seed
        app.query_one("#opening", TextArea).text = "word " * 2_000
        await pilot.press("ctrl+g")
        await settle(pilot, app, failing=True)
        assert "longer than the model's context" in errors(app)[-1] and len(engine.requests) == 2
        assert poem.text == kept and poem.seed == seed and poem.state == "refused"
        assert "refused" in status(app) and "done" not in status(app) and "0 tokens" not in status(app)
        app.query_one("#opening", TextArea).text = ""
        await pilot.press("ctrl+g")
        await settle(pilot, app)
        assert poem.state == "done" and "refused" not in status(app) and "earlier poem" not in status(app)


# 4: an empty title is refused in the dialog, which stays open ----------------------------------------


async def test_an_empty_title_is_refused_when_saving_and_the_dialog_stays_open():
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f6", *"rain", "ctrl+g")
        await settle(pilot, app)
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, AskText)
        await pilot.press("ctrl+u", "enter")
        await pilot.pause()
        assert isinstance(app.screen, AskText)
        assert any("a title cannot be empty" in m for m in errors(app))
        await pilot.press(*"   ", "enter")
        await pilot.pause()
        assert isinstance(app.screen, AskText) and library_titles() == []
        await pilot.press("ctrl+u", *"Rain", "enter")
        await settle(pilot, app)
        assert not isinstance(app.screen, AskText) and library_titles() == ["Rain"]


async def test_an_empty_title_is_refused_when_renaming_and_the_dialog_stays_open():
    save_poems(SavedPoem(title="Harbour", text="A line\n"))
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f8", "down", "f2")
        assert isinstance(app.screen, AskText)
        await pilot.press("ctrl+u", "enter")
        await pilot.pause()
        assert isinstance(app.screen, AskText)
        assert any("a title cannot be empty" in m for m in errors(app))
        await pilot.press(*"Lantern", "enter")
        await settle(pilot, app)
        assert not isinstance(app.screen, AskText) and library_titles() == ["Lantern"]


# 5: a multi-line paste into the theme keeps every line ----------------------------------------------


async def test_a_multi_line_paste_into_the_theme_is_joined_into_one_theme_and_said():
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f6", *"night: ")
        paste(app, "the sea\r\n  at night\n\nand the lantern\n")
        await pilot.pause()
        prompt = app.query_one(PromptPane)
        assert prompt.theme == "night: the sea at night and the lantern" and prompt.opening == ""
        assert any("3 lines" in m and "joined" in m for m in messages(app))
        count = len(messages(app))
        paste(app, " again")
        await pilot.pause()
        assert prompt.theme.endswith("lantern again") and len(messages(app)) == count  # one line: nothing to say


async def test_a_long_multi_line_paste_says_the_theme_is_too_long():
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f6")
        paste(app, "a line of the sea\n" * 40)
        await pilot.pause()
        assert len(app.query_one(PromptPane).theme) > THEME_LIMIT
        assert any("40 lines" in m and "opening lines" in m for m in messages(app))


# 14: a poem that is starting says so ----------------------------------------------------------------


class SlowStart(StubEngine):
    """A stand-in whose model reads the prompt until `gate` is set (or the poem is stopped), as a real one
    does before its first token; `reading` is set once it has begun."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.gate, self.reading, self.stop = threading.Event(), threading.Event(), threading.Event()

    def generate(self, request, on_piece):
        self.stop.clear()
        self.reading.set()
        while not self.gate.wait(0.01):
            if self.stop.is_set():  # stopped while reading the prompt: nothing written
                sampling = request.sampling.seeded()
                result = DecodeResult("", [], 0.0, 0.0, finished=False, cancelled=True)
                return [GeneratedPoem("", {}, None, sampling.seed, sampling, result)]
        return super().generate(request, on_piece)

    def cancel(self):
        self.stop.set()
        super().cancel()


async def test_the_poem_pane_says_a_poem_is_starting_even_when_ctrl_g_is_pressed_twice():
    engine = SlowStart()
    app = build_app(engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f6", *"rain", "ctrl+g")
        assert await wait_for(pilot, engine.reading.is_set, 10)
        await pilot.pause()
        assert "starting" in shown(app) and "no poem yet" not in shown(app)
        engine.reading.clear()
        await pilot.press("ctrl+g")  # again, before the first line: this one stops, the next starts
        await pilot.pause()
        assert "starting" in shown(app) and "no poem yet" not in shown(app)
        assert await wait_for(pilot, engine.reading.is_set, 10)
        await pilot.pause()
        assert app.generating and "starting" in shown(app) and "no poem yet" not in shown(app)
        engine.gate.set()
        await settle(pilot, app)
        poem = app.query_one(PoemPane)
        assert poem.state == "done" and "Line 1" in shown(app)
        kept = poem.text
        engine.gate.clear()
        engine.reading.clear()
        await pilot.press("ctrl+r")
        assert await wait_for(pilot, engine.reading.is_set, 10)
        await pilot.press("escape")  # stopped before its first line: the earlier poem comes back, said so
        await settle(pilot, app)
        assert poem.text == kept and poem.state == "stopped" and "nothing was written" in status(app)


async def test_a_poem_asked_for_while_the_model_loads_says_it_will_start():
    gate = threading.Event()
    app = build_app(engine=StubEngine(load_gate=gate))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.load_started, 20)
        await pilot.press("f6", *"rain", "ctrl+g")
        await pilot.pause()
        assert "once the model has loaded" in shown(app)
        await pilot.press("escape")  # the waiting poem is dropped
        await pilot.pause()
        assert "no poem yet" in shown(app)
        gate.set()
        await settle(pilot, app)


# 19: Enter in the theme box generates; in the opening lines it is a new line -------------------------


async def test_enter_in_the_theme_generates_and_in_the_opening_lines_is_a_new_line():
    engine = StubEngine()
    app = build_app(engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f6", *"rain", "enter")
        await settle(pilot, app)
        assert [r.theme for r in engine.requests] == ["rain"] and app.query_one(PoemPane).state == "done"
        await pilot.press("f6", "tab", *"one", "enter", *"two")
        await settle(pilot, app)
        assert app.query_one(PromptPane).opening == "one\ntwo" and len(engine.requests) == 1


def test_the_help_says_enter_in_the_theme_box_writes_a_poem():
    prompt_keys = dict(key_sections({})["Prompt pane"])
    assert "generate" in prompt_keys.get("enter (theme box)", "").lower()


# 6: a max tok over the limit is refused in the Prompt pane, naming the limit, and the value before stays --


async def test_a_max_tokens_over_the_limit_is_refused_naming_it_and_the_value_before_stays():
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        box = app.query_one("#set-max_new_tokens", Input)
        box.value = "300"
        await pilot.pause()
        box.value = "99999"  # pasted over the box
        await pilot.pause()
        assert box.value == "300"
        refusal = messages(app)[-1]
        assert "8,192" in refusal and "99,999" in refusal and "max tok" in refusal and "\n" not in refusal
        assert "300" in refusal  # says what was kept
        app.save_draft_now()
        assert app.draft.sampling["max_new_tokens"] == 300  # the draft never holds the refused value
        await pilot.press("ctrl+g")
        await settle(pilot, app)
        assert app.engine.requests[-1].sampling.max_new_tokens == 300


async def test_a_max_tokens_typed_past_the_limit_leaves_the_last_digit_out():
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        box = app.query_one("#set-max_new_tokens", Input)
        box.value = ""
        box.focus()
        await pilot.press(*"12345")
        await pilot.pause()
        assert box.value == "1234"
        assert any("8,192" in m and "12,345" in m for m in messages(app))
        await pilot.press("backspace", "backspace", "backspace")
        await pilot.pause()
        assert box.value == "1"  # the box still edits normally
        app.save_draft_now()
        assert app.draft.sampling["max_new_tokens"] == 1


async def test_a_smaller_max_tokens_limit_is_the_one_named():
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        prompt = app.query_one(PromptPane)
        prompt.token_limit = 100  # as a smaller model's context would
        box = app.query_one("#set-max_new_tokens", Input)
        box.value = "150"
        await pilot.pause()
        assert box.value == "256"  # the config's default stays
        assert "at most 100 " in messages(app)[-1]


async def test_a_draft_saved_with_max_tokens_over_the_limit_opens_with_the_default():
    save_draft(Draft(theme="rain", sampling={"max_new_tokens": 99999}), draft_path())
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert app.query_one("#set-max_new_tokens", Input).value == ""
        await pilot.press("ctrl+g")
        await settle(pilot, app)
        assert app.engine.requests[-1].sampling.max_new_tokens == 256


# 11: a poem line too long for the pane wraps inside the poem's column, behind the gutter -----------------

LONG_LINES = ("I heard a fly buzz when I died, and the stillness in the room was like the stillness in the air "
              "between the heaves of storm\n"
              "Short line here\n"
              "\n"
              "The eyes around had wrung them dry, and breaths were gathering firm for that last onset, when the king "
              "be witnessed in the room\n")


def gutter_rows(app) -> list[str]:
    """The rows of the annotated poem as shown, after the reading has come."""
    return [row for row in shown(app).split("\n") if row.strip()]


async def _read_poem_at(pilot, app, engine) -> None:
    await settle(pilot, app)
    await pilot.press("f6", *"rain", "ctrl+g")
    await settle(pilot, app)
    assert await wait_for(pilot, lambda: "│" in shown(app), 10)


def assert_inside_the_column(app, width: int) -> None:
    rows = gutter_rows(app)
    bar = rows[0].index("│")
    assert len(rows) > 4  # the two long lines took more than one row each
    for row in rows:
        assert row.index("│") == bar, row  # every row, first or wrapped, keeps the gutter's bar in place
        assert len(row) <= width, row  # and fits, so the terminal never wraps it back to column 0
    words = " ".join(row[bar + 1:].strip() for row in rows).split()
    assert words == LONG_LINES.split()  # nothing lost or repeated in the wrapping


async def test_long_lines_wrap_inside_the_poem_column_at_80_columns():
    engine = StubEngine(poem=LONG_LINES)
    app = build_app(engine=engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await _read_poem_at(pilot, app, engine)
        width = app.query_one("#poem-scroll").scrollable_content_region.width
        assert width < 120
        assert_inside_the_column(app, width)


async def test_long_lines_wrap_again_when_the_terminal_is_resized():
    engine = StubEngine(poem=LONG_LINES)
    app = build_app(engine=engine)
    async with app.run_test(size=(160, 50)) as pilot:
        await _read_poem_at(pilot, app, engine)
        wide = len(gutter_rows(app))
        await pilot.resize_terminal(100, 30)
        await pilot.pause(0.2)
        await pilot.pause()
        width = app.query_one("#poem-scroll").scrollable_content_region.width
        assert len(gutter_rows(app)) > wide
        assert_inside_the_column(app, width)


# 18: keys typed while a dialog opens or focus moves reach where they were meant for ---------------------


def type_at_once(app, keys: list[str]) -> None:
    """Put `keys` in the app's queue in one go, as a terminal delivers a fast typist's burst: none is handled
    before the next arrives (Pilot's press waits for each)."""
    characters = {"equals_sign": "=", "full_stop": ".", "space": " ", "enter": "\r", "f6": None, "f5": None}
    for key in keys:
        char = characters.get(key, key if len(key) == 1 else None)
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)


async def _type_a_weight_at_once() -> None:
    from poetstudio.ui.poets_pane import PoetsPane

    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        poets = app.query_one(PoetsPane)
        await pilot.press("down")
        poet = poets.current
        type_at_once(app, ["equals_sign", "0", "full_stop", "4", "enter"])
        await wait_for(pilot, lambda: poets.blend.weights[poet] > 0 or errors(app), 5)
        await pilot.pause()
        assert not errors(app), errors(app)
        assert poets.blend.weights[poet] == pytest.approx(0.4)
        assert not isinstance(app.screen, AskText)


async def test_a_weight_typed_as_the_dialog_opens_is_not_lost():
    for _ in range(3):  # the burst races the dialog's mounting: every try must keep every key
        await _type_a_weight_at_once()


async def test_a_theme_typed_right_after_moving_to_the_prompt_pane_lands_in_the_theme():
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        type_at_once(app, ["f5", "f6", *"the moon"])
        await wait_for(pilot, lambda: len(app.query_one(PromptPane).theme) >= 8, 5)
        assert app.query_one(PromptPane).theme == "the moon"


async def test_a_title_typed_as_the_save_dialog_opens_is_the_title_saved():
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f6", *"rain", "ctrl+g")
        await settle(pilot, app)
        app.query_one("#theme", Input).focus()
        await pilot.pause()
        type_at_once(app, ["ctrl+s", *"Wet", "enter"])  # the offered title is selected as the dialog opens: replaced
        await wait_for(pilot, lambda: not isinstance(app.screen, AskText), 5)
        await pilot.pause()
        assert library_titles() == ["Wet"]


# 20: this sitting's poems: step back to an earlier one and save it with what made it ---------------------


async def test_an_earlier_poem_of_the_sitting_comes_back_and_saves_with_its_own_prompt_and_seed():
    engine = StubEngine()
    app = build_app(engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f6", *"rain", "ctrl+g")
        await settle(pilot, app)
        poem = app.query_one(PoemPane)
        first, first_seed = poem.text, poem.seed
        await pilot.press("f6", "ctrl+a", "ctrl+k", *"snow", "ctrl+g")
        await settle(pilot, app)
        await pilot.press("f6", "ctrl+a", "ctrl+k", *"fog", "ctrl+g")
        await settle(pilot, app)
        assert poem.text != first and len(engine.requests) == 3
        await pilot.press("f7", "h")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "SessionPicker", 5)
        listed = [str(o.prompt) for o in app.screen.query_one("OptionList").options]
        assert [row.split(". ", 1)[0].strip("▶ ") for row in listed] == ["3", "2", "1"]  # newest first
        assert "fog" in listed[0] and "rain" in listed[2] and listed[0].startswith("▶")  # the one on screen
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert poem.text == first and poem.seed == first_seed
        assert "1 of 3" in status(app)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, AskText), 5)
        assert app.screen.query_one(Input).value == "rain"  # its own theme, not the prompt's "fog"
        await pilot.press("enter")
        await pilot.pause()
    saved = the_saved_poem()
    assert (saved.text, saved.theme, saved.seed) == (first, "rain", first_seed)


async def test_the_sitting_list_says_when_there_is_nothing_yet_and_escape_closes_it():
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f7", "h")
        await pilot.pause()
        assert "no poems written in this sitting yet" in messages(app)[-1]
        await pilot.press("f6", *"rain", "ctrl+g")
        await settle(pilot, app)
        shown = app.query_one(PoemPane).text
        await pilot.press("f7", "h")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "SessionPicker", 5)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "StudioScreen" and app.query_one(PoemPane).text == shown


def test_the_sitting_keeps_only_poems_with_words_and_at_most_its_limit():
    from poetstudio.engine.request import PoemRequest
    from poetstudio.ui.session_poems import MAX_SESSION_POEMS, SessionPoems

    session = SessionPoems()
    request = PoemRequest(theme="rain", blend={"Emily Dickinson": 1.0})
    session.add(request, ["", "  \n"], [1, 2], "rain", "")
    assert len(session) == 0
    for n in range(MAX_SESSION_POEMS + 3):
        session.add(request, [f"poem {n}\n", ""], [n, n + 1], "rain", "")
    assert len(session) == MAX_SESSION_POEMS
    assert session.entries[0].poems == ("poem 3\n",) and session.entries[0].seeds == (3,)


async def test_once_loaded_the_model_context_is_the_max_tokens_limit():
    gate = threading.Event()
    app = build_app(engine=StubEngine(load_gate=gate, context=1024))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.load_started, 20)
        box = app.query_one("#set-max_new_tokens", Input)
        box.value = "5000"  # typed while the model loads: within the CLI's ceiling, past this model's context
        await pilot.pause()
        assert box.value == "5000"
        gate.set()
        await settle(pilot, app)
        assert box.value == "" and "more than this model reads (1,024 tokens" in messages(app)[-1]
        box.value = "2000"
        await pilot.pause()
        assert box.value == "" and "at most 1,024 tokens" in messages(app)[-1]
        box.value = "900"
        await pilot.pause()
        assert box.value == "900"


async def _three_poems(pilot, app) -> list[str]:
    """Write poems on 'rain', 'snow' and 'fog' (in that order); their texts."""
    await settle(pilot, app)
    texts = []
    for number, theme in enumerate(("rain", "snow", "fog")):
        await pilot.press("f6", *(["ctrl+a", "ctrl+k"] if number else []), *theme, "ctrl+g")
        await settle(pilot, app)
        texts.append(app.query_one(PoemPane).text)
    return texts


async def test_a_burst_typed_into_the_sitting_list_chooses_then_saves_with_the_title_typed():
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        rain, _, _ = await _three_poems(pilot, app)
        await pilot.press("f7")
        type_at_once(app, ["h", "down", "down", "enter", "ctrl+s", *"Burst", "enter"])
        await wait_for(pilot, lambda: library_titles() == ["Burst"], 5)
        assert app.query_one(PoemPane).text == rain and "1 of 3" in status(app)
    saved = the_saved_poem()
    assert (saved.title, saved.text, saved.theme) == ("Burst", rain, "rain")


async def test_keys_typed_at_once_in_a_text_box_are_applied_in_order():
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f6")
        theme = app.query_one("#theme", Input)
        type_at_once(app, [*"abc", "home", "X"])
        await wait_for(pilot, lambda: len(theme.value) >= 4, 5)
        assert theme.value == "Xabc"
        theme.value = ""
        type_at_once(app, [*"abc", "backspace", "X", "left", "left", "Y"])
        await wait_for(pilot, lambda: len(theme.value) >= 4, 5)
        assert theme.value == "aYbX"


async def test_an_earlier_poem_exports_under_its_own_theme():
    from poetstudio.paths import data_dir

    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await _three_poems(pilot, app)
        await pilot.press("f7", "h")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "SessionPicker", 5)
        await pilot.press("down", "down", "enter", "x")
        await pilot.pause()
    (exported,) = (data_dir() / "exports").glob("*.md")
    assert "rain" in exported.name and exported.read_text(encoding="utf-8").startswith("# rain")


async def test_a_restored_poem_saves_with_what_wrote_it_not_the_prompt_edited_since():
    from poetstudio.ui.poets_pane import PoetsPane

    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f6", *"rain", "ctrl+g")
        await settle(pilot, app)
        written, blend = app.query_one(PoemPane).text, dict(app.engine.requests[-1].blend)
        await pilot.press("f6", "ctrl+a", "ctrl+k", *"fog", "f5", "down", "s")  # a new theme and a solo
        await pilot.pause()
        assert app.query_one(PoetsPane).blend.active() != blend
        app.save_draft_now()
    again = build_app(engine=StubEngine())
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot, again)
        assert again.query_one(PoemPane).text == written and again.query_one(PromptPane).theme == "fog"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(again.screen, AskText), 5)
        assert again.screen.query_one(Input).value == "rain"
        await pilot.press("enter")
        await pilot.pause()
    saved = the_saved_poem()
    assert (saved.text, saved.theme, saved.blend) == (written, "rain", blend)


async def test_a_screenshot_goes_to_the_exports_folder():
    from poetstudio.paths import data_dir

    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.deliver_screenshot()
        await wait_for(pilot, lambda: any((data_dir() / "exports").glob("*.svg")), 5)
    assert any((data_dir() / "exports").glob("*.svg"))


def test_a_wrapped_line_keeps_its_indent_and_its_inner_spaces():
    from poetstudio.ui.gutter import HANGING_INDENT, wrapped

    rows = wrapped("  And all the night's cold light, and more words here", 24)
    assert rows[0].startswith("  And") and all(r.startswith("  " + " " * HANGING_INDENT) for r in rows[1:])
    assert " ".join(rows).split() == "And all the night's cold light, and more words here".split()
    assert all(len(r) <= 24 for r in rows)
    assert wrapped("a  b   c", 40) == ["a  b   c"]  # a line that fits is left exactly as written


# what a review found: keys after a dialog's Enter, a one-line paste, a poem asked for while another runs ---


async def test_keys_typed_after_a_dialogs_enter_reach_what_is_behind_it():
    from poetstudio.ui.poets_pane import PoetsPane

    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        poets = app.query_one(PoetsPane)
        await pilot.press("down")
        first = poets.current
        type_at_once(app, ["equals_sign", "0", "full_stop", "4", "enter", "down",
                           "equals_sign", "0", "full_stop", "6", "enter"])
        await wait_for(pilot, lambda: poets.blend.weights[poets.current] > 0 and poets.current != first, 5)
        await pilot.pause()
        assert not errors(app), errors(app)
        assert poets.blend.weights[first] == pytest.approx(0.4)
        assert poets.blend.weights[poets.current] == pytest.approx(0.6)
        assert app.screen.__class__.__name__ == "StudioScreen"


async def test_a_title_then_a_new_theme_typed_at_once_both_land():
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f6", *"rain", "ctrl+g")
        await settle(pilot, app)
        type_at_once(app, ["ctrl+s", *"Wet", "enter", "f6", "ctrl+a", "ctrl+k", *"fog"])
        await wait_for(pilot, lambda: app.query_one(PromptPane).theme == "fog", 5)
        await pilot.pause()
        assert library_titles() == ["Wet"] and app.query_one(PromptPane).theme == "fog"


async def test_a_one_line_paste_from_the_terminal_lands_in_the_theme():
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f6")
        app._driver.send_message(events.Paste("the moon"))
        await wait_for(pilot, lambda: app.query_one(PromptPane).theme == "the moon", 5)
        assert app.query_one(PromptPane).theme == "the moon"


async def test_enter_in_the_library_list_then_y_opens_over_an_unsaved_poem():
    save_poems(SavedPoem(title="Harbour", text="The tide comes in.\n", theme="the harbour",
                         blend={"Emily Dickinson": 1.0}, seed=7))
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f6", *"rain", "ctrl+g")
        await settle(pilot, app)
        await pilot.press("f8")
        type_at_once(app, ["down", "enter", "y"])  # to the list, open, and yes to the question
        await wait_for(pilot, lambda: app.query_one(PoemPane).text == "The tide comes in.\n", 5)
        assert app.query_one(PoemPane).text == "The tide comes in.\n"
        assert app.query_one("#search", Input).value == ""  # the y answered, it did not search


async def test_a_poem_asked_for_while_another_is_written_keeps_the_theme_it_was_asked_with():
    engine = StubEngine(hold=True)
    app = build_app(engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f6", *"rain", "ctrl+g")
        assert await wait_for(pilot, engine.started.is_set, 10)
        await pilot.press("ctrl+a", "ctrl+k", *"snow", "ctrl+g")  # stops "rain"; "snow" starts once it has
        await pilot.press("ctrl+a", "ctrl+k", *"fog")  # typed before "snow" starts
        engine.hold = False
        await settle(pilot, app)
        assert app.last_prompt[0] == "snow" and app.engine.requests[-1].theme == "snow"
