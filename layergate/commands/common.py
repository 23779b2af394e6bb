"""Options and steps shared by the commands that read infrastructure code (check, lock, verify, init)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Sequence

from layergate import __version__, records
from layergate.errors import LayergateError
from layergate.model import Outcome, Severity
from layergate.policy import Policy
from layergate.records import dataclass
from layergate.sources import ParseOptions

DEFAULT_POLICY_NOTE = (
    "no .layergate.yaml found: using the strict default policy (no outside publisher is trusted; "
    "pinned versions with recorded SHA-256 required); run `layergate init` to start one"
)


def key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key.strip(), value


def date_arg(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def add_input_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                        help="files or directories to scan (default: the current directory)")
    parser.add_argument("--policy", metavar="FILE",
                        help="policy file (default: .layergate.yaml found by walking up from the first PATH)")
    parser.add_argument("--region", action="append", default=[], metavar="REGION",
                        help="region the functions deploy to (repeatable; overrides the policy's regions)")
    parser.add_argument("--parameter", action="append", default=[], type=key_value, metavar="KEY=VALUE",
                        help="CloudFormation/SAM parameter value (repeatable)")
    parser.add_argument("--parameters", action="append", default=[], metavar="FILE",
                        help="parameter values: CloudFormation JSON [{ParameterKey, ParameterValue}] "
                             "or samconfig.toml (repeatable)")
    parser.add_argument("--config-env", default="default", metavar="ENV",
                        help="samconfig.toml environment to read parameter_overrides from (default: default)")
    parser.add_argument("--stage", metavar="STAGE", help="Serverless Framework stage (${opt:stage}, ${sls:stage})")
    parser.add_argument("--env", action="append", default=[], type=key_value, metavar="NAME=VALUE",
                        help="value for Serverless ${env:NAME} (repeatable; unset variables are dynamic)")
    parser.add_argument("--tf-dir", metavar="DIR",
                        help="Terraform sources for a plan (default: the plan file's directory)")
    parser.add_argument("--today", type=date_arg, metavar="YYYY-MM-DD",
                        help="evaluate review ages and suppression expiry as of this date (reproducible runs)")


def add_output_options(parser: argparse.ArgumentParser, formats: Sequence[str]) -> None:
    parser.add_argument("--format", "-f", choices=list(formats), default="text", help="output format (default: text)")
    parser.add_argument("--output", "-o", action="append", default=[], type=key_value, metavar="FORMAT=PATH",
                        help="also write FORMAT to PATH (repeatable), e.g. -o sarif=layergate.sarif")
    parser.add_argument("--fail-on", choices=["error", "warning", "note"],
                        help="lowest severity that fails the run (default: the policy's fail_on, else error)")
    parser.add_argument("--no-color", action="store_true", help="never colour the text output")
    parser.add_argument("--quiet", "-q", action="store_true", help="print findings only, no notes on stderr")


@dataclass(frozen=True, slots=True)
class Prepared:
    policy: Policy
    options: ParseOptions
    regions: tuple[str, ...]
    today: dt.date
    notes: tuple[str, ...]


def load_policy(args: argparse.Namespace) -> tuple[Policy, list[str]]:
    from layergate import policy as policy_mod

    notes: list[str] = []
    start = args.paths[0] if args.paths else "."
    if getattr(args, "policy_ref", None):  # the policy as of a git ref; see layergate.policy_ref
        from layergate import policy_ref

        return policy_ref.resolve(args.policy_ref, args.policy, start)
    if args.policy:
        return policy_mod.load(args.policy), notes
    found = policy_mod.find(start)
    if found is None:
        notes.append(DEFAULT_POLICY_NOTE)
        return policy_mod.default_policy(), notes
    return policy_mod.load(found), notes


def prepare(args: argparse.Namespace) -> Prepared:
    policy, notes = load_policy(args)
    regions = tuple(dict.fromkeys(args.region)) or policy.regions
    options = ParseOptions(
        regions=regions,
        parameters=dict(args.parameter),
        parameter_files=tuple(args.parameters),
        config_env=args.config_env,
        stage=args.stage,
        env=dict(args.env),
        tf_dir=args.tf_dir,
        root=os.getcwd(),
        deploy_accounts=tuple((e.path, e.accounts) for e in policy.deploy_accounts),
    )
    today = args.today or dt.date.today()
    return Prepared(policy, options, regions, today, tuple(notes))


def fail_on(args: argparse.Namespace, policy: Policy) -> Severity:
    return Severity.parse(args.fail_on) if args.fail_on else policy.fail_on


def emit(args: argparse.Namespace, outcome: Outcome, policy: Policy, notes: Sequence[str], command: str) -> int:
    """Write the report(s) and return the exit status (0 pass, 1 findings at or above fail_on)."""
    from layergate import report
    from layergate.engine import exit_status

    threshold = fail_on(args, policy)
    color = (
        sys.stdout.isatty() and not args.no_color and "NO_COLOR" not in os.environ
        and os.environ.get("TERM") != "dumb"
    )
    ctx = report.ReportContext(
        outcome=outcome, fail_on=threshold, policy_path=policy.path, notes=tuple(notes),
        color=color, tool_version=__version__, command=command,
    )
    for fmt, path in args.output:
        if fmt not in report.FORMATS:
            raise LayergateError(f"--output: unknown format {fmt!r} (choose from {', '.join(sorted(report.FORMATS))})")
        text = report.render(fmt, records.replace(ctx, color=False))
        try:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            raise LayergateError(f"--output: cannot write: {exc.strerror or exc}", path) from None
    if not args.quiet:
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
    sys.stdout.write(report.render(args.format, ctx))
    sys.stdout.flush()
    return exit_status(outcome, threshold)
