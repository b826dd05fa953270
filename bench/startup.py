"""Time from launching `poetstudio` to its first composed frame (target: under a second).

Runs the real entry point in a fresh process (headless, so no terminal is needed) and prints the wall
time until the studio first draws, and whether torch had been imported by then.

    python bench/startup.py --runs 5
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time

CHILD = """
import sys, time, asyncio
from poetstudio.ui.launch import build_app
app = build_app(device="cpu")
real = app._display
def first(screen, renderable):
    if renderable is not None and not getattr(app, "_drawn", False):
        app._drawn = True
        print(f"FRAME {time.time()} {'torch' in sys.modules}", flush=True)
        app.exit()
    return real(screen, renderable)
app._display = first
async def main():
    async with app.run_test(size=(140, 44)) as pilot:
        await pilot.pause(2)
asyncio.run(main())
"""


def main() -> None:
    """Launch the studio several times and print the median time to first frame."""
    from poetstudio.paths import bases_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    times, torch_seen = [], []
    with tempfile.TemporaryDirectory() as home:
        env = {"POETSTUDIO_DATA_DIR": home, "POETSTUDIO_CONFIG_DIR": home, "POETSTUDIO_CACHE_DIR": home, "PATH": "",
               "POETSTUDIO_BASES_DIR": str(bases_dir())}  # the converted base is reused, not made again each run
        for _ in range(args.runs):
            started = time.time()
            out = subprocess.run(
                [sys.executable, "-c", CHILD], capture_output=True, text=True, env=env, timeout=60
            ).stdout
            line = next(line for line in out.splitlines() if line.startswith("FRAME"))
            _, stamp, torch_loaded = line.split()
            times.append(float(stamp) - started)
            torch_seen.append(torch_loaded == "True")
    print(f"launch to first frame: median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms "
          f"over {args.runs} runs (target < 1000 ms); torch imported before the first frame: {any(torch_seen)}")


if __name__ == "__main__":
    main()
