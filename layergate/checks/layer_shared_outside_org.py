"""LG502 layer-shared-outside-org: a layer version this deployment publishes, shared outside the organization.

A grant to an account (``123456789012`` or ``arn:aws:iam::123456789012:root``) is an error when the
policy lists ``org.accounts`` and the account is not among them; a grant to ``'*'`` limited to an
organization is an error when ``org.id`` names another one. When the policy does not list the
organization, layergate cannot tell inside from outside and says so as a warning (visible, but not
failing the default ``fail_on: error``). A principal or organization that cannot be determined (the parser
writes ``<unknown: reason>``) or is neither form cannot be judged: error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from layergate.checks import Context
from layergate.checks.common import grant_subject
from layergate.model import Finding, LayerGrant, Scan, Severity
from layergate.rule import Rule

RULE = Rule(
    id="LG502",
    slug="layer-shared-outside-org",
    severity=Severity.ERROR,
    title="Layer version shared with an account outside the organization",
    fix="Remove the grant, or list the account under org.accounts in .layergate.yaml if it is yours.",
)

_UNKNOWN_PREFIX = "<unknown: "
_ACCOUNT_RE = re.compile(r"^(?:(\d{12})|arn:aws[a-z-]*:iam::(\d{12}):root)$")


def check(scan: Scan, ctx: Context) -> Iterator[Finding]:
    for grant in scan.grants:
        found = _judge(grant, ctx)
        if found is not None:
            message, severity = found
            _, resource, related = grant_subject(grant)
            yield RULE.finding(grant.location, message, consumer=resource, severity=severity, related=related)


def _judge(grant: LayerGrant, ctx: Context) -> tuple[str, Severity] | None:
    org = ctx.policy.org
    principal = grant.principal.strip()
    subject = f"{grant_subject(grant)[0]} with"
    if (reason := _unknown(principal)) is not None:
        return (
            f"{subject} a principal layergate cannot determine ({reason}): it may be any account or '*'",
            RULE.severity,
        )
    if principal == "*":
        if not grant.organization_id:
            return None  # public: LG501
        if (reason := _unknown(grant.organization_id)) is not None:
            return f"{subject} '*' in an organization layergate cannot determine ({reason})", RULE.severity
        if org.id is None:
            return (
                f"{subject} organization {grant.organization_id}, and the policy names no org.id to compare it with",
                Severity.WARNING,
            )
        if grant.organization_id != org.id:
            return f"{subject} organization {grant.organization_id}, not this organization ({org.id})", RULE.severity
        return None
    match = _ACCOUNT_RE.match(principal)
    if match is None:
        return f"{subject} principal {principal!r}, which is not an account id layergate can judge", RULE.severity
    account = match[1] or match[2]
    label = ctx.catalog.label(account)
    if not org.accounts:
        return (
            f"{subject} account {label}, and the policy lists no org.accounts to tell whether it is"
            " inside the organization",
            Severity.WARNING,
        )
    if account not in org.accounts:
        return f"{subject} account {label}, which is not in org.accounts", RULE.severity
    return None


def _unknown(value: str) -> str | None:
    """Parsers write a value they cannot determine as ``<unknown: reason>``; the reason, if so."""
    if value.startswith(_UNKNOWN_PREFIX) and value.endswith(">"):
        return value[len(_UNKNOWN_PREFIX) : -1]
    return None
