"""LG901 expired-suppression: an ``ignore:`` entry of the policy whose ``expires`` date has passed.

A suppression with an end date is a promise to look again; when the date passes the entry stays in the
file until someone removes or renews it, so the rule points at the entry itself.
"""

from __future__ import annotations

from collections.abc import Iterator

from layergate.checks import Context
from layergate.model import Finding, Severity
from layergate.rule import Rule

RULE = Rule(
    id="LG901",
    slug="expired-suppression",
    severity=Severity.WARNING,
    title="Suppression in the policy whose expiry date has passed",
    fix="Fix what the entry suppressed and remove the entry, or renew it with a new expires date.",
)


def check_policy(ctx: Context) -> Iterator[Finding]:
    for entry in ctx.policy.ignore:
        if entry.expires is None or entry.expires >= ctx.today:
            continue
        yield RULE.finding(
            entry.location,
            f"suppression of {entry.rule} ({entry.reason}) expired on {entry.expires.isoformat()}",
        )
