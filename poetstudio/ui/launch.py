"""Open the studio: read the config, open the library and draft, make the (lazy) engine, run the app."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from poetstudio.config import Config, apply_overrides, load_config
from poetstudio.library import Library, LibraryError
from poetstudio.paths import config_path, data_dir, draft_path, library_path


def build_app(model: str | None = None, adapter: str | None = None, device: str | None = None,
              config_file: str | None = None, engine=None, config: Config | None = None):
    """The studio app as configured: `config` as the command line made it (the file with the flags over it), or
    else the file read here with `model`, `adapter` and `device` over it; config errors (keys included) raise
    UserError before any screen is drawn."""
    from poetstudio.engine.lazy import LazyEngine
    from poetstudio.ui.actions import check_keymap
    from poetstudio.ui.app import StudioApp

    path = Path(config_file) if config_file else config_path()
    if config is None:
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
                            settings.device, settings.blend_mode, settings.quantize, settings.balance,
                            settings.threads)
    return StudioApp(engine, config, library, draft_path(), library_error, data_dir() / "studio.json")


def leave_now(code: int) -> None:
    """Exit at once. A normal exit joins the worker threads (a model load or a long prompt held ctrl+q for
    half a minute) and tears down torch (seconds more). By now the draft is saved and the library closed."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def run_studio(config: Config, config_file: Path) -> int:
    """Run the studio on `config` (read from `config_file`, flags laid over it) until the user quits, then leave
    at once; the exit status is non-zero when it ended on an error."""
    app = build_app(config_file=str(config_file), config=config)
    app.run()
    code = app.return_code or 0
    leave_now(code)
    return code
