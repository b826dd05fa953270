"""The studio driven with Textual's Pilot: on the tiny random chat model (the engine, the worker, the panes and the
library, at a few ms a token) and, end to end, on the real shipped model."""

from __future__ import annotations

import pytest

from poetstudio.engine.sampling_settings import DEFAULT_STRENGTH, ECHO_PENALTY
from poetstudio.library import Library
from poetstudio.ui.launch import build_app
from poetstudio.ui.library_pane import LibraryPane
from poetstudio.ui.poem_pane import PoemPane
from poetstudio.ui.poets_pane import PoetsPane
from poetstudio.ui.prompt_pane import PromptPane
from tests.conftest import wait_for

pytestmark = pytest.mark.slow
SIZE = (140, 44)
TINY: dict[str, str] = {}


@pytest.fixture(scope="module", autouse=True)
def _tiny_model(tiny_chat_base, chat_adapter):
    TINY.update(model=str(tiny_chat_base), adapter=str(chat_adapter))


async def settle(pilot):
    """Wait for every worker (load, generation, reading) to end, then for the messages they posted."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def ready(pilot, app):
    await wait_for(pilot, lambda: app.load_started, 20)  # the load worker starts after the first frame
    await settle(pilot)
    assert app.ready, app.sub_title


def slow_down(app, seconds_per_piece=0.1):
    """Pace the real engine's stream so a key can land mid-poem (the model writes faster than a test types)."""
    import time

    real = app.engine.generate

    def paced(request, on_piece):
        def paced_piece(index, text):
            time.sleep(seconds_per_piece)
            on_piece(index, text)

        return real(request, paced_piece)

    app.engine.generate = paced


async def test_opens_before_the_model_is_loaded_and_then_loads():
    app = build_app(device="cpu")
    async with app.run_test(size=SIZE) as pilot:
        assert not app.ready
        assert "loading" in app.sub_title or "model" in app.sub_title
        await ready(pilot, app)
        stallings = app.query_one(PoetsPane).blend.disabled
        assert "A. E. Stallings" in stallings and "copyright" in stallings["A. E. Stallings"]


async def test_blend_keys_change_weights():
    app = build_app(device="cpu")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        poets = app.query_one(PoetsPane)
        poets.focus()
        first = poets.current
        await pilot.press("s")
        assert poets.blend.active() == {first: 1.0}
        await pilot.press("down")
        second = poets.current
        await pilot.press("right", "right", "shift+right")
        assert poets.blend.weights[second] == pytest.approx(0.35)
        await pilot.press("left")
        assert poets.blend.weights[second] == pytest.approx(0.30)
        await pilot.press("equals_sign")
        await pilot.press(*"0.5", "enter")
        assert poets.blend.weights[second] == pytest.approx(0.5)
        await pilot.press("e")
        assert poets.blend.weights[first] == poets.blend.weights[second] == pytest.approx(0.5)
        await pilot.press("0")
        assert poets.blend.weights[second] == 0


async def test_generate_stream_stop_save_search_open_rename_delete_undo(user_dirs):
    app = build_app(device="cpu")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        slow_down(app)
        await pilot.press("f6", *"the sea at night")
        prompt = app.query_one(PromptPane)
        prompt.query_one("#set-max_new_tokens").value = "900"  # near the context (1,024): a poem that runs
        await pilot.press("ctrl+g")
        poem = app.query_one(PoemPane)
        assert await wait_for(pilot, lambda: poem.tokens >= 8)
        assert app.generating
        await pilot.press("f6")
        await pilot.press(*" again")
        assert prompt.theme == "the sea at night again"
        await pilot.press("escape")
        await settle(pilot)
        assert not app.generating and poem.state == "stopped" and poem.text.strip()
        kept = poem.text
        await pilot.press("ctrl+s")
        await pilot.press(*"Harbour Lights", "enter")
        library = app.query_one(LibraryPane)
        assert await wait_for(pilot, lambda: library.highlighted is not None)
        assert library.highlighted.title == "Harbour Lights" and library.highlighted.text == kept
        await pilot.press("f8", *"harb")
        assert library.highlighted.title == "Harbour Lights"
        await pilot.press("enter", "enter")
        assert await wait_for(pilot, lambda: poem.state.startswith("opened"))
        assert poem.text == kept
        await pilot.press("f8", "backspace", "enter")
        await pilot.press("f2", "ctrl+u", *"Lights", "enter")
        await pilot.pause()
        assert library.highlighted.title == "Lights"
        await pilot.press("delete", "y")
        await pilot.pause()
        assert library.highlighted is None
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert library.highlighted.title == "Lights"
    saved = Library(user_dirs / "data" / "library.sqlite3")
    assert [p.title for p in saved.list()] == ["Lights"]
    saved.close()


async def test_draft_comes_back_after_a_restart():
    app = build_app(device="cpu", **TINY)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await pilot.press("f6", *"orchard in winter")
        poets = app.query_one(PoetsPane)
        poets.focus()
        await pilot.press("down", "s")
        chosen = poets.current
        app.save_draft_now()
    again = build_app(device="cpu", **TINY)
    async with again.run_test(size=SIZE) as pilot:
        assert again.query_one(PromptPane).theme == "orchard in winter"
        await ready(pilot, again)
        assert again.query_one(PoetsPane).blend.active() == {chosen: 1.0}


async def test_model_load_failure_is_shown_and_the_app_stays_up(tmp_path):
    app = build_app(model=str(tmp_path / "no-such-model"), device="cpu")
    async with app.run_test(size=SIZE) as pilot:
        assert await wait_for(pilot, lambda: app.sub_title == "no model")
        assert any("does not exist" in n.message for n in app._notifications)
        await pilot.press("ctrl+g")
        await pilot.press("f6", *"still typing")
        assert app.query_one(PromptPane).theme == "still typing"


async def test_a_corrupt_adapter_metadata_file_is_a_message_not_a_hang(tmp_path):
    import shutil

    from poetstudio.model_info import default_adapter_dir

    adapter = tmp_path / "adapter"
    shutil.copytree(default_adapter_dir(), adapter)
    (adapter / "poetstudio.json").write_text("{not json")
    app = build_app(adapter=str(adapter), device="cpu")
    async with app.run_test(size=SIZE) as pilot:
        assert await wait_for(pilot, lambda: app.sub_title == "no model")
        assert any("broken JSON" in n.message for n in app._notifications)


async def test_help_lists_keys_and_palette_lists_actions():
    app = build_app(device="cpu", **TINY)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        text = str(app.screen.query_one("#help-text").render())
        assert "ctrl+g" in text and "Equalise" in text and "Undo delete" in text
        await pilot.press("escape")
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert {"Generate", "Stop", "Save", "Library: undo delete", "Poets: solo"} <= set(titles)
        from poetstudio.ui.app import PALETTE_PANES

        for cls, pane in PALETTE_PANES:
            acting = [b for b in cls.BINDINGS if b.id and not b.action.startswith(("move", "scroll"))]
            assert acting and all(f"{pane}: {b.tooltip}" in titles for b in acting), cls.__name__


async def test_a_huge_pasted_prompt_is_refused_at_once_with_a_clear_message():
    app = build_app(device="cpu", **TINY)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await pilot.press("f6", *"the sea")
        app.query_one("#opening").text = "the sea, the sea, the endless sea\n" * 3000  # about 100 KB
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert not app.generating
        refusals = [n.message for n in app._notifications if n.severity == "error"]
        limit = app.engine.engine.load().model.config.max_position_embeddings
        assert any(f"this model reads at most {limit:,}" in m and "shorten the opening lines" in m for m in refusals)
        assert app.query_one(PoemPane).state == "refused"  # not "done · 0 tokens"
        app.query_one("#opening").text = ""
        app.query_one("#theme").value = "the sea, " * 1200  # the theme pasted instead: it is the one named
        await pilot.press("ctrl+g")
        await settle(pilot)
        refusals = [n.message for n in app._notifications if n.severity == "error"]
        assert refusals[-1].startswith("the theme is 10,799 characters") and not app.generating
        app.query_one("#theme").value = "the sea"
        app.query_one(PromptPane).query_one("#set-max_new_tokens").value = "8"
        await pilot.press("ctrl+g")
        poem = app.query_one(PoemPane)
        await settle(pilot)
        assert poem.state == "done" and poem.text.strip()


def test_broken_config_is_one_line_naming_file_and_line(tmp_path):
    import subprocess
    import sys

    config = tmp_path / "config.toml"
    config.write_text("[sampling]\ntemperature = = 2\n")

    result = subprocess.run(
        [sys.executable, "-m", "poetstudio", "--config", str(config)], capture_output=True, text=True
    )
    assert result.returncode == 2 and str(config) in result.stderr and "line 2" in result.stderr
    assert result.stderr.count("\n") == 1


def test_config_command_writes_documented_defaults_that_load(tmp_path, capsys):
    from poetstudio.cli import main
    from poetstudio.config import load_config

    path = tmp_path / "config" / "config.toml"
    assert main(["--config", str(path), "config", "--write"]) == 0
    assert "wrote" in capsys.readouterr().out
    config = load_config(path)
    assert config.sampling.temperature == 0.8 and config.sampling.top_k == 40 and config.keys == {}
    before = path.read_text()
    main(["--config", str(path), "config", "--write"])
    assert path.read_text() == before and "exists already" in capsys.readouterr().out


async def test_keys_can_be_rebound_in_the_config(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[keys]\ngenerate = "ctrl+t"\n[sampling]\nmax_new_tokens = 12\n')
    app = build_app(device="cpu", config_file=str(config), **TINY)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await pilot.press("f6", *"rain")
        await pilot.press("ctrl+t")
        poem = app.query_one(PoemPane)
        await settle(pilot)
        assert poem.state in ("done", "stopped") and poem.tokens > 0
        help_keys = dict((text, key) for key, text in app.key_sections()["Studio (anywhere)"])
        from poetstudio.ui.actions import ACTIONS

        assert help_keys[ACTIONS["generate"][2] + "  [generate]"] == "ctrl+t"


async def test_a_new_generation_stops_the_running_one_and_variations_flip():
    app = build_app(device="cpu", **TINY)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        slow_down(app, 0.05)
        starts = []
        real_start = app.start_generation

        def counting_start(request, typed):
            starts.append(request)
            real_start(request, typed)

        app.start_generation = counting_start
        prompt = app.query_one(PromptPane)
        await pilot.press("f6", *"lanterns")
        prompt.query_one("#set-max_new_tokens").value = "900"  # near the context (1,024): a poem that runs
        prompt.query_one("#set-variations").value = "2"
        prompt.query_one("#set-seed").value = "5"
        await pilot.press("ctrl+g")
        poem = app.query_one(PoemPane)
        assert await wait_for(pilot, lambda: poem.tokens >= 3)
        await pilot.press("ctrl+r")
        assert await wait_for(pilot, lambda: len(starts) == 2)
        assert starts[1].sampling.seed != 5 and app.generating
        prompt.query_one("#set-max_new_tokens").value = "6"
        await pilot.press("ctrl+g")
        assert await wait_for(pilot, lambda: len(starts) == 3 and not app.generating, seconds=60)
        assert len(poem.poems) == 2 and all(p.strip() for p in poem.poems)
        assert not [n.message for n in app._notifications if n.severity == "error"]
        poem.focus()
        first = poem.text
        await pilot.press("right")
        assert poem.shown == 1 and poem.text != first
        await pilot.press("left")
        assert poem.shown == 0


async def test_a_finished_poem_is_read_annotated_attributed_and_saved_with_its_reading(user_dirs):
    app = build_app(device="cpu", **TINY)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await pilot.press("f6", *"the sea at night")
        app.query_one(PromptPane).query_one("#set-max_new_tokens").value = "60"
        await pilot.press("ctrl+g")
        poem, poets = app.query_one(PoemPane), app.query_one(PoetsPane)
        assert await wait_for(pilot, lambda: poem.reading is not None and poets.attribution is not None)
        reading = poem.reading
        assert len(reading.lines) == len([line for line in poem.text.split("\n") if line.strip()])
        shown = str(poem.query_one("#poem-text").render())
        first = reading.lines[0]
        assert f"{first.letter:>2}" in shown.splitlines()[0] and f"{first.syllables:>3} │" in shown.splitlines()[0]
        assert str(poem.query_one("#poem-reading").render()) == reading.summary
        assert sum(poets.attribution.values()) == pytest.approx(1.0, abs=1e-4)
        assert "reads like" in str(poets.render())
        await pilot.press("f7", "a")
        assert "│" not in str(poem.query_one("#poem-text").render())
        await pilot.press("a")
        await pilot.press("ctrl+s", "enter")
        library = app.query_one(LibraryPane)
        assert await wait_for(pilot, lambda: library.highlighted is not None)
        await pilot.press("ctrl+r")  # a new poem gets a reading of its own
        assert await wait_for(pilot, lambda: not app.generating and poem.reading not in (None, reading))
    saved = Library(user_dirs / "data" / "library.sqlite3")
    analysis = saved.list()[0].analysis
    saved.close()
    assert analysis["reading"]["scheme"] == reading.scheme
    assert sum(analysis["attribution"]["shares"].values()) == pytest.approx(1.0, abs=1e-4)
    again = build_app(device="cpu", **TINY)
    async with again.run_test(size=SIZE) as pilot:  # a new session opens the saved poem with its stored reading
        await pilot.press("f8", "enter", "enter")
        await pilot.pause()
        if again.screen is not again.screen_stack[0]:
            await pilot.press("y")  # the unsaved poem of the last session is replaced on purpose
        poem, poets = again.query_one(PoemPane), again.query_one(PoetsPane)
        assert await wait_for(pilot, lambda: poem.state.startswith("opened") and poem.reading is not None)
        assert poem.reading == reading and poets.attribution == analysis["attribution"]["shares"]


async def test_style_strength_keys_a_bad_value_saved_with_the_poem_and_restored_with_the_draft(user_dirs):
    app = build_app(device="cpu", **TINY)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        poets = app.query_one(PoetsPane)
        poets.focus()
        assert poets.strength == DEFAULT_STRENGTH  # a new studio starts at the default the judge chose
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert (poets.strength == DEFAULT_STRENGTH + 0.5
                and f"strength: {DEFAULT_STRENGTH + 0.5:g}" in str(poets.render()))
        await pilot.press(*["left_square_bracket"] * 3)
        assert poets.strength == DEFAULT_STRENGTH - 0.25
        await pilot.press("g", *"loud", "enter")
        assert poets.strength == DEFAULT_STRENGTH - 0.25
        assert any("strength must be a number from 0 to 10" in str(n.message) for n in app._notifications)
        await pilot.press("g", *"2.5", "enter")
        assert poets.strength == 2.5
        await pilot.press("f6", *"rain")
        app.query_one(PromptPane).query_one("#set-max_new_tokens").value = "12"
        await pilot.press("ctrl+g")
        poem = app.query_one(PoemPane)
        await settle(pilot)
        assert poem.state in ("done", "stopped") and poem.tokens > 0
        assert app.last_request.strength == 2.5 and app.last_request.sampling.word_repeats == 2
        await pilot.press("ctrl+s", "enter")
        library = app.query_one(LibraryPane)
        assert await wait_for(pilot, lambda: library.highlighted is not None)
        poets.focus()
        await pilot.press("g", "3", "enter")
        app.save_draft_now()
    saved = Library(user_dirs / "data" / "library.sqlite3")
    kept = saved.list()[0].sampling
    assert kept["strength"] == 2.5 and kept["word_repeats"] == 2 and kept["tidy_lines"] is True
    assert kept["echo_penalty"] == ECHO_PENALTY
    saved.close()
    import json
    import sqlite3

    with sqlite3.connect(user_dirs / "data" / "library.sqlite3") as db:  # as a poem saved before the line rule
        (stored,) = db.execute("SELECT sampling FROM poems").fetchone()
        later = ("word_repeats", "tidy_lines", "echo_penalty")  # the free-verse rules added since
        db.execute("UPDATE poems SET sampling = ?", (json.dumps({k: v for k, v in json.loads(stored).items()
                                                                  if k not in later}),))
    again = build_app(device="cpu", **TINY)
    async with again.run_test(size=SIZE) as pilot:
        poets = again.query_one(PoetsPane)
        assert poets.strength == 3.0  # the draft's
        await pilot.press("f8", "enter", "enter")
        assert await wait_for(pilot, lambda: again.query_one(PoemPane).state.startswith("opened"))
        assert poets.strength == 2.5  # the saved poem's
        settings = again.query_one(PromptPane).read_settings()[0]
        assert settings.word_repeats == 0 and settings.tidy_lines is False and settings.echo_penalty == 0.0


async def test_default_strength_comes_from_the_config_and_a_bad_one_is_one_line(tmp_path):
    from poetstudio.config import load_config
    from poetstudio.errors import UserError

    config = tmp_path / "config.toml"
    config.write_text("[sampling]\nstrength = 2.5\n")
    app = build_app(device="cpu", config_file=str(config), **TINY)
    async with app.run_test(size=SIZE):
        assert app.query_one(PoetsPane).strength == 2.5
    config.write_text("[sampling]\nstrength = 40\n")
    with pytest.raises(UserError, match=r"\[sampling\] strength must be a number from 0 to 10") as caught:
        load_config(config)
    assert str(config) in str(caught.value) and "\n" not in str(caught.value)


async def test_the_blend_balance_can_be_turned_off_in_the_config(tmp_path):
    from poetstudio.config import load_config
    from poetstudio.errors import UserError

    blend = {"Emily Dickinson": 0.5, "Walt Whitman": 0.5}
    config = tmp_path / "config.toml"
    config.write_text("[model]\nbalance = false\n")
    app = build_app(device="cpu", config_file=str(config))
    async with app.run_test(size=SIZE) as pilot:
        assert await wait_for(pilot, lambda: app.engine.engine is not None)
        assert app.engine.engine.row_weights(blend) == blend  # the rows get the weights as set
    app = build_app(device="cpu")
    async with app.run_test(size=SIZE) as pilot:
        assert await wait_for(pilot, lambda: app.engine.engine is not None)
        assert app.engine.engine.row_weights(blend) != pytest.approx(blend)  # the shipped adapter's gains
    config.write_text('[model]\nbalance = "no"\n')
    with pytest.raises(UserError, match=r"\[model\] balance must be a bool") as caught:
        load_config(config)
    assert "\n" not in str(caught.value)
