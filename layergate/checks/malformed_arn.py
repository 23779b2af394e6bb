"""LG104 malformed-arn: a layer entry value that does not parse as a layer ARN.

Lambda rejects it at deploy time; worse, a near-ARN (wrong service, a typo in the account) may be a
value someone meant to point elsewhere. Every other rule skips such values, so this one must report them.
"""

from __future__ import annotations

from collections.abc import Iterator

from layergate.arn import ArnError, LayerArn
from layergate.checks import Context
from layergate.checks.common import function, is_external
from layergate.model import Finding, Scan, Severity
from layergate.rule import Rule

RULE = Rule(
    id="LG104",
    slug="malformed-arn",
    severity=Severity.ERROR,
    title="Layer entry that is not a valid layer version ARN",
    fix="Correct the value to arn:<partition>:lambda:<region>:<account>:layer:<name>:<version>.",
)


def check(scan: Scan, ctx: Context) -> Iterator[Finding]:
    for ref in scan.refs:
        if not is_external(ref):
            continue
        seen: set[str] = set()
        for candidate in ref.candidates:
            if candidate.value in seen:
                continue
            seen.add(candidate.value)
            try:
                LayerArn.parse(candidate.value)
            except ArnError as exc:
                yield RULE.finding(
                    ref.location,
                    f"{function(ref)} has layer {candidate.value!r}, which is not a layer ARN: {exc}",
                    consumer=ref.consumer,
                )
