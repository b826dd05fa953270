"""`poetstudio` with no subcommand: open the studio."""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    """Open the studio with the global --model, --adapter, --device and --config."""
    from poetstudio.ui.launch import run_studio

    return run_studio(args.model, args.adapter, args.device, args.config)
