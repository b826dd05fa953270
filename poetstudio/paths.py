"""Where poetstudio keeps user data and config: functions over platformdirs, nothing created at import."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_cache_path, user_config_path, user_data_path

APP_NAME = "poetstudio"


def data_dir() -> Path:
    """The user data folder (library, drafts); POETSTUDIO_DATA_DIR overrides it (tests, portable installs)."""
    override = os.environ.get("POETSTUDIO_DATA_DIR")
    return Path(override) if override else user_data_path(APP_NAME, appauthor=False)


def config_dir() -> Path:
    """The user config folder; POETSTUDIO_CONFIG_DIR overrides it."""
    override = os.environ.get("POETSTUDIO_CONFIG_DIR")
    return Path(override) if override else user_config_path(APP_NAME, appauthor=False)


def cache_dir() -> Path:
    """The user cache folder (what can be made again, such as the weight formats timed on this machine);
    POETSTUDIO_CACHE_DIR overrides it."""
    override = os.environ.get("POETSTUDIO_CACHE_DIR")
    return Path(override) if override else user_cache_path(APP_NAME, appauthor=False)


def bases_dir() -> Path:
    """Where GGUF bases are kept converted (hundreds of MB each): the cache's bases/ folder, or
    POETSTUDIO_BASES_DIR (e.g. one folder that several users, test runs or CI jobs share)."""
    override = os.environ.get("POETSTUDIO_BASES_DIR")
    return Path(override) if override else cache_dir() / "bases"


def weight_formats_path() -> Path:
    """The weight formats the engine timed on this machine (JSON), kept so every process decodes alike."""
    return cache_dir() / "weight_formats.json"


def library_path() -> Path:
    """The saved-poem library database."""
    return data_dir() / "library.sqlite3"


def draft_path() -> Path:
    """The autosaved draft (prompt, blend, settings, unsaved poem), as JSON."""
    return data_dir() / "draft.json"


def config_path() -> Path:
    """The TOML config file."""
    return config_dir() / "config.toml"
