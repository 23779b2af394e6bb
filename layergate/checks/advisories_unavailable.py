"""LG605 advisories-unavailable: the policy asks for vulnerability checks and check has no advisories.

``check`` never calls the network: it matches packages against ``--advisories PATH`` or the advisory
cache. When the policy has a ``vulnerabilities:`` section and neither is there (or ``--no-cache`` left
only the network), every layer published from local content is reported: its packages were not checked,
which is not the same as clean. Without a ``vulnerabilities:`` section check only says so on stderr.
"""

from __future__ import annotations

from collections.abc import Iterator

from layergate.checks import Context
from layergate.checks.common import surveyed_layers
from layergate.model import Finding, Scan, Severity
from layergate.rule import Rule

RULE = Rule(
    id="LG605",
    slug="advisories-unavailable",
    severity=Severity.ERROR,
    title="Published layer not checked for known vulnerabilities: no advisory data",
    fix="Pass --advisories with OSV's per-ecosystem archives, or fill the advisory cache with an online "
    "`layergate inspect LAYER --vulns` first.",
)


def check(scan: Scan, ctx: Context) -> Iterator[Finding]:
    if ctx.vulnerabilities is not None or not ctx.policy.vulnerabilities.declared:
        return
    for layer, _, where in surveyed_layers(scan):
        yield RULE.finding(layer.location, f"{where}: not checked for known vulnerabilities: check has no "
                           "--advisories database and no advisory cache", consumer=layer.id)
