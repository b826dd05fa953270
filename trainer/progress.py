"""The training progress bar (rich): step, loss, held-out loss, tokens/s and ETA, plus a line per evaluation."""

from __future__ import annotations

import math
import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn


def stats_text(loss: float | None, heldout: float | None, rate: float | None) -> str:
    """'loss 2.314  held-out 2.402  1,234 tok/s', with '-' for what is not measured yet (never 'nan')."""
    def shown(value: float | None, spec: str) -> str:
        return "-" if value is None or math.isnan(value) else format(value, spec)

    return f"loss {shown(loss, '.3f')}  held-out {shown(heldout, '.3f')}  {shown(rate, ',.0f')} tok/s"


PLAIN_EVERY_S = 60.0  # a background run's log (no terminal, so no live bar) gets a progress line this often


class TrainProgress:
    """A context manager that draws the bar on the main process and stays silent elsewhere. Where the output
    is not a terminal (`nohup ... > run.log &`), the bar cannot redraw, so a plain progress line is printed
    every PLAIN_EVERY_S seconds instead."""

    def __init__(self, total: int, start: int, enabled: bool = True, console: Console | None = None,
                 clock=time.monotonic):
        self.enabled = enabled
        self.console = console or Console(stderr=True)
        self.heldout: float | None = None
        self.total = total
        self._clock = clock
        self._last_line = clock()
        self._progress = Progress(
            TextColumn("[bold]train"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[stats]}", markup=False),
            TimeRemainingColumn(),
            console=self.console,
            disable=not enabled,
        )
        self._task = self._progress.add_task("train", total=total, completed=start,
                                             stats=stats_text(None, None, None))

    def __enter__(self) -> TrainProgress:
        self._progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._progress.__exit__(*exc)

    def retotal(self, total: int) -> None:
        """The run's length changed (a schedule fitted to a time budget): redraw the bar to the new total."""
        self.total = total
        self._progress.update(self._task, total=total)

    def update(self, step: int, loss: float, rate: float) -> None:
        """Move the bar to `step` with the latest training loss and throughput (or, without a terminal, print
        a plain line when PLAIN_EVERY_S have passed)."""
        stats = stats_text(loss, self.heldout, rate)
        self._progress.update(self._task, completed=step, stats=stats)
        if self.enabled and not self.console.is_terminal and self._clock() - self._last_line >= PLAIN_EVERY_S:
            self._last_line = self._clock()
            self.console.print(f"step {step}/{self.total}: {stats}", highlight=False)

    def evaluated(self, step: int, heldout: float, per_poet: dict[str, float]) -> None:
        """Record an evaluation: update the bar and print one line with the per-poet losses."""
        self.heldout = heldout
        if self.enabled:
            poets = "  ".join(f"{name.split()[-1]} {loss:.2f}" for name, loss in per_poet.items())
            self._progress.console.print(f"step {step}: held-out {heldout:.4f}  {poets}")
