"""LG202 denied-layer: a layer that matches a ``deny:`` ARN glob of the policy.

Deny wins over every allow: a layer from an allowed publisher is still refused when denied. An entry
without a version can become any version, so it is denied when a pattern denies all its versions.
"""

from __future__ import annotations

from collections.abc import Iterator

from layergate.arn import LayerArn, glob_match
from layergate.checks import Context
from layergate.checks.common import external_arns, function, publisher
from layergate.model import Finding, Scan, Severity
from layergate.policy import DenyEntry
from layergate.rule import Rule

RULE = Rule(
    id="LG202",
    slug="denied-layer",
    severity=Severity.ERROR,
    title="Layer the policy's deny list forbids",
    fix="Remove the layer, or replace it with one the policy allows.",
)


def check(scan: Scan, ctx: Context) -> Iterator[Finding]:
    for ref, arn, text in external_arns(scan):
        entry = next((d for d in ctx.policy.deny if _denied(d, arn, text)), None)
        if entry is None:
            continue
        yield RULE.finding(
            ref.location,
            f"{function(ref)} uses {text} from {publisher(ctx, arn)}, which the policy denies"
            f" ({entry.arn}): {entry.reason}",
            arn=text,
            consumer=ref.consumer,
        )


def _denied(entry: DenyEntry, arn: LayerArn, text: str) -> bool:
    if glob_match(entry.arn, text):
        return True
    # "...:layer:X" floats over every version: a pattern whose version part is a wildcard covers it.
    return arn.version is None and not arn.managed and glob_match(entry.arn, f"{text}:*")
