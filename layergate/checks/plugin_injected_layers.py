"""LG107 plugin-injected-layers: layers added after the source is written, where a scan cannot see them.

Parsers record a ``Note`` of this kind when they see something that adds or changes layers later: a
Serverless Framework plugin that adds layers at package time (serverless-plugin-datadog with
``addLayers``, serverless-python-requirements with ``layer: true``), a CloudFormation macro that runs at
deploy time. The note's message says what adds what. It is an error: a layer the gate never saw must
not pass it; the fix is to scan the output the plugin or macro produces.
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
    title="Layers a plugin or macro adds later, invisible to a scan of the source",
    fix="Scan the template the plugin or macro produces (Serverless: run `serverless package`, then scan "
    ".serverless/cloudformation-template-update-stack.json), or list the layers explicitly.",
)


def check(scan: Scan, ctx: Context) -> Iterator[Finding]:
    for note in scan.notes:
        if note.kind == RULE.slug:
            yield RULE.finding(note.location, note.message, consumer=note.subject or None)
