"""Runs the rules over scans, then filters findings in one fixed order: suppressions, then the threshold.

Suppressed findings are counted, never silently lost, so the summary line can say how many there were.
An ``ignore:`` entry past its ``expires`` date no longer suppresses anything (LG901 says so).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence

from layergate import checks
from layergate.arn import glob_match
from layergate.checks import Context
from layergate.model import Finding, Outcome, Scan, Severity
from layergate.policy import IgnoreEntry


def run_rules(scans: Sequence[Scan], ctx: Context) -> list[Finding]:
    findings: list[Finding] = []
    for module in checks.modules():
        check_scan = getattr(module, "check", None)
        if check_scan is not None:
            for scan in scans:
                findings.extend(check_scan(scan, ctx))
        check_policy = getattr(module, "check_policy", None)
        if check_policy is not None:
            findings.extend(check_policy(ctx))
    return findings


def evaluate(scans: Sequence[Scan], ctx: Context, extra: Iterable[Finding] = ()) -> Outcome:
    """All findings for ``scans`` (plus ``extra`` ones from online checks), suppressions applied."""
    findings = run_rules(scans, ctx)
    findings.extend(extra)
    kept, suppressed = suppress(findings, scans, ctx)
    return Outcome(findings=tuple(_sorted_unique(kept)), suppressed=suppressed, scans=tuple(scans))


def _sorted_unique(findings: list[Finding]) -> list[Finding]:
    """Sorted by ``Finding.sort_key`` (stable), repeats dropped (two resolutions of one entry can meet on
    one fact). Repeats share a sort key, so only findings within a run of equal keys are compared; each
    key is computed once."""
    keyed = sorted(zip([f.sort_key() for f in findings], range(len(findings)), findings, strict=True))
    out: list[Finding] = []
    run: list[Finding] = []
    run_key: tuple[str, int, int, str, str] | None = None
    for key, _, f in keyed:
        if key != run_key:
            run, run_key = [], key
        elif f in run:
            continue
        run.append(f)
        out.append(f)
    return out


def suppress(findings: Sequence[Finding], scans: Sequence[Scan], ctx: Context) -> tuple[list[Finding], int]:
    active = [e for e in ctx.policy.ignore if e.expires is None or e.expires >= ctx.today]
    inline = {
        (scan.file, s.resource, name.lower())
        for scan in scans
        for s in scan.suppressions
        for name in s.rules
    }
    if not active and not inline:
        return list(findings), 0
    kept: list[Finding] = []
    suppressed = 0
    for f in findings:
        if _inline_match(f, inline) or any(ignore_matches(e, f) for e in active):
            suppressed += 1
        else:
            kept.append(f)
    return kept, suppressed


def _inline_match(f: Finding, inline: set[tuple[str, str, str]]) -> bool:
    file = f.location.file
    return any((file, name, f.rule_id.lower()) in inline or (file, name, f.slug) in inline
               for name in _resources(f))


def _resources(f: Finding) -> tuple[str, ...]:
    """The resources a suppression may name: the one a finding is on, and those it also concerns (a grant
    finding is on the permission resource and concerns the layer it shares)."""
    return ((f.consumer,) if f.consumer is not None else ()) + f.related


def ignore_matches(entry: IgnoreEntry, f: Finding) -> bool:
    if entry.rule.lower() not in (f.rule_id.lower(), f.slug):
        return False
    if entry.arn is not None and (f.arn is None or not glob_match(entry.arn, f.arn)):
        return False
    if entry.file is not None and not _file_match(entry.file, f.location.file):
        return False
    resource = entry.resource
    return resource is None or any(fnmatch.fnmatchcase(name, resource) for name in _resources(f))


def _file_match(pattern: str, file: str) -> bool:
    norm = file.replace("\\", "/")
    if norm.startswith("./"):
        norm = norm[2:]
    return fnmatch.fnmatchcase(norm, pattern) or fnmatch.fnmatchcase(norm, f"*/{pattern}")


def exit_status(outcome: Outcome, fail_on: Severity) -> int:
    return 1 if any(f.severity >= fail_on for f in outcome.findings) else 0
