"""`poetstudio forms`: the forms poetstudio writes, and how to write a custom spec."""

from __future__ import annotations

import argparse

from poetstudio.forms.catalogue import FORMS
from poetstudio.forms.spec import FEET, MAX_SYLLABLES


def add_parser(sub) -> None:
    """Register the forms subcommand."""
    sub.add_parser("forms", help="the forms `generate --form` writes, and the custom spec grammar",
                   description="List the built-in forms and how to write a custom form spec.")


def _counts(form) -> str:
    """The syllable counts part of a catalogue form's spec ("-" when it has none)."""
    return next((part for part in form.spec.split() if part[0].isdigit()), "-")


def run(args: argparse.Namespace) -> int:
    """Print the catalogue and the spec grammar."""
    print(f"{'form':22} {'scheme':24} {'syllables':10} {'foot':8} about")
    for form in FORMS:
        spec = form.parse()  # the catalogue's own specs always parse; a test checks every one
        print(f"{form.key:22} {spec.scheme or '-':24} {_counts(form):10} {spec.foot or '-':8} {form.about}")
    print()
    print('custom: --form "SCHEME [COUNTS] [FOOT]", e.g. "ABAB 8,6,8,6", "ABAB/CDCD 10 iambic", "A1BA2/ABA1/ABA2 10"')
    print("  SCHEME  capital letters, one per line; lines with the same letter rhyme; '-' a line that need not")
    print("          rhyme; A1 a refrain (every later A1 repeats the first word for word); '/' a stanza break")
    print(f"  COUNTS  syllables per line (1-{MAX_SYLLABLES}); a shorter list repeats, one number sets every line")
    print(f"  FOOT    {', '.join(FEET)}: longer words keep their stress on the beat")
    return 0
