"""Studio responsiveness: keystroke-to-screen latency while a poem streams, and library search at 10,000 poems.

Targets: p95 keystroke latency under 50 ms while streaming; search under 20 ms.

    python bench/ui.py --keys 200 --poems 10000
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
    """Milliseconds from each key press to its processed, rendered result, while the model streams."""
    from poetstudio.ui.launch import build_app
    from poetstudio.ui.prompt_pane import PromptPane

    app = build_app(device="cpu")
    latencies: list[float] = []
    async with app.run_test(size=(140, 44)) as pilot:
        while not app.ready:
            await pilot.pause(0.05)
        app.query_one(PromptPane).query_one("#set-max_new_tokens").value = "1000000"
        await pilot.press("f6", *"the sea")
        await pilot.press("ctrl+g")
        while app.query_one("#poem").tokens < 5:
            await pilot.pause(0.01)
        for index in range(keys):
            key = "backspace" if index % 10 == 9 else random.choice("abcdefghij ")
            started = time.perf_counter()
            await pilot.press(key)
            latencies.append((time.perf_counter() - started) * 1000)
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--poems", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ["POETSTUDIO_DATA_DIR"] = home
        os.environ["POETSTUDIO_CONFIG_DIR"] = home
        latencies = asyncio.run(keystrokes_while_streaming(args.keys))
    print(f"keystroke to screen while streaming: median {statistics.median(latencies):.1f} ms, "
          f"p95 {percentile(latencies, 0.95):.1f} ms over {len(latencies)} keys (target p95 < 50 ms)")
    times, fill = search_times(args.poems, args.queries)
    print(f"library search over {args.poems:,} poems: median {statistics.median(times):.2f} ms, "
          f"p95 {percentile(times, 0.95):.2f} ms over {len(times)} queries (target < 20 ms; filled in {fill:.1f} s)")


if __name__ == "__main__":
    main()
