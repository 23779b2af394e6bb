"""`layergate check`: the offline gate."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence

from layergate import records, report
from layergate.commands import common
from layergate.vulns.options import add_advisory_options

TYPE_CHECKING = False  # typing is for the type checker: importing it costs every start of the CLI
if TYPE_CHECKING:
    from typing import Any


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "check",
        help="check layer references against the policy (offline)",
        description="Find every Lambda layer the functions under PATH load and check each against the policy. "
        "Exit 0: pass; 1: findings at or above fail_on; 2: usage, input or policy error.",
    )
    common.add_input_options(p)
    common.add_output_options(p, sorted(report.FORMATS))
    add_advisory_options(p, online=False)
    p.add_argument("--verbose", "-v", action="store_true", help="also list skipped files")
    p.add_argument("--policy-ref", metavar="REF",
                   help="read the policy from this git ref (e.g. the pull request's base) instead of the working "
                        "tree; what the working-tree policy adds is reported as notes")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from layergate import catalog
    from layergate.checks import Context
    from layergate.engine import evaluate
    from layergate.scanning import scan_paths

    args.paths = policy_files_as_trees(args.paths)
    # A run builds large acyclic graphs (YAML nodes, records) and exits: the cyclic collector would only
    # traverse them again and again, which costs more than the parsing itself on large templates.
    gc.disable()
    prepared = common.prepare(args)
    policy = prepared.policy
    result = scan_paths(args.paths, prepared.options, policy.exclude)
    ctx = Context(policy=policy, catalog=catalog.load(), regions=prepared.regions, today=prepared.today)
    notes = list(prepared.notes)
    if any(d.content.kind == "local" and d.content.local_path for s in result.scans for d in s.layer_defs):
        ctx = records.replace(ctx, vulnerabilities=published_layer_vulns(result.scans, args, notes))
    outcome = evaluate(result.scans, ctx)
    outcome = records.replace(outcome, files_by_format=result.files_by_format)
    if getattr(args, "verbose", False):
        notes.extend(f"skipped {s.path}: {s.reason}" for s in result.skipped)
    if not result.scans and not args.quiet:
        print("note: no CloudFormation, SAM, Serverless, Terraform plan or CDK input found", file=sys.stderr)
    return common.emit(args, outcome, policy, notes, "check")


def published_layer_vulns(scans: Sequence[Any], args: argparse.Namespace, notes: list[str]) -> Any:
    """Known vulnerabilities of layers published from local content, from offline sources only; None (with
    a note) when there is neither --advisories nor an advisory cache."""
    from layergate.vulns.options import offline_source

    source = offline_source(args)
    if source is None:
        notes.append("known vulnerabilities not checked: no --advisories database and no advisory cache "
                     "(check never queries the network)")
        return None
    from layergate.vulns.contents import published_layer_vulns as reports

    return reports(scans, source)


def policy_files_as_trees(paths: list[str]) -> list[str]:
    """A policy file named as a PATH stands for everything it governs (pre-commit passes the policy file
    when it changes, and a changed policy must be held against every template, not none)."""
    from layergate.policy import POLICY_FILENAMES

    trees = [os.path.dirname(p) or "." for p in paths if os.path.basename(p) in POLICY_FILENAMES]
    if not trees:
        return paths
    inside = [p for p in paths if os.path.basename(p) not in POLICY_FILENAMES
              and not any(_under(p, tree) for tree in trees)]
    return list(dict.fromkeys(trees + inside))


def _under(path: str, tree: str) -> bool:
    return os.path.commonpath([os.path.abspath(path), os.path.abspath(tree)]) == os.path.abspath(tree)
