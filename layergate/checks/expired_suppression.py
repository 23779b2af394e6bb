"""LG901 expired-suppression: an ``ignore:`` entry of the policy whose ``expires`` date has passed.

A suppression with an end date is a promise to look again. Once the date passes the engine stops
applying the entry (the findings it hid come back), and this rule points at the stale entry itself so
that someone removes or renews it. A warning: the findings that come back carry their own severity.
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
            f"suppression of {entry.rule} ({entry.reason}) expired on {entry.expires.isoformat()} and no longer"
            " applies",
        )
