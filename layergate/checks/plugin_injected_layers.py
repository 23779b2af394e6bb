"""LG107 plugin-injected-layers: a plugin adds layers at package time, where a scan of the source cannot see them.

The Serverless parser records a ``Note`` (kind ``plugin-injected-layers``) when it sees such a plugin
(serverless-plugin-datadog with ``addLayers``, serverless-python-requirements with ``layer: true``, ...).
The layers exist only in the packaged template, so this is an error until that template is scanned:
a layer the gate never saw must not pass it.
"""

from __future__ import annotations

from collections.abc import Iterator

from layergate.checks import Context
from layergate.model import Finding, Scan, Severity
from layergate.rule import Rule

RULE = Rule(
    id="LG107",
    slug="plugin-injected-layers",
    severity=Severity.ERROR,
    title="Layers a plugin adds at package time, invisible to a scan of the source",
    fix="Run `serverless package` and scan .serverless/cloudformation-template-update-stack.json, "
    "which holds the layers the plugin adds.",
)

PACKAGED_TEMPLATE = ".serverless/cloudformation-template-update-stack.json"


def check(scan: Scan, ctx: Context) -> Iterator[Finding]:
    for note in scan.notes:
        if note.kind != RULE.slug:
            continue
        yield RULE.finding(
            note.location,
            f"{note.message}; scan {PACKAGED_TEMPLATE} after `serverless package` to check them",
            consumer=note.subject or None,
        )
