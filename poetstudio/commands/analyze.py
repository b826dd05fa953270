"""`poetstudio analyze FILE|-`: a poem's rhyme scheme, syllables, metre, form, and which poets it reads like."""

from __future__ import annotations

import argparse
import json

from poetstudio.analysis.attribution import Attribution
from poetstudio.analysis.report import PoemReading, analyze_poem
from poetstudio.commands.arguments import card_before_loading, check_device, settings_of
from poetstudio.commands.moods import check_mood
from poetstudio.config import DEVICES
from poetstudio.errors import UserError
from poetstudio.text_file import read_standard_input, read_text_file

BAR_WIDTH = 20


def add_parser(sub) -> None:
    """Register the analyze subcommand and its flags."""
    cmd = sub.add_parser("analyze", help="rhyme scheme, syllables, metre, form and poet attribution of a poem")
    cmd.add_argument("file", help="a text file with the poem, or - to read standard input")
    cmd.add_argument("--json", action="store_true", help="print one JSON object instead of the annotated poem")
    cmd.add_argument("--title", default="", help="the poem's title or theme (attribution reads it as the model would)")
    cmd.add_argument("--mood", help="a mood the adapter knows")
    cmd.add_argument("--no-model", action="store_true", help="skip attribution (no model is loaded)")
    cmd.add_argument("--model", help="base model folder or hub id (default: the shipped model)")
    cmd.add_argument("--adapter", help="adapter folder or hub id (default: the shipped adapter)")
    cmd.add_argument("--device", choices=DEVICES, help="auto, cpu, cuda or mps (default: config.toml's, else auto)")


def read_poem(name: str) -> str:
    """The poem from a file or standard input ('-'), without a byte-order mark; a missing, folder, binary,
    unreadable or empty input is a UserError."""
    give = "give a text file with the poem, or - to read standard input"
    text = read_standard_input(give) if name == "-" else read_text_file(name, give)
    where = "standard input" if name == "-" else name
    if not text.strip():
        raise UserError(f"{where} is empty: there is no poem to analyze")
    return text


def bar(share: float, width: int = BAR_WIDTH) -> str:
    """A share in [0, 1] as a bar of block characters."""
    filled = round(max(0.0, min(1.0, share)) * width)
    return "█" * filled + "░" * (width - filled)


def format_reading(reading: PoemReading) -> str:
    """The poem with a gutter (rhyme letter, ~ for slant, syllables, scansion), then the summary."""
    width = max((len(line.scansion) for line in reading.lines), default=0)
    out = []
    for line in reading.lines:
        mark = "~" if line.rhyme == "slant" else " "
        out.append(f"{line.letter:>2}{mark} {line.syllables:>3}  {line.scansion:<{width}}  {line.text}")
    out += ["", f"rhyme scheme: {reading.scheme}", f"meter: {reading.meter}", f"form: {reading.form}"]
    if reading.guessed_words:
        out.append(f"not in the dictionary (sounds guessed): {', '.join(reading.guessed_words)}")
    return "\n".join(out)


def format_attribution(attribution: Attribution, left_out: list[str] = ()) -> str:
    """Bars, largest share first; then the poets too thin to judge."""
    ranked = sorted(attribution.shares.items(), key=lambda kv: -kv[1])
    name_width = max(len(p) for p, _ in ranked)
    how = (f"the judge, a poet classifier of its characters and words, over {attribution.tokens} passage(s)"
           if attribution.method == "judge" else f"the blend that best explains its first {attribution.tokens} tokens")
    lines = [f"reads like ({how}):"]
    lines += [f"  {poet:<{name_width}}  {bar(share)} {100 * share:3.0f}%" for poet, share in ranked]
    if left_out:
        lines.append(f"  not judged (too few poems to learn from): {', '.join(left_out)}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Read the poem, check the model's arguments (before anything loads), analyze it, attribute it unless
    --no-model, print text or JSON."""
    text = read_poem(args.file)
    attribution, left_out = None, []
    if not args.no_model:
        from poetstudio.model_spec import spec_from_names

        model = settings_of(args).model
        spec = spec_from_names(model.base, model.adapter)
        mood = check_mood(args.mood, card_before_loading(spec).moods)
        check_device(model.device)
    reading = analyze_poem(text)
    if not args.no_model:
        from poetstudio.engine.engine import Engine

        engine = Engine(spec, model.device, threads=model.threads)
        attribution = engine.attribute(text, args.title, mood)
        left_out = [p for p in engine.known_poets() if p not in attribution.shares]
    if args.json:
        record = {"reading": reading.to_dict(), "attribution": attribution.to_dict() if attribution else None}
        print(json.dumps(record, ensure_ascii=False))
        return 0
    print(format_reading(reading))
    if attribution is not None:
        print()
        print(format_attribution(attribution, left_out))
    return 0
