"""Snapshot tests of the studio's main states (SVG, compared by pytest-textual-snapshot).

Pixels must not depend on model timing or random seeds, so these use a deterministic stand-in engine;
the Pilot tests in test_studio.py drive the real shipped model.
"""

from __future__ import annotations

from poetstudio.library import Library, SavedPoem
from poetstudio.paths import library_path
from poetstudio.ui.launch import build_app
from tests.conftest import STUB_CARD
from tests.conftest import StubEngine as ConftestStub

SIZE = (140, 44)
POEM = ("The tide comes in and takes the light,\nAnd leaves the harbour to the night;\n\n"
        "A gull, a bell, a lantern's thread —\nThe sea keeps everything it said.\n")


def StubEngine(loads: bool = True) -> ConftestStub:  # noqa: N802 (stands where the class stood)
    """The conftest stand-in, loading at once (or never), writing POEM, and reading it as a fixed blend
    (Stevens left out: too thin to judge)."""
    return ConftestStub(loads=loads, poem=POEM, base="stub", adapter=None,
                        shares={"Emily Dickinson": 0.55, "Edgar Allan Poe": 0.3, "Walt Whitman": 0.15},
                        judged=[p for p in STUB_CARD.solid() if p != "Wallace Stevens"])


def test_loading(snap_compare):
    assert snap_compare(build_app(engine=StubEngine(loads=False)), terminal_size=SIZE)


def test_ready_with_a_blend(snap_compare):
    async def run_before(pilot):
        await pilot.pause()
        await pilot.press("down", "down", "down", "s", "down", "right", "right", "shift+right", "m")
        await pilot.press("f6", *"the sea at night")

    assert snap_compare(build_app(engine=StubEngine()), terminal_size=SIZE, run_before=run_before)


def test_poem_opened_from_the_library(snap_compare):
    library = Library(library_path())
    library.save(SavedPoem(title="Harbour Lights", text=POEM, theme="the sea at night",
                           blend={"Emily Dickinson": 0.6, "Edgar Allan Poe": 0.4}, seed=7,
                           created="2026-03-21T09:30:00"))
    library.close()

    async def run_before(pilot):
        await pilot.pause()
        await pilot.press("f8", "enter", "enter")
        await pilot.pause()

    assert snap_compare(build_app(engine=StubEngine()), terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare):
    async def run_before(pilot):
        await pilot.press("f1")

    assert snap_compare(build_app(engine=StubEngine()), terminal_size=SIZE, run_before=run_before)


def test_compact_layout_at_80x24(snap_compare):
    library = Library(library_path())
    library.save(SavedPoem(title="Harbour Lights", text=POEM, theme="the sea at night",
                           blend={"Emily Dickinson": 0.6, "Edgar Allan Poe": 0.4}, seed=7,
                           created="2026-03-21T09:30:00"))
    library.close()

    async def run_before(pilot):
        await pilot.pause()
        await pilot.press("f8", "enter", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.press("f5", *["down"] * 9)
        await pilot.pause()

    assert snap_compare(build_app(engine=StubEngine()), terminal_size=(80, 24), run_before=run_before)
