"""Running work on a thread that Ctrl-C cancels instead of killing, so a command can keep what was written."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable


def run_cancellable(work: Callable[[], None], cancel: Callable[[], None]) -> bool:
    """Run `work` on a thread and wait for it to end; Ctrl-C calls `cancel` (the work stops within a
    token) and the wait goes on. Returns whether Ctrl-C was pressed; re-raises what `work` raised.

    Ctrl-C is a handler, not a KeyboardInterrupt: one raised inside Thread.join can mark the thread
    finished while it still decodes, and a thread in torch at interpreter exit aborts the process."""
    interrupted = threading.Event()
    failure: list[BaseException] = []

    def target() -> None:
        try:
            work()
        except BaseException as exc:  # handed to the main thread below
            failure.append(exc)

    def on_interrupt(signum, frame) -> None:
        interrupted.set()
        cancel()

    worker = threading.Thread(target=target, name="poetstudio-generate", daemon=True)
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, on_interrupt) if in_main else None
    try:
        worker.start()
        while worker.is_alive():
            worker.join(0.1)
            if interrupted.is_set():
                cancel()  # again: a variation that began after the first cancel stops too
    finally:
        if in_main:
            signal.signal(signal.SIGINT, previous)
    if failure:
        raise failure[0]
    return interrupted.is_set()
