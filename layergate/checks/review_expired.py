"""LG303 review-expired: the review of a layer version is older than ``max_review_age_days``.

Only when the policy sets ``max_review_age_days``: a team that asks for periodic re-review means it, so
an expired review fails like a missing one. A reviewed entry without ``reviewed_at`` cannot be dated
and fails too (fail closed). Entries LG301 already reports (no hash, no reviewer) are left to it.
"""

from __future__ import annotations

from collections.abc import Iterator

from layergate.checks import Context
from layergate.checks.common import function, in_policy, pinned_arns, publisher, reviewed_index
from layergate.model import Finding, Scan, Severity
from layergate.rule import Rule

RULE = Rule(
    id="LG303",
    slug="review-expired",
    severity=Severity.ERROR,
    title="Layer review older than max_review_age_days",
    fix="Review the layer version again and update reviewed_at, or move to a newer reviewed version.",
)


def check(scan: Scan, ctx: Context) -> Iterator[Finding]:
    max_age = ctx.policy.max_review_age_days
    if max_age is None:
        return
    reviewed = reviewed_index(ctx)
    for ref, arn, text in pinned_arns(scan):
        entry = reviewed.get(text)
        if entry is None or not entry.sha256 or not entry.reviewed_by:
            continue
        if entry.reviewed_at is None:
            why = (
                f"its review by {entry.reviewed_by} ({in_policy(entry.location)}) has no reviewed_at, so its age"
                f" cannot be held to max_review_age_days ({max_age})"
            )
        else:
            age = (ctx.today - entry.reviewed_at).days
            if age <= max_age:
                continue
            why = (
                f"its review by {entry.reviewed_by} on {entry.reviewed_at.isoformat()} ({in_policy(entry.location)})"
                f" is {age} days old, more than max_review_age_days ({max_age})"
            )
        yield RULE.finding(
            ref.location,
            f"{function(ref)} uses {arn} from {publisher(ctx, arn)}: {why}",
            arn=text,
            consumer=ref.consumer,
        )
