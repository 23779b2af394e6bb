"""LG702 orphaned-internal-layer: a layer an organization account publishes that nobody uses or owns.

An online rule: ``layergate inventory`` emits it in two cases. A layer an inventoried account publishes
that no inventoried function uses (any version) is a leftover: nobody patches it, yet it can still be
attached, and it may be shared beyond the organization. A function that uses a layer whose publishing
account the organization lists as suspended or closed, or that the policy's ``org.accounts`` names but
the organization no longer holds, runs code that no team of the organization can fix or vouch for.
"""

from __future__ import annotations

from layergate.model import Severity
from layergate.rule import Rule

RULE = Rule(
    id="LG702",
    slug="orphaned-internal-layer",
    severity=Severity.WARNING,
    title="Organization layer that no function uses, or whose publishing account is gone",
    fix="Delete layers nobody uses (after checking no account outside the inventory uses them); move functions "
    "off layers of suspended or departed accounts to a layer a current team publishes.",
    online=True,
)
