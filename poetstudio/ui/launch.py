"""Open the studio: read the config, open the library and draft, make the (lazy) engine, run the app."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

from poetstudio.config import apply_overrides, load_config
from poetstudio.library import Library, LibraryError
from poetstudio.paths import config_path, data_dir, draft_path, library_path

QUIT_GRACE_SECONDS = 1.0  # how long a quit waits for a worker thread (a model load, a stopping poem) to end


def build_app(model: str | None = None, adapter: str | None = None, device: str | None = None,
              config_file: str | None = None, engine=None):
    """The studio app as configured; config errors (keys included) raise UserError before any screen is drawn."""
    from poetstudio.ui.actions import check_keymap
    from poetstudio.ui.app import StudioApp
    from poetstudio.ui.engine_port import LazyEngine

    path = Path(config_file) if config_file else config_path()
    config = apply_overrides(load_config(path), model, adapter, device)
    check_keymap(config.keys, path)
    library, library_error = None, None
    try:
        library = Library(library_path())
    except LibraryError as exc:
        library_error = str(exc)
    if engine is None:
        settings = config.model
        engine = LazyEngine(settings.base or None, settings.adapter or None,
                            settings.device, settings.blend_mode, settings.quantize)
    return StudioApp(engine, config, library, draft_path(), library_error, data_dir() / "studio.json")


def leave_now(code: int) -> None:
    """Exit without waiting for worker threads that are still busy (Python would join them at exit: a model
    load or a long prompt held ctrl+q for half a minute). The draft and library are saved by then."""
    deadline = time.monotonic() + QUIT_GRACE_SECONDS
    others = [t for t in threading.enumerate() if t is not threading.current_thread() and not t.daemon]
    for thread in others:
        thread.join(max(0.0, deadline - time.monotonic()))
    if any(t.is_alive() for t in others):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def run_studio(model: str | None, adapter: str | None, device: str | None, config_file: str | None) -> int:
    """Run the studio until the user quits; non-zero when it ended on an error."""
    app = build_app(model, adapter, device, config_file)
    app.run()
    code = app.return_code or 0
    leave_now(code)
    return code
