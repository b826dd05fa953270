"""Studio responsiveness: keystroke-to-screen latency while a poem streams, and library search at 10,000 poems.

Targets: p95 keystroke latency under 50 ms while streaming; search under 20 ms.

    python bench/ui.py --keys 200 --poems 10000
    python bench/ui.py --keys 200 --threads 1     # the model decoding on one thread instead of every core
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

WORDS = ("sea night light dark rose winter heart grave bell star wind river stone silver dream moon "
         "morning field golden shadow love death sleep fire garden door window bird wing song").split()


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the values fall."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def keystrokes_while_streaming(keys: int) -> list[float]:
    """Milliseconds from each key event to the first frame composed after the key took effect, while the
    model streams. Frames are seen by wrapping App._display (called headless too); Pilot's own settling
    waits are not counted."""
    from textual import events

    from poetstudio.ui.launch import build_app
    from poetstudio.ui.prompt_pane import PromptPane

    app = build_app(device="cpu")
    latencies: list[float] = []
    async with app.run_test(size=(140, 44)) as pilot:
        frames: list[float] = []
        driver = app._driver
        real_display = app._display

        def timed_display(screen, renderable):
            if renderable is not None:
                frames.append(time.perf_counter())
            return real_display(screen, renderable)

        app._display = timed_display
        while not app.ready:
            await pilot.pause(0.05)
        prompt = app.query_one(PromptPane)
        prompt.query_one("#set-max_new_tokens").value = "1000000"
        await pilot.press("f6", *"the sea")
        await pilot.press("ctrl+g")
        while app.query_one("#poem").tokens < 5:
            await pilot.pause(0.01)
        theme = prompt.query_one("#theme")
        for _ in range(keys):
            char = random.choice("abcdefghij")
            before = theme.value
            started = time.perf_counter()
            event = events.Key(char, char)
            event.set_sender(app)
            driver.send_message(event)
            while theme.value == before:
                await asyncio.sleep(0.0005)
            changed = time.perf_counter()
            while not frames or frames[-1] < changed:
                await asyncio.sleep(0.0005)
            latencies.append((frames[-1] - started) * 1000)
            await asyncio.sleep(random.uniform(0.02, 0.06))  # a typist's pace, not a flood
        streamed = app.query_one("#poem").tokens
        await pilot.press("escape")
    print(f"tokens streamed during the test: {streamed}")
    return latencies


def search_times(poems: int, queries: int) -> tuple[list[float], float]:
    """Milliseconds per search over a library of `poems` synthetic poems."""
    from poetstudio.library import Library

    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as folder:
        library = Library(Path(folder) / "bench.sqlite3")
        started = time.perf_counter()
        with library._write():
            for index in range(poems):
                text = "\n".join(" ".join(rng.choice(WORDS) for _ in range(7)) for _ in range(12))
                library.conn.execute(
                    "INSERT INTO poems (title, text, blend, poets, created, updated) VALUES (?,?,?,?,?,?)",
                    (f"Poem {index} of {rng.choice(WORDS)}", text, '{"Emily Dickinson": 1.0}', "Emily Dickinson",
                     f"2026-01-01T00:00:{index:06d}", "x"),
                )
        fill = time.perf_counter() - started
        times = []
        for _ in range(queries):
            query = f"{rng.choice(WORDS)} {rng.choice(WORDS)[:3]}"
            started = time.perf_counter()
            library.search(query)
            times.append((time.perf_counter() - started) * 1000)
        library.close()
    return times, fill


def main() -> None:
    """Run both measurements and print the figures."""
    from poetstudio.paths import bases_dir, config_path
    from poetstudio.runtime.device import usable_cores

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--poems", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--threads", type=int, default=0,
                        help="[model] threads the studio decodes on (default 0: every core, as shipped)")
    args = parser.parse_args()
    os.environ.setdefault("POETSTUDIO_BASES_DIR", str(bases_dir()))  # the user's converted base, not a new one
    with tempfile.TemporaryDirectory() as home:
        os.environ["POETSTUDIO_DATA_DIR"] = home
        os.environ["POETSTUDIO_CONFIG_DIR"] = home
        os.environ["POETSTUDIO_CACHE_DIR"] = home
        config_path().write_text(f"[model]\nthreads = {args.threads}\n", encoding="utf-8")
        latencies = asyncio.run(keystrokes_while_streaming(args.keys))
    print(f"keystroke to screen while streaming: median {statistics.median(latencies):.1f} ms, "
          f"p95 {percentile(latencies, 0.95):.1f} ms over {len(latencies)} keys, decoding on "
          f"{args.threads or usable_cores()} thread(s) (target p95 < 50 ms)")
    times, fill = search_times(args.poems, args.queries)
    print(f"library search over {args.poems:,} poems: median {statistics.median(times):.2f} ms, "
          f"p95 {percentile(times, 0.95):.2f} ms over {len(times)} queries (target < 20 ms; filled in {fill:.1f} s)")


if __name__ == "__main__":
    main()
