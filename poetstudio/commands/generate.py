"""`poetstudio generate`: stream a blended poem to stdout, or print JSON records for scripts."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, replace

from poetstudio.blend import parse_blend
from poetstudio.commands.arguments import card_before_loading, check_blend, check_device, settings_of
from poetstudio.commands.cancellable import exit_status, run_cancellable
from poetstudio.commands.moods import check_mood
from poetstudio.config import BLEND_MODES, DEVICES, MAX_NEW_TOKENS, MAX_VARIATIONS, QUANTIZE, SamplingSettings
from poetstudio.engine.sampling_settings import (
    DEFAULT_STRENGTH,
    MAX_STRENGTH,
    Sampling,
    SamplingError,
    parse_strength,
)
from poetstudio.errors import UserError


def add_parser(sub) -> None:
    """Register the generate subcommand and its flags."""
    gen = sub.add_parser("generate", help="write a poem from a blend of poets, streamed to stdout")
    gen.add_argument("theme", help="the poem's theme or title")
    gen.add_argument("--blend", required=True,
                     help="'Emily Dickinson=0.7,Edgar Allan Poe=0.3' (aliases and parts of names work)")
    gen.add_argument("--opening", default="", help="opening lines the poem starts with (\\n for line breaks)")
    gen.add_argument("--mood", help="a mood the adapter knows (see `poetstudio poets`)")
    gen.add_argument("--seed", type=int, help="the same seed and settings write the same poem (default: random)")
    defaults = Sampling()
    from_file = "config.toml's [sampling], else"
    gen.add_argument("--temperature", type=float,
                     help=f"0 = greedy; higher = more adventurous (default: {from_file} {defaults.temperature})")
    gen.add_argument("--top-p", type=float,
                     help=f"nucleus sampling: draw from the likeliest tokens covering this much probability "
                          f"(default: {from_file} {defaults.top_p})")
    gen.add_argument("--top-k", type=int,
                     help=f"draw from at most this many likeliest tokens; 0 = no limit (default: {from_file} "
                          f"{defaults.top_k})")
    gen.add_argument("--max-new-tokens", type=int,
                     help=f"length of the poem in tokens, 1 to {MAX_NEW_TOKENS} (default: {from_file} "
                          f"{defaults.max_new_tokens}; a --form sets its own)")
    gen.add_argument("--repetition-penalty", type=float,
                     help=f"above 1 discourages repeating tokens already written (default: {from_file} 1, none)")
    gen.add_argument("--any-words", action="store_true",
                     help="let free verse invent words; by default each word must be a real one (a dictionary "
                          "word, an inflection, an archaic form or an elision such as o'er); forms always keep to them")
    gen.add_argument("--word-repeats", type=int,
                     help=f"free verse uses a word (not a function word such as 'the') at most this often in one "
                          f"line, so it does not loop on its theme; 0 = no limit (default: {from_file} "
                          f"{defaults.word_repeats})")
    gen.add_argument("--echo-penalty", type=float,
                     help=f"free verse lowers a word's third use in the poem by this much (log-probability), its "
                          f"fourth by twice as much, so it does not wear out its theme; 0 = off (default: "
                          f"{from_file} {defaults.echo_penalty:g})")
    gen.add_argument("--any-lines", action="store_true",
                     help="let free verse write headings ('XIV.'), run blank lines together and stop mid-line "
                          "at --max-new-tokens; by default it ends at a line's end")
    gen.add_argument("--strength",
                     help=f"style strength, 0 to {MAX_STRENGTH:g}: 1 is the plain blend, above 1 pushes the voices "
                          f"further from verse with no poet named (classifier-free guidance; default: {from_file} "
                          f"{DEFAULT_STRENGTH:g})")
    gen.add_argument("--n", type=int,
                     help=f"number of variations (consecutive seeds), 1 to {MAX_VARIATIONS} (default: {from_file} 1)")
    gen.add_argument("--form", metavar="NAME|SPEC",
                     help='write to a form: a name from `poetstudio forms` or a spec like "ABAB 8,6,8,6"')
    gen.add_argument("--json", action="store_true", help="one JSON object per poem instead of streamed text")
    gen.add_argument("--model", help="base model folder or hub id (default: config.toml's [model], else the shipped "
                                     "model)")
    gen.add_argument("--adapter", help="adapter folder or hub id (default: the shipped adapter with the shipped model)")
    gen.add_argument("--device", choices=DEVICES, help="auto, cpu, cuda or mps (default: config.toml's, else auto)")
    gen.add_argument("--quantize", choices=QUANTIZE, help="nf4: 4-bit on CUDA (default: config.toml's, else none)")
    gen.add_argument("--blend-mode", choices=BLEND_MODES,
                     help="exact: one row per poet mixed every token; prompt: the blend described in words; "
                          "auto: exact where the adapter knows its poets (default: config.toml's, else auto)")
    gen.add_argument("--balance", action=argparse.BooleanOptionalAction,
                     help="--no-balance gives each poet's row its weight as set, without the adapter's fitted gains "
                          "(the blend balance, so that equal weights are heard as equal; `poetstudio poets` lists "
                          "them); default: config.toml's [model] balance, else on")


def sampling_from(settings: SamplingSettings, seed: int | None) -> Sampling:
    """The settings' sampling (config.toml's, with the flags laid over it), checked once by `Sampling` (a bad
    value names its flag) and --max-new-tokens, --n and --strength against their ranges."""
    try:
        sampling = replace(settings.sampling(), seed=seed)
    except SamplingError as exc:
        raise UserError(f"--{exc.field.replace('_', '-')} {exc.rule}, not {exc.value!r}") from None
    if not 1 <= sampling.max_new_tokens <= MAX_NEW_TOKENS:
        raise UserError(f"--max-new-tokens must be from 1 to {MAX_NEW_TOKENS} (tokens in one poem), "
                        f"not {sampling.max_new_tokens}")
    if not 1 <= settings.variations <= MAX_VARIATIONS:
        raise UserError(f"--n must be from 1 to {MAX_VARIATIONS} (poems in one run), not {settings.variations}")
    try:
        settings.strength = parse_strength(settings.strength)
    except UserError as exc:
        raise UserError(f"--{exc}") from None
    return sampling


def load_status_printer():
    """Where a load's progress goes: stderr when a person watches it (the first load converts the default model
    for about a minute), nowhere when stderr is a pipe or a file."""
    if not sys.stderr.isatty():
        return None
    return lambda text: print(f"poetstudio: {text}", file=sys.stderr, flush=True)


def checked_arguments(args: argparse.Namespace):
    """Every argument checked before anything loads (a typo is reported at once, not after the model): the
    sampling numbers, the form, the blend's syntax and weights, then its poets and the mood against the adapter's
    metadata, then the device. Returns (settings, sampling, form, blend, mood, spec): `settings` is config.toml
    with the flags laid over it."""
    from poetstudio.model_spec import spec_from_names

    settings = settings_of(args)
    sampling = sampling_from(settings.sampling, args.seed)
    form = check_form(args.form)
    blend = parse_blend(args.blend)
    spec = spec_from_names(settings.model.base, settings.model.adapter)
    card = card_before_loading(spec)
    check_blend(card, blend)
    mood = check_mood(args.mood, card.moods)
    check_device(settings.model.device)
    return settings, sampling, form, blend, mood, spec


def run(args: argparse.Namespace) -> int:
    """Check every argument, load the engine, generate, stream or print JSON; Ctrl-C stops and keeps what was
    written."""
    settings, sampling, form, blend, mood, spec = checked_arguments(args)
    from poetstudio.engine.engine import Engine
    from poetstudio.engine.request import PoemRequest

    model = settings.model
    engine = Engine(spec, device=model.device, blend_mode=model.blend_mode, quantize=model.quantize,
                    balanced=model.balance, threads=model.threads)
    loaded = engine.load(load_status_printer())
    for warning in loaded.warnings + engine.card.thin_warnings(engine.resolve_blend(blend)):
        print(f"poetstudio: warning: {warning}", file=sys.stderr)
    request = PoemRequest(
        theme=args.theme, blend=blend, opening=args.opening.replace("\\n", "\n"),
        mood=mood,
        sampling=sampling,
        variations=settings.sampling.variations, strength=settings.sampling.strength,
        form=args.form if form is not None else None,
    )
    if form is not None:
        print(f"poetstudio: writing {form.name} ({len(form.lines)} lines, at most "
              f"{form.deadline_s:.0f} s before rhyme and metre give way)", file=sys.stderr)
    stream = None if args.json else _streamer(settings.sampling.variations)
    poems = []
    interrupted = run_cancellable(lambda: poems.extend(engine.generate_variations(request, stream)), engine.cancel)
    for poem in poems:
        if args.json:
            print(json.dumps(_record(poem, engine, loaded), ensure_ascii=False))
        else:
            if not poem.text.endswith("\n"):
                print(flush=True)  # a poem cut at its length still ends its last line on stdout
            print(f"\n[{len(poem.result.token_ids)} tokens, {poem.result.tokens_per_s:.0f} tok/s, seed {poem.seed}, "
                  f"{poem.result.total_s:.1f} s, strength {_strength_note(poem)}{_form_note(poem, form)}]",
                  file=sys.stderr)
    if interrupted is not None:
        print("\npoetstudio: stopped; the partial poem is above", file=sys.stderr)
        return exit_status(interrupted)
    return 0


def check_form(text: str | None):
    """The form asked for as a FormSpec (None for none or free verse); a bad one is a one-line UserError."""
    if text is None:
        return None
    from poetstudio.forms.catalogue import FormSpecError, resolve_form

    try:
        spec = resolve_form(text)
    except FormSpecError as exc:
        raise UserError(str(exc)) from None
    return None if spec.free else spec


def _strength_note(poem) -> str:
    """The footer's strength: "2", or "2 (guided at 3 in the form)" where the form lifted it."""
    lifted = poem.guidance is not None and poem.guidance != poem.strength
    return f"{poem.strength:g}" + (f" (guided at {poem.guidance:g} in the form)" if lifted else "")


def _form_note(poem, form) -> str:
    """The footer's note on how many lines meet the form ("" without a form)."""
    if form is None:
        return ""
    from poetstudio.forms.check import check_poem

    checked = check_poem(poem.text, form)
    met = sum(line.met for line in checked.lines)
    missed = [f"{line.index + 1}:{line.mark}" for line in checked.lines if not line.met]
    return f", {form.name}: {met}/{len(form.lines)} lines meet it" + (f" (missed {' '.join(missed)})" if missed else "")


def _streamer(variations: int):
    """Write each piece to stdout as it comes, with a header per variation when there are several."""
    current = {"index": -1}

    def on_piece(index: int, piece: str) -> None:
        if index != current["index"]:
            if variations > 1:
                print(("\n" if index else "") + f"--- variation {index + 1} ---", flush=True)
            current["index"] = index
        sys.stdout.write(piece)
        sys.stdout.flush()

    return on_piece


def _record(poem, engine, loaded) -> dict:
    """One poem as the JSON object `--json` prints."""
    result = poem.result
    return {
        "text": poem.text,
        "blend": poem.blend,
        "mood": poem.mood,
        "sampling": asdict(poem.sampling),
        "seed": poem.seed,
        "strength": poem.strength,
        "guidance": poem.guidance,
        "blend_mode": engine.mode,
        "row_weights": engine.row_weights(poem.blend) if engine.mode == "exact" else None,
        "model": loaded.base,
        "adapter": loaded.adapter,
        "tokens": len(result.token_ids),
        "finished": result.finished,
        "time_to_first_token_ms": round(result.first_token_s * 1000, 1),
        "tokens_per_s": round(result.tokens_per_s, 1),
        "form": poem.form,
        "form_lines": [{"line": o.index + 1, "mark": o.mark} for o in poem.form_lines],
    }

