"""The cfn-lint rule class every layergate rule is made from (kept out of ``__init__`` so that cfn-lint,
which instantiates every rule class it finds in the module it is given, does not instantiate it)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from layergate.errors import ErrorList, LayergateError
from layergate.model import Finding, Severity
from layergate.rule import Rule

LETTERS = {Severity.ERROR: "E", Severity.WARNING: "W", Severity.NOTE: "I"}
ERROR_ID = "E9000"  # layergate could not check the template (unreadable policy or template)
_CACHE = "_layergate_findings"  # attribute on cfn-lint's Template: one layergate run per template


def cfn_lint_id(rule: Rule) -> str:
    """LG201 (error) -> E9201, LG101 (warning) -> W9101: cfn-lint reads the severity from the letter."""
    return f"{LETTERS[rule.severity]}9{rule.id[2:]}"


class Outcome:
    """What one layergate run over one template gave: findings by LG id, or the error that stopped it."""

    def __init__(self, findings: list[Finding], error: str | None) -> None:
        self.findings = findings
        self.error = error


def run_layergate(filename: str | None, cfn_regions: list[str]) -> Outcome:
    from layergate import catalog
    from layergate import policy as policy_mod
    from layergate.checks import Context
    from layergate.engine import evaluate
    from layergate.sources import NotThisFormat, ParseOptions, cloudformation

    if not filename or filename == "-" or not os.path.isfile(filename):
        return Outcome([], "layergate reads the template from a file; standard input cannot be checked")
    try:
        found = policy_mod.find(filename)
        policy = policy_mod.load(found) if found else policy_mod.default_policy()
        regions = policy.regions or tuple(cfn_regions)
        options = ParseOptions(regions=regions, root=os.getcwd(),
                               deploy_accounts=tuple((e.path, e.accounts) for e in policy.deploy_accounts))
        try:
            scans = cloudformation.parse(filename, options)
        except NotThisFormat:
            return Outcome([], None)
        ctx = Context(policy=policy, catalog=catalog.load(), regions=regions, today=dt.date.today())
        return Outcome(list(evaluate(scans, ctx).findings), None)
    except ErrorList as exc:
        return Outcome([], "; ".join(exc.lines()))
    except LayergateError as exc:
        return Outcome([], str(exc))


def outcome_for(cfn: Any) -> Outcome:
    cached = getattr(cfn, _CACHE, None)
    if isinstance(cached, Outcome):
        return cached
    result = run_layergate(cfn.filename, list(getattr(cfn, "regions", None) or ["us-east-1"]))
    with contextlib.suppress(AttributeError):  # a Template refusing attributes: rerun per rule, still correct
        setattr(cfn, _CACHE, result)
    return result


def to_match(f: Finding, filename: str) -> RuleMatch:
    loc = f.location
    same_file = os.path.realpath(loc.file) == os.path.realpath(filename)
    message = f"{f.rule_id}: {f.message}" if same_file else f"{f.rule_id}: {loc}: {f.message}"
    path: list[str | int] = [int(p) if p.isdigit() else p for p in loc.path.split("/")] if loc.path else []
    if f.consumer and path[:1] != ["Resources"]:
        # A Globals entry (or an address outside Resources) still belongs to its function, so that the
        # function's Metadata cfn-lint ignore_checks applies, as it would to the function's own entries.
        path = ["Resources", f.consumer, *path]
    line, column = (loc.line, loc.column or 1) if same_file and loc.line else (1, 1)
    # ``location`` (0-based) is what cfn-lint prints; ``path`` lets Metadata ignore_checks work per resource.
    return RuleMatch(path, message, location=(line - 1, column - 1, line - 1, column - 1))


class LayergateRule(CloudFormationLintRule):  # type: ignore[misc]
    """One layergate rule as a cfn-lint rule; the subclasses set ``id`` and ``lg_rule``."""

    lg_rule: Rule

    def match(self, cfn: Any) -> Iterator[RuleMatch]:
        outcome = outcome_for(cfn)
        for f in outcome.findings:
            if f.rule_id == self.lg_rule.id:
                yield to_match(f, cfn.filename)
