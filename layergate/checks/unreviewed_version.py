"""LG301 unreviewed-version: a layer version whose SHA-256 nobody has recorded and reviewed.

A layer ARN carries no signature; the recorded SHA-256 of the zip (``layers:`` entry with ``sha256``) is
the only anchor ``layergate verify`` can hold AWS to. ``layergate lock`` records hashes with
``reviewed_by`` empty, so this rule keeps failing until a person has looked at the layer and signed.
"""

from __future__ import annotations

from collections.abc import Iterator

from layergate.checks import Context
from layergate.checks.common import function, in_policy, pinned_arns, publisher, reviewed_index
from layergate.model import Finding, Scan, Severity
from layergate.rule import Rule

RULE = Rule(
    id="LG301",
    slug="unreviewed-version",
    severity=Severity.ERROR,
    title="Layer version without a reviewed SHA-256 in the policy",
    fix="Run `layergate lock` to record the SHA-256, review the layer version, then fill in "
    "reviewed_by and reviewed_at.",
)


def check(scan: Scan, ctx: Context) -> Iterator[Finding]:
    reviewed = reviewed_index(ctx)
    for ref, arn, text in pinned_arns(scan):
        entry = reviewed.get(text)
        if entry is None:
            why = "has no layers entry with a recorded SHA-256; run `layergate lock`, then review it"
        elif not entry.sha256:
            why = f"has a layers entry ({in_policy(entry.location)}) without sha256; run `layergate lock`"
        elif not entry.reviewed_by:
            why = (
                f"has a recorded SHA-256 ({in_policy(entry.location)}) but no reviewed_by; `layergate lock` records"
                " hashes unreviewed, so fill in reviewed_by after reviewing the layer"
            )
        else:
            continue
        yield RULE.finding(
            ref.location,
            f"{function(ref)} uses {arn} from {publisher(ctx, arn)}, which {why}",
            arn=text,
            consumer=ref.consumer,
        )
