"""LG501 public-layer-permission: a layer version this deployment publishes, usable by every AWS account.

``Principal: '*'`` without ``OrganizationId`` lets any account read the layer (its code, and whatever
was packed into it by mistake: keys, configuration) and run it. With an OrganizationId the grant is
limited to that organization, which LG502 then compares with the policy's ``org.id``.
"""

from __future__ import annotations

from collections.abc import Iterator

from layergate.checks import Context
from layergate.checks.common import grant_subject
from layergate.model import Finding, Scan, Severity
from layergate.rule import Rule

RULE = Rule(
    id="LG501",
    slug="public-layer-permission",
    severity=Severity.ERROR,
    title="Layer version shared with every AWS account",
    fix="Grant lambda:GetLayerVersion to named accounts, or to Principal '*' with your OrganizationId.",
)


def check(scan: Scan, ctx: Context) -> Iterator[Finding]:
    for grant in scan.grants:
        if grant.principal.strip() == "*" and not grant.organization_id:
            subject, resource, related = grant_subject(grant)
            yield RULE.finding(
                grant.location,
                f"{subject} with principal '*' and no OrganizationId: every AWS account can download and use it",
                consumer=resource,
                related=related,
            )
