"""LG103 unresolvable-reference: a layer entry whose value layergate cannot determine (fail closed).

An UNKNOWN resolution (``Fn::ImportValue``, a nested stack output, a value unknown in a Terraform plan)
carries the parser's reason. A literal or parameter entry that yields no value at all (a parameter with
no default and no value given) is treated the same way: what cannot be seen cannot pass.
"""

from __future__ import annotations

from collections.abc import Iterator

from layergate.checks import Context
from layergate.checks.common import entry, function
from layergate.model import Finding, ResolutionKind, Scan, Severity
from layergate.rule import Rule

RULE = Rule(
    id="LG103",
    slug="unresolvable-reference",
    severity=Severity.ERROR,
    title="Layer entry whose value cannot be determined",
    fix="Write the layer version ARN literally, or pass the value with --parameter/--parameters.",
)

_NEED_VALUES = (ResolutionKind.LITERAL, ResolutionKind.PARAMETER)


def check(scan: Scan, ctx: Context) -> Iterator[Finding]:
    for ref in scan.refs:
        kind = ref.resolution.kind
        if kind is ResolutionKind.UNKNOWN:
            reason = ref.resolution.detail or "no reason given"
        elif kind in _NEED_VALUES and not ref.candidates:
            reason = (
                f"parameter {ref.resolution.detail} has no default and no value was given"
                if kind is ResolutionKind.PARAMETER
                else "it yields no value"
            )
        else:
            continue
        yield RULE.finding(
            ref.location,
            f"{function(ref)} has {entry(ref, reason)} that cannot be resolved: {reason};"
            " a layer that cannot be seen cannot be checked",
            consumer=ref.consumer,
        )
