"""LG604 unmatched-package: content of a published layer that could not be matched against advisories.

A package without a version, a jar without Maven coordinates, a version its ecosystem's ordering refuses,
a package the advisory cache has never seen, native libraries and Python code without package metadata:
none of them was checked for known vulnerabilities, and none is known to be clean. Each layer gets one
finding naming the first few with the reason. Reported only when check has an advisory source (LG605
covers the case where it has none).
"""

from __future__ import annotations

from collections.abc import Iterator

from layergate.checks import Context
from layergate.checks.common import first_few
from layergate.model import Finding, Scan, Severity
from layergate.rule import Rule

RULE = Rule(
    id="LG604",
    slug="unmatched-package",
    severity=Severity.NOTE,
    title="Published layer content that could not be matched against advisories",
    fix="Install packages with their metadata (pip, npm, Maven jars with pom.properties), or review the "
    "listed content for known vulnerabilities by hand.",
)


def check(scan: Scan, ctx: Context) -> Iterator[Finding]:
    if ctx.vulnerabilities is None:
        return
    for layer in scan.layer_defs:
        report = ctx.vulnerabilities.get(layer.content.local_path or "")
        where = f"layer {layer.id} content {layer.content.uri}"
        if isinstance(report, str):
            yield RULE.finding(layer.location, f"{where} could not be read ({report}): its packages were not "
                               "matched against advisories", consumer=layer.id)
            continue
        if report is None:
            continue
        items = [f"{r.package.display()} ({r.not_matched})" for r in report.not_matched]
        items += [f"{u.path} ({u.reason})" for u in report.unmatched_files]
        if items:
            noun = "1 item" if len(items) == 1 else f"{len(items)} items"
            yield RULE.finding(layer.location, f"{where}: {noun} not matched against advisories, not known to "
                               f"be clean: {first_few(items)}", consumer=layer.id)
