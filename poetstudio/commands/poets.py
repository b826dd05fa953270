"""`poetstudio poets`: the poets (and moods) an adapter knows, with thin and unavailable poets marked."""

from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    """Register the poets subcommand."""
    poets = sub.add_parser("poets", help="the poets (and moods) the model knows")
    poets.add_argument("--adapter", help="adapter folder (default: the shipped one)")


def run(args: argparse.Namespace) -> int:
    """One line per poet with counts, thin and unavailable poets marked; then the moods."""
    from poetstudio.model_info import IN_COPYRIGHT, read_model_card

    info = read_model_card(args.adapter)
    print(f"poets of {info.path}:")
    for poet in info.poets:
        if not poet.available:
            remedy = ("an adapter trained on data with her poems adds her" if poet.reason == IN_COPYRIGHT
                      else "train an adapter on poems by this poet")
            print(f"  {poet.name:28} unavailable: {poet.reason}; {remedy}")
        else:
            note = f"  (thin: only {poet.poems} poems, the voice is weak)" if poet.thin else ""
            print(f"  {poet.name:28} {poet.poems:4} poems {poet.examples:5} passages{note}")
    if info.moods:
        print("moods: " + ", ".join(f"{m} ({n})" for m, n in sorted(info.moods.items())))
    else:
        print("moods: none (this adapter was trained without mood labels)")
    return 0
