"""Open the studio: read the config, open the library and draft, make the (lazy) engine, run the app."""

from __future__ import annotations

from pathlib import Path

from poetstudio.config import apply_overrides, load_config
from poetstudio.library import Library, LibraryError
from poetstudio.paths import config_path, draft_path, library_path


def build_app(model: str | None = None, adapter: str | None = None, device: str | None = None,
              config_file: str | None = None, engine=None):
    """The studio app as configured; config errors raise UserError before any screen is drawn."""
    from poetstudio.ui.app import StudioApp
    from poetstudio.ui.engine_port import LazyEngine

    config = apply_overrides(load_config(Path(config_file) if config_file else config_path()), model, adapter, device)
    library, library_error = None, None
    try:
        library = Library(library_path())
    except LibraryError as exc:
        library_error = str(exc)
    if engine is None:
        settings = config.model
        engine = LazyEngine(settings.base or None, settings.adapter or None,
                            settings.device, settings.blend_mode, settings.quantize)
    return StudioApp(engine, config, library, draft_path(), library_error)


def run_studio(model: str | None, adapter: str | None, device: str | None, config_file: str | None) -> int:
    """Run the studio until the user quits."""
    build_app(model, adapter, device, config_file).run()
    return 0
