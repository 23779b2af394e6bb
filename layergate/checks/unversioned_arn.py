"""LG102 unversioned-arn: a layer ARN without ``:<version>``, including the AWS-managed ``awslayer`` form.

Without a version there is no exact layer to review, record a hash for, or verify; the ``awslayer`` form
has no account or version at all and AWS decides what it contains.
"""

from __future__ import annotations

from collections.abc import Iterator

from layergate.checks import Context
from layergate.checks.common import external_arns, function, publisher
from layergate.model import Finding, Scan, Severity
from layergate.rule import Rule

RULE = Rule(
    id="LG102",
    slug="unversioned-arn",
    severity=Severity.ERROR,
    title="Layer ARN without a version number",
    fix="Append the reviewed version to the ARN (arn:...:layer:<name>:<version>).",
)


def check(scan: Scan, ctx: Context) -> Iterator[Finding]:
    for ref, arn, text in external_arns(scan):
        if arn.managed:
            message = (
                f"{function(ref)} uses the AWS-managed layer {arn}, which names no account and no version;"
                " its content cannot be pinned or reviewed"
            )
        elif arn.version is None:
            message = (
                f"{function(ref)} uses {arn} from {publisher(ctx, arn)} without a version; there is no"
                " exact layer version to review or record a hash for"
            )
        else:
            continue
        yield RULE.finding(ref.location, message, arn=text, consumer=ref.consumer)
