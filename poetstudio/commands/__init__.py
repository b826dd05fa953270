"""The `poetstudio` subcommands, one module each: `add_parser(sub)` registers its flags and `run(args)`
carries it out and returns the exit status. Modules that need torch import it inside `run`, so the
parser and `--help` stay light; the UI never imports this package."""
