"""CLI subcommands: each module has ``add_parser(subparsers)`` (setting ``func=run``) and ``run(args) -> int``."""
