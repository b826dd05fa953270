"""Running work on a thread that Ctrl-C or SIGTERM cancels instead of killing, so a command can keep what was
written."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)  # Ctrl-C, and `kill PID` (what a service manager or timeout sends)


def exit_status(signum: int) -> int:
    """The shell's exit status for a command stopped by `signum`: 128 + its number (130 Ctrl-C, 143 SIGTERM)."""
    return 128 + int(signum)


def run_cancellable(work: Callable[[], None], cancel: Callable[[], None]) -> int | None:
    """Run `work` on a thread and wait for it to end; Ctrl-C or SIGTERM calls `cancel` (the work stops within a
    token) and the wait goes on. Returns the signal that stopped it (None if none); re-raises what `work` raised.

    Ctrl-C is a handler, not a KeyboardInterrupt: one raised inside Thread.join can mark the thread
    finished while it still decodes, and a thread in torch at interpreter exit aborts the process."""
    interrupted = threading.Event()
    received: list[int] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            work()
        except BaseException as exc:  # handed to the main thread below
            failure.append(exc)

    def on_interrupt(signum, frame) -> None:
        received.append(signum)
        interrupted.set()
        cancel()

    worker = threading.Thread(target=target, name="poetstudio-generate", daemon=True)
    in_main = threading.current_thread() is threading.main_thread()
    previous = {s: signal.signal(s, on_interrupt) for s in STOP_SIGNALS} if in_main else {}
    try:
        worker.start()
        while worker.is_alive():
            worker.join(0.1)
            if interrupted.is_set():
                cancel()  # again: a variation that began after the first cancel stops too
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if failure:
        raise failure[0]
    return received[0] if received else None
