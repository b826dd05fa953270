"""`poetstudio poets`: the poets (and moods) an adapter knows, with thin and unavailable poets marked."""

from __future__ import annotations

import argparse

from poetstudio.commands.arguments import settings_of


def add_parser(sub) -> None:
    """Register the poets subcommand."""
    poets = sub.add_parser("poets", help="the poets (and moods) the model knows")
    poets.add_argument("--adapter", help="adapter folder (default: the shipped one)")
    poets.add_argument("--model", help="base model folder whose pretraining authors --all lists "
                                       "(default: the shipped base, with the shipped adapter)")
    poets.add_argument("--all", action="store_true", dest="all_authors",
                       help="also list every author the model learned under their names, with how much verse")


def run(args: argparse.Namespace) -> int:
    """One line per poet with counts, thin and unavailable poets marked; then the moods."""
    from poetstudio.model_info import IN_COPYRIGHT, read_model_card
    from poetstudio.model_spec import spec_from_names

    model = settings_of(args).model
    info = read_model_card(spec_from_names(model.base, model.adapter))
    print(f"poets of {info.path or model.base}:")
    if not info.trained:
        print("  no poet metadata: the model writes as any of these by describing the blend in words "
              f"(blend mode 'prompt'): {', '.join(info.writable())}")
    for poet in info.poets if info.trained else ():
        if not poet.available:
            remedy = ("an adapter trained on data with her poems adds her" if poet.reason == IN_COPYRIGHT
                      else "train an adapter on poems by this poet")
            print(f"  {poet.name:28} unavailable: {poet.reason}; {remedy}")
        else:
            note = f"  (thin: only {poet.poems} poems, the voice is weak)" if poet.thin else ""
            gain = f"  gain {info.balance[poet.name]:.2f}" if poet.name in info.balance else ""
            print(f"  {poet.name:28} {poet.poems:4} poems {poet.examples:5} passages{gain}{note}")
    if args.all_authors:
        print_authors(info)
    elif info.authors:
        print(f"and {len(info.authors)} more authors the model learned (--all lists them)")
    if info.balance:
        print("gain: each poet's weight in a blend is multiplied by it (the fitted balance, so that equal weights "
              "are heard as equal; `poetstudio train --recipe balance`)")
    if info.moods:
        print("moods: " + ", ".join(f"{m} ({n})" for m, n in sorted(info.moods.items())))
    else:
        print("moods: none (this adapter was trained without mood labels)")
    return 0


def print_authors(info) -> None:
    """The model's other authors (read under their names by the adapter's run or the base's pretraining), most
    verse first, thin ones marked (they can join any exact blend)."""
    if not info.authors:
        print("no other authors: neither the adapter nor the base read a general corpus under authors' names")
        return
    print(f"authors the model learned under their names ({len(info.authors)}; any can join a blend):")
    for author in info.authors:
        note = "  (thin: too little verse, the voice is weak)" if author.thin else ""
        books = f"{author.books} book" + ("s" if author.books != 1 else "")
        print(f"  {author.name:34} {author.tokens:>10,} tokens {books:>9}{note}")
