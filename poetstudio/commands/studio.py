"""`poetstudio` with no subcommand: open the studio."""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    """Open the studio with the global --model, --adapter, --device and --config; an --adapter folder that does
    not exist is one line before any screen is drawn."""
    from poetstudio.cli import config_file
    from poetstudio.commands.arguments import check_adapter, settings_of
    from poetstudio.ui.launch import run_studio

    settings = settings_of(args)
    check_adapter(settings.model.adapter or None)
    return run_studio(settings, config_file(args))
