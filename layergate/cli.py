"""Command-line front end: parses arguments, dispatches to a command, maps outcomes to exit codes.

Exit codes: 0 pass, 1 findings at or above fail_on (or differences, for diff), 2 usage, input or policy
error. Errors are one line each on stderr, never a traceback (LAYERGATE_DEBUG=1 shows one).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from layergate import __version__
from layergate.errors import ErrorList, LayergateError

TYPE_CHECKING = False  # typing is for the type checker: importing it costs every start of the CLI
if TYPE_CHECKING:
    from typing import NoReturn

# Explicit registry: reading this tuple tells you every command that exists.
COMMANDS: tuple[str, ...] = (
    "layergate.commands.check",
    "layergate.commands.rules",
    "layergate.commands.schema",
    "layergate.commands.scp",
    "layergate.commands.init",
    "layergate.commands.lock",
    "layergate.commands.verify",
    "layergate.commands.inspect",
    "layergate.commands.diff",
    "layergate.commands.inventory",
    "layergate.commands.upgrade",
    "layergate.commands.fix",
)

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _command_name(module: str) -> str:
    return module.rsplit(".", 1)[1]


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full parser, or with ``only`` the parser of one command: `layergate check` then imports nothing
    of the other commands (some of which need boto3 and friends)."""
    parser = argparse.ArgumentParser(
        prog="layergate",
        description="Deploy gate for AWS Lambda layers: version pins, trusted publishers, recorded SHA-256.",
    )
    parser.add_argument("--version", action="version", version=f"layergate {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        if only is None or only in _ALIASES.get(name, (_command_name(name),)):
            importlib.import_module(name).add_parser(sub)
    return parser


# Modules that register more than one command name.
_ALIASES = {"layergate.commands.rules": ("rules", "explain")}


def _requested(argv: Sequence[str]) -> str | None:
    """The command named in ``argv`` when it is a known one (options before it are only --version/-h)."""
    known = {alias for name in COMMANDS for alias in _ALIASES.get(name, (_command_name(name),))}
    first = next((a for a in argv if not a.startswith("-")), None)
    return first if first in known else None


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_requested(arguments))
    args = parser.parse_args(arguments)
    try:
        status: int = args.func(args)
        return status
    except ErrorList as exc:
        for line in exc.lines():
            print(f"layergate: error: {line}", file=sys.stderr)
        return EXIT_ERROR
    except LayergateError as exc:
        print(f"layergate: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("layergate: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # fail closed: an unexpected error is never a pass
        if os.environ.get("LAYERGATE_DEBUG"):
            raise
        print(f"layergate: internal error: {type(exc).__name__}: {exc} (set LAYERGATE_DEBUG=1 for details)",
              file=sys.stderr)
        return EXIT_ERROR


def entry() -> NoReturn:
    """The console script and ``python -m layergate``: run, flush, and leave without tearing the
    interpreter down. Freeing a large run's records one by one at exit took longer than parsing a small
    template; nothing is left to clean up once main() returns (files are closed, temporary directories
    removed), unless a thread still runs, and then the exit is the ordinary one."""
    status = main()
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        raise SystemExit(status)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe: the reader has gone, and the status still tells what happened
        pass
    os._exit(status)
