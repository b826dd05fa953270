"""The studio as a person uses it (issue 12), driven with Pilot on a deterministic stand-in engine."""

from __future__ import annotations

import threading

import pytest
from textual.command import CommandPalette
from textual.widgets import Input, ListView, Select, TextArea
from textual.worker import WorkerFailed

from poetstudio.errors import UserError
from poetstudio.library import Library, SavedPoem
from poetstudio.paths import library_path
from poetstudio.ui.launch import build_app
from poetstudio.ui.library_pane import LibraryPane
from poetstudio.ui.modals import AskText, Confirm, HelpScreen
from poetstudio.ui.poem_pane import PoemPane
from poetstudio.ui.poets_pane import PoetsPane
from poetstudio.ui.prompt_pane import PromptPane
from tests.conftest import StubEngine, wait_for

SIZE = (140, 40)


def save_poems(*poems: SavedPoem) -> list[SavedPoem]:
    library = Library(library_path())
    saved = [library.save(p) for p in poems]
    library.close()
    return saved


def save_damaged(poem: SavedPoem, **stored) -> None:
    """A poem saved well, then its columns overwritten with what a hand edit or another tool might leave
    (the library refuses to save such values itself)."""
    library = Library(library_path())
    poem_id = library.save(poem).id
    for column, value in stored.items():
        library.conn.execute(f"UPDATE poems SET {column} = ? WHERE id = ?", (value, poem_id))
    library.conn.commit()
    library.close()


async def settle(pilot, app, failing: bool = False):
    """Wait for the load to start (after the first frame, late on a busy machine), every worker to end, and the
    messages they posted. With `failing`, a worker that raised is expected: the studio shows it itself
    (on_worker_state_changed) and the test reads what it shows."""
    await wait_for(pilot, lambda: app.load_started, 20)
    try:
        await app.workers.wait_for_complete()
    except WorkerFailed:
        if not failing:
            raise
        for worker in list(app.workers):  # gather stops at the first failure: wait for the rest too
            try:
                await worker.wait()
            except WorkerFailed:
                pass
    await pilot.pause()


def errors(app) -> list[str]:
    return [n.message for n in app._notifications if n.severity == "error"]


def messages(app) -> list[str]:
    return [n.message for n in app._notifications]


async def generate(pilot, app):
    await pilot.press("ctrl+g")
    await settle(pilot, app)


# 7: Escape closes whatever is on top, and stops a poem only when nothing is ---------------------------


async def test_escape_closes_each_dialog_and_stops_only_when_nothing_is_on_top():
    save_poems(SavedPoem(title="Harbour", text="A line\n", blend={"Emily Dickinson": 1.0}))
    engine = StubEngine(hold=True)
    app = build_app(engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press("escape")
        assert not isinstance(app.screen, CommandPalette)
        for key in ("f1", "ctrl+s"):
            await pilot.press(key)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        await pilot.press("f5", "equals_sign")
        assert isinstance(app.screen, AskText)
        await pilot.press("escape")
        await pilot.press("f8", "down", "f2")
        assert isinstance(app.screen, AskText)
        await pilot.press("escape", "delete")
        assert isinstance(app.screen, Confirm)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.screen_stack[0] and len(app.screen_stack) == 1
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert app.generating
        await pilot.press("f1")
        await pilot.press("escape")  # closes the help; the poem goes on
        await pilot.pause()
        assert app.generating and not engine.cancelled.is_set()
        await pilot.press("escape")
        await settle(pilot, app)
        assert not app.generating and app.query_one(PoemPane).state == "stopped"


async def test_studio_keys_do_nothing_under_a_dialog():
    engine = StubEngine()
    app = build_app(engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f5", "equals_sign")
        await pilot.press("ctrl+g", "ctrl+s")
        await settle(pilot, app)
        assert engine.requests == [] and isinstance(app.screen, AskText) and len(app.screen_stack) == 2


# 8: ctrl+g writes a new poem unless a seed is pinned ------------------------------------------------


async def test_ctrl_g_writes_a_new_poem_each_time_unless_a_seed_is_pinned():
    engine = StubEngine()
    app = build_app(engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        prompt, poem = app.query_one(PromptPane), app.query_one(PoemPane)
        await generate(pilot, app)
        first = poem.text
        assert prompt.query_one("#set-seed", Input).value == ""
        assert f"seed {poem.seed}" in str(poem.query_one("#poem-status").render())
        await generate(pilot, app)
        assert poem.text != first and engine.requests[0].sampling.seed != engine.requests[1].sampling.seed
        used = poem.seed
        poem.focus()
        await pilot.press("s")  # pin the seed of the poem on screen
        assert prompt.query_one("#set-seed", Input).value == str(used)
        again = poem.text
        await generate(pilot, app)
        assert poem.text == again and engine.requests[-1].sampling.seed == used
        await pilot.press("ctrl+r")  # a new seed this once; the pin stays
        await settle(pilot, app)
        assert engine.requests[-1].sampling.seed != used and prompt.query_one("#set-seed", Input).value == str(used)


# 9: F1 help ----------------------------------------------------------------------------------------


async def test_help_closes_with_escape_or_f1_scrolls_and_shows_readable_keys():
    app = build_app(engine=StubEngine())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        await pilot.pause()
        assert len(app.screen_stack) == 1
        await pilot.press("f1")
        help_screen = app.screen
        text = str(help_screen.query_one("#help-text").render())
        assert "[keys]" in text and "full_stop" not in text and "equals_sign" not in text
        assert "shift+→ / ." in text and "\n  =" in text
        assert "Prompt pane" in text and "Library search box" in text and "Earlier / later themes" in text
        scroll = help_screen.query_one("#help-scroll")
        await pilot.press("pagedown")
        await pilot.pause()
        assert scroll.scroll_y > 0
        await pilot.press("end")
        await pilot.pause()
        assert scroll.scroll_y == scroll.max_scroll_y > 0
        await pilot.press("escape")
        await pilot.pause()
        assert len(app.screen_stack) == 1


# 10: scrolling the Poem pane -------------------------------------------------------------------------


async def test_a_long_poem_opens_at_its_top_and_scrolls_by_keyboard():
    app = build_app(engine=StubEngine(lines=60))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await generate(pilot, app)
        poem = app.query_one(PoemPane)
        scroll = poem.query_one("#poem-scroll")
        await pilot.pause()
        assert scroll.max_scroll_y > 0 and scroll.scroll_y == 0
        await pilot.press("f7", "pagedown")
        await pilot.pause()
        assert scroll.scroll_y > 0
        await pilot.press("home")
        await pilot.pause()
        assert scroll.scroll_y == 0
        await pilot.press("down", "down")
        await pilot.pause()
        assert scroll.scroll_y == 2
        await pilot.press("end", "up")
        await pilot.pause()
        assert scroll.scroll_y == scroll.max_scroll_y - 1


# 11: the library list ------------------------------------------------------------------------------


def three_poems():
    return save_poems(*(SavedPoem(title=t, text=f"{t} text\n", blend={"Emily Dickinson": 1.0}, seed=3)
                        for t in ("Alpha", "Beta", "Gamma")))


async def test_the_highlight_stays_on_the_poem_after_favourite_rename_delete_and_undo():
    three_poems()
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        library = app.query_one(LibraryPane)
        await pilot.press("f8", "down", "down")
        assert library.highlighted.title == "Beta"
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert library.highlighted.title == "Beta" and library.highlighted.favourite
        await pilot.press("f2", "ctrl+u", *"Bravo", "enter")
        await pilot.pause()
        assert library.highlighted.title == "Bravo"
        await pilot.press("delete", "y")
        await pilot.pause()
        assert library.highlighted.title == "Alpha"  # the row below the deleted one
        await pilot.press("up", "ctrl+z")
        await pilot.pause()
        assert library.highlighted.title == "Bravo"


async def test_typing_in_the_list_searches_and_never_acts_on_a_poem():
    three_poems()
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        library = app.query_one(LibraryPane)
        await pilot.press("f8", "down")
        assert isinstance(app.focused, ListView)
        await pilot.press(*"fdtxu")  # once: favourite, delete, export, export, undo
        await pilot.pause()
        search = library.query_one("#search", Input)
        assert search.value == "fdtxu" and app.focused is search
        assert len(app.screen_stack) == 1 and not any(p.favourite for p in app.library.list())
        await pilot.press(*["backspace"] * 5, *"bet")
        await pilot.pause()
        assert [p.title for p in app.library.search("bet")] == ["Beta"] and library.highlighted.title == "Beta"
        await pilot.press("down")
        assert isinstance(app.focused, ListView)
        await pilot.press("backspace")
        assert app.focused is search and search.value == "be"


async def test_opening_a_saved_poem_over_an_unsaved_one_asks_first():
    three_poems()
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await generate(pilot, app)
        poem = app.query_one(PoemPane)
        written = poem.text
        await pilot.press("f8", "down", "enter")
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")
        await pilot.pause()
        assert poem.text == written
        await pilot.press("enter", "y")
        await settle(pilot, app)
        assert poem.text == "Gamma text\n"
        await pilot.press("down", "enter")  # a saved poem over a saved one: no question
        await settle(pilot, app)
        assert poem.text == "Beta text\n" and len(app.screen_stack) == 1


# 12: F6/F7 in the opening-lines box ----------------------------------------------------------------


async def test_f6_and_f7_jump_panes_from_the_opening_lines():
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.query_one("#opening", TextArea).focus()
        await pilot.press(*"the tide")
        await pilot.press("f7")
        assert app.focused is app.query_one(PoemPane)
        app.query_one("#opening", TextArea).focus()
        await pilot.press("f6")
        assert app.focused is app.query_one("#theme") and app.query_one("#opening", TextArea).selected_text == ""


# 13: small terminals -------------------------------------------------------------------------------


def footer_keys_in_view(app) -> set[str]:
    from textual.widgets._footer import FooterKey

    width = app.size.width
    return {k.key for k in app.query(FooterKey) if k.region.width and k.region.right <= width}


async def test_80x24_shows_every_pane_usably():
    app = build_app(engine=StubEngine())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        poets = app.query_one(PoetsPane)
        for pane in ("#poets", "#prompt", "#poem", "#library"):
            assert app.query_one(pane).region.height >= 8, pane
        lines = str(poets.render()).splitlines()
        assert all(len(line) <= poets.size.width for line in lines)
        assert "Shakespeare" in lines[0] and "William Shakespeare" not in lines[0]
        await pilot.press(*["down"] * 9)
        assert poets.current == "Wallace Stevens"
        assert any("▶ Stevens" in line for line in str(poets.render()).splitlines()[: poets.size.height])
        labels = {label.render().plain: label.region for label in app.query("#settings Label")}
        assert all(region.width >= len(name) for name, region in labels.items())
        regions = list(labels.values())
        assert not any(a.overlaps(b) for i, a in enumerate(regions) for b in regions[i + 1:])
        prompt = app.query_one("#prompt").region
        assert {"max tok", "seed", "form"} <= set(labels)
        assert all(prompt.contains_region(region) for region in regions)  # the form picker too
        assert {"ctrl+g", "escape"} <= footer_keys_in_view(app)
        await pilot.press("f8")
        assert {"ctrl+g", "escape"} <= footer_keys_in_view(app)


async def test_60x20_shows_the_focused_pane_full_screen():
    app = build_app(engine=StubEngine())
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot, app)
        shown = [p for p in ("#poets", "#prompt", "#poem", "#library") if app.query_one(p).display]
        assert shown == ["#poets"] and app.query_one("#poets").region.height >= 15
        await pilot.press("f6", *"rain")
        await pilot.pause()
        assert app.query_one("#prompt").display and not app.query_one("#poets").display
        assert app.query_one(PromptPane).theme == "rain" and app.query_one("#opening").region.height >= 3
        await pilot.press("ctrl+g")
        await settle(pilot, app)
        await pilot.press("f7")
        await pilot.pause()
        assert app.query_one("#poem").display and app.query_one(PoemPane).text.startswith("Line 1")
        assert {"ctrl+g", "escape"} <= footer_keys_in_view(app)


# 14, 15: settings that now do something --------------------------------------------------------------


async def test_coarse_step_and_repetition_penalty_come_from_the_config(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[studio]\ncoarse_step = 0.4\nfine_step = 0.1\n[sampling]\nrepetition_penalty = 1.3\n")
    engine = StubEngine()
    app = build_app(engine=engine, config_file=str(config))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        poets = app.query_one(PoetsPane)
        await pilot.press("down", "shift+right")
        assert poets.blend.weights[poets.current] == pytest.approx(0.4)
        await pilot.press("full_stop", "left")
        assert poets.blend.weights[poets.current] == pytest.approx(0.7)
        await generate(pilot, app)
        assert engine.requests[-1].sampling.repetition_penalty == pytest.approx(1.3)


# 16: [keys] -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("line, said", [('genrate = "ctrl+t"', "genrate is not a studio action"),
                                         ('generate = "ctrl+banana"', r"'ctrl\+banana' is not a key"),
                                         ('poets_solo = "ctrl+alt+"', "is not a key")])
def test_a_misspelt_action_or_impossible_key_is_a_config_error(tmp_path, line, said):
    config = tmp_path / "config.toml"
    config.write_text(f"[keys]\n{line}\n")
    with pytest.raises(UserError, match=said) as error:
        build_app(engine=StubEngine(), config_file=str(config))
    assert str(config) in str(error.value) and "\n" not in str(error.value)


async def test_pane_keys_rebind_and_a_rebound_generate_stays_in_the_footer(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[keys]\ngenerate = "ctrl+t"\npoets_solo = "o"\nlibrary_delete = "ctrl+d"\n')
    engine = StubEngine()
    app = build_app(engine=engine, config_file=str(config))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        poets = app.query_one(PoetsPane)
        await pilot.press("down", "o")
        assert poets.blend.active() == {poets.current: 1.0}
        assert "ctrl+t" in footer_keys_in_view(app) and "ctrl+g" not in footer_keys_in_view(app)
        await pilot.press("ctrl+t")
        await settle(pilot, app)
        assert len(engine.requests) == 1
        sections = app.key_sections()
        assert ("o", "Solo  [poets_solo]") in sections["Poets pane"]
        assert ("ctrl+d", "Delete  [library_delete]") in sections["Library list"]


async def test_the_colour_theme_chosen_is_remembered():
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.theme = "nord"
        await pilot.pause()
    again = build_app(engine=StubEngine())
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert again.theme == "nord"


async def test_a_model_that_finishes_loading_as_the_studio_closes_is_no_traceback():
    gate = threading.Event()
    app = build_app(engine=StubEngine(load_gate=gate))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f8")  # focus away from the Poets pane, then take it away as the studio's teardown does
        await pilot.pause()
        await app.screen_stack[0].query(PoetsPane).remove()
        gate.set()
        await settle(pilot, app)
        assert not app.ready


async def test_a_model_that_fails_to_load_as_the_studio_closes_is_no_traceback():
    gate = threading.Event()
    app = build_app(engine=StubEngine(load_gate=gate, load_error=RuntimeError("metadata exploded")))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f8")
        await pilot.pause()
        strength = app.screen_stack[0].query_one(PoetsPane).strength
        await app.screen_stack[0].query(PoetsPane).remove()
        app.save_draft_now()  # an autosave as the panes go: the draft keeps what it had
        assert app.draft.sampling["strength"] == strength
        gate.set()
        await settle(pilot, app, failing=True)
        assert app.load_failed and not errors(app)  # nothing left on screen to tell, and nothing raised


# 18: what people expect ------------------------------------------------------------------------------


async def test_copy_the_poem_by_key_and_by_palette_and_export_it_unsaved(user_dirs):
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f6", *"tides")
        await generate(pilot, app)
        poem = app.query_one(PoemPane)
        await pilot.press("f7", "c")
        assert app.clipboard == poem.text
        app.copy_to_clipboard("")
        await pilot.press("ctrl+p", *"copy to the clip")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.clipboard == poem.text
        await pilot.press("x")
        await pilot.pause()
        exported = list((user_dirs / "data" / "exports").glob("unsaved-tides*.md"))
        assert len(exported) == 1 and poem.text.splitlines()[0] in exported[0].read_text()
        assert app.library.list() == []


async def test_theme_history_with_up_and_down_survives_a_restart():
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        for theme in ("the sea", "the moon"):
            await pilot.press("f6", "ctrl+u", *theme)
            await generate(pilot, app)
    again = build_app(engine=StubEngine())
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot, again)
        prompt = again.query_one(PromptPane)
        await pilot.press("f6", "ctrl+u", *"draft")
        assert again._autosave_timer is not None  # the theme box still saves the draft as you type
        await pilot.press("up")
        assert prompt.theme == "the moon"
        await pilot.press("up", "up")
        assert prompt.theme == "the sea"
        await pilot.press("down", "down")
        assert prompt.theme == "draft"


async def test_the_loaded_model_is_named_and_an_opened_poem_shows_title_and_date():
    saved, = save_poems(SavedPoem(title="Harbour [Lights]", text="A gull, a bell.\n", blend={"Emily Dickinson": 1.0}))
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert "stub-base" in app.sub_title and "stub-adapter" in app.sub_title and "cpu" in app.sub_title
        await pilot.press("f8", "enter", "enter")
        await settle(pilot, app)
        status = str(app.query_one(PoemPane).query_one("#poem-status").render())
        assert "Harbour [Lights]" in status and saved.created[:10] in status


async def test_a_poem_asked_for_while_the_model_loads_starts_when_it_is_ready():
    gate = threading.Event()
    engine = StubEngine(load_gate=gate)
    app = build_app(engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not app.ready
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert any("will start" in m for m in messages(app))
        gate.set()
        await settle(pilot, app)
        await settle(pilot, app)
        assert len(engine.requests) == 1 and app.query_one(PoemPane).text.startswith("Line 1")


# 2: a damaged library row -----------------------------------------------------------------------------


async def test_a_poem_with_damaged_fields_is_marked_in_the_list_and_opens_with_defaults():
    save_damaged(SavedPoem(title="Bad sampling", text="Still a poem.\n", blend={"Emily Dickinson": 1.0}),
                 sampling='"hot"', seed="seven", analysis="[1]")
    save_damaged(SavedPoem(title="Bad blend", text="Another.\n"),
                 blend='{"Emily Dickinson": "0.5"}', sampling='{"temperature": "warm", "top_k": 12}')
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        rows = [str(item.query_one("Label").render()) for item in app.query("PoemItem")]
        assert any("Bad blend" in r and "damaged: blend, sampling" in r for r in rows)
        await pilot.press("f8", "down", "enter")
        await settle(pilot, app)
        assert app.query_one(PoemPane).text == "Another.\n"
        assert app.query_one(PromptPane).read_settings()[0].top_k == 12
        await pilot.press("down", "enter")
        await settle(pilot, app)
        assert app.query_one(PoemPane).text == "Still a poem.\n" and app.is_running
        assert any("damaged fields (sampling, seed, analysis)" in m for m in messages(app))
        await generate(pilot, app)
        assert not errors(app)


# 6: every worker failure is a visible message -------------------------------------------------------


async def test_a_load_that_raises_any_error_is_shown_and_the_app_stays_up():
    app = build_app(engine=StubEngine(load_error=RuntimeError("metadata exploded")))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app, failing=True)
        assert app.sub_title == "no model"
        assert any("RuntimeError: metadata exploded" in m for m in errors(app))
        await pilot.press("ctrl+g", "f6", *"still here")
        assert app.query_one(PromptPane).theme == "still here"


async def test_a_generation_that_raises_is_shown_and_the_next_one_works():
    engine = StubEngine(generate_error=KeyError("row"))
    app = build_app(engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await generate(pilot, app)
        assert any("generation failed: KeyError" in m for m in errors(app)) and not app.generating
        assert app.query_one(PoemPane).state == "failed"
        engine.generate_error = None
        await generate(pilot, app)
        assert app.query_one(PoemPane).state == "done"


def test_adapter_metadata_is_read_by_the_one_reader_that_reports_bad_json(tmp_path, tiny_chat_base, chat_adapter):
    import shutil

    adapter = tmp_path / "adapter"
    shutil.copytree(chat_adapter, adapter)
    (adapter / "poetstudio.json").write_text('{"poets": {"Emily Dickinson": ')
    from poetstudio.engine.loader import load_model
    from poetstudio.model_spec import spec_from_names

    with pytest.raises(UserError, match="broken JSON at line 1"):
        load_model(spec_from_names(str(tiny_chat_base), str(adapter)), "cpu")


# 5: a huge prompt -----------------------------------------------------------------------------------


async def test_a_prompt_the_engine_refuses_is_one_message_and_escape_still_stops():
    engine = StubEngine(context=1000, hold=True)
    app = build_app(engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        engine.hold = False
        await generate(pilot, app)
        kept = app.query_one(PoemPane).text
        engine.hold = True
        app.query_one("#opening", TextArea).text = "word " * 20_000
        await generate(pilot, app)
        assert any("longer than the model's context" in m for m in errors(app)) and not app.generating
        assert app.query_one(PoemPane).text == kept  # the poem on screen is not lost to a refused prompt
        app.query_one("#opening", TextArea).text = "short"
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert app.generating
        await pilot.press("escape")
        await settle(pilot, app)
        assert not app.generating and app.query_one(PoemPane).state == "stopped"


async def test_quit_stops_a_running_poem_at_once():
    engine = StubEngine(hold=True)
    app = build_app(engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+g")
        await pilot.pause()
        await pilot.press("ctrl+q")
        assert engine.cancelled.is_set()


async def test_palette_commands_run_studio_actions_once_the_palette_closes():
    engine = StubEngine()
    app = build_app(engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+p", *"Generate")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot, app)
        assert len(engine.requests) == 1 and len(app.screen_stack) == 1


async def test_a_pinned_seed_survives_a_restart_and_an_old_drafts_last_seed_does_not(user_dirs):
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.query_one(PromptPane).set_seed(42)
        app.save_draft_now()
    again = build_app(engine=StubEngine())
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert again.query_one("#set-seed", Input).value == "42"
    draft = user_dirs / "data" / "draft.json"
    draft.write_text('{"theme": "old", "sampling": {"seed": 99, "variations": 1}}')
    old = build_app(engine=StubEngine())
    async with old.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert old.query_one("#set-seed", Input).value == "" and old.query_one(PromptPane).theme == "old"


# what a poem is saved or exported with: its own settings, not the last request's ---------------------


async def test_an_opened_poem_saves_and_exports_with_its_own_blend_strength_and_form():
    save_poems(SavedPoem(title="Raven", text="Raven text\n", blend={"Edgar Allan Poe": 1.0}, seed=7,
                         sampling={"temperature": 0.8, "strength": 3.0, "form": "haiku"}))
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await generate(pilot, app)  # a poem of the default blend, free verse, at the default strength
        assert app.last_request.form is None
        app.unsaved = False
        await pilot.press("f8", "down", "enter")
        await settle(pilot, app)
        assert app.query_one(PoemPane).text == "Raven text\n"
        assert app.query_one(PoetsPane).strength == 3.0 and app.query_one(PromptPane).form == "haiku"
        record = app.poem_on_screen("again")
        assert record.blend == {"Edgar Allan Poe": 1.0} and record.seed == 7
        assert record.sampling["strength"] == 3.0 and record.sampling["form"] == "haiku"


async def test_a_restored_draft_keeps_its_form_and_saves_with_its_strength():
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.query_one(PromptPane).query_one("#set-form", Select).value = "limerick"
        app.query_one(PoetsPane).set_strength(2.5)
        await generate(pilot, app)
        assert app.last_request.form == "limerick" and app.query_one(PoemPane).form is not None
        app.save_draft_now()
    again = build_app(engine=StubEngine())
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot, again)
        assert again.query_one(PromptPane).form == "limerick" and again.query_one(PoetsPane).strength == 2.5
        assert again.query_one(PoemPane).form is not None and again.query_one(PoemPane).form.name.lower() == "limerick"
        record = again.poem_on_screen("kept")
        assert record.sampling["strength"] == 2.5 and record.sampling["form"] == "limerick"


# issue 11: any author the base learned joins the blend from the Poets pane ---------------------------


async def test_an_author_added_by_name_joins_the_blend_and_comes_back_with_the_draft():
    from poetstudio.model_info import card_from_metadata
    from tests.conftest import STUB_CARD

    metadata = {"blend_mode": "exact", "poets": {p.name: {"poems": p.poems} for p in STUB_CARD.poets if p.available}}
    base = {"authors": {"John Keats": {"tokens": 52_000, "books": 2}, "John Milton": {"tokens": 99_000}}}
    card = card_from_metadata(metadata, base=base)
    engine = StubEngine(card=card)
    app = build_app(engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        poets = app.query_one(PoetsPane)
        await pilot.press("f5", "a", *"john", "enter")  # two Johns: refused, nothing added
        await pilot.pause()
        assert "several poets" in errors(app)[-1] and "John Keats" not in poets.blend.poets
        await pilot.press("a", *"keats", "enter", "shift+right", "shift+right")
        await pilot.pause()
        assert poets.current == "John Keats" and poets.blend.weights["John Keats"] == 0.5
        await pilot.press("f6", *"the nightingale", "ctrl+g")
        await settle(pilot, app)
        assert set(engine.requests[-1].blend) == {"William Shakespeare", "John Keats"}
        app.save_draft_now()
    again = build_app(engine=StubEngine(card=card))
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot, again)
        assert again.query_one(PoetsPane).blend.weights["John Keats"] == 0.5
    plain = build_app(engine=StubEngine())  # a model that never learned Keats drops the row
    async with plain.run_test(size=SIZE) as pilot:
        await settle(pilot, plain)
        blend = plain.query_one(PoetsPane).blend
        assert "John Keats" not in blend.poets and "John Keats" not in blend.active()
        await pilot.press("f6", *"the sea", "ctrl+g")
        await settle(pilot, plain)
        assert errors(plain) == [] and plain.query_one(PoemPane).state == "done"


async def test_typing_a_library_search_does_not_touch_the_draft_but_typing_a_theme_does():
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        before = app._autosave_timer  # the blend set at load schedules one
        await pilot.press("f8", *"harbour")
        await pilot.pause()
        assert app._autosave_timer is before
        await pilot.press("f6", *"rain")
        assert await wait_for(pilot, lambda: app._autosave_timer is not before, seconds=10)  # messages lag under load


async def test_renaming_the_poem_on_screen_retitles_it_and_its_export():
    save_poems(SavedPoem(title="Harbour", text="The tide comes in,\nthe light goes out.\n", seed=3))
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f8", "enter", "enter")
        await settle(pilot, app)
        poem = app.query_one(PoemPane)
        assert "Harbour" in poem.heading
        await pilot.press("f2", "ctrl+u", *"Lantern", "enter")
        await settle(pilot, app)
        assert "Lantern" in poem.heading and "Harbour" not in poem.heading
        assert app.poem_on_screen("x").text == poem.text and app.opened_poem.title == "Lantern"


# issue 28: the footer's right edge and the Poem pane's status line at narrow widths -----------------------


def screen_rows(app) -> list[str]:
    """The screen as drawn, one string per row."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


@pytest.mark.parametrize("size", [(60, 24), (80, 24), (100, 30)])
async def test_the_footer_ends_with_the_palette_key_and_no_stray_character(size):
    app = build_app(engine=StubEngine())
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        await pilot.press("f6", *"sea", "ctrl+g")
        await settle(pilot, app)
        footer = screen_rows(app)[-1]
        assert footer.endswith("^p palette"), footer  # was "^p paletteL", "^p palette6": a key showing through


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_the_poem_status_fits_its_line_and_says_the_state_and_seed_first(size):
    app = build_app(engine=StubEngine())
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        await pilot.press("f6", *"sea", "ctrl+g")
        await settle(pilot, app)
        await pilot.pause()
        status = app.query_one(PoemPane).query_one("#poem-status")
        line = str(status.render())
        assert line.startswith("done") and f"seed {app.query_one(PoemPane).seed}" in line
        assert len(line) <= status.size.width, line  # nothing cut: a part that does not fit is left out whole
        assert "tokens" in line
        assert any(line in row for row in screen_rows(app))


async def test_the_poem_status_says_everything_where_there_is_room():
    app = build_app(engine=StubEngine())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f6", *"sea", "ctrl+g")
        await settle(pilot, app)
        line = str(app.query_one(PoemPane).query_one("#poem-status").render())
        assert line.startswith("done · seed ") and " tokens · " in line and " tok/s · " in line and line.endswith("s")
