"""LG201 publisher-not-allowed: a layer from an account that no ``publishers:`` entry allows.

A ``vendor:`` entry allows the catalog's confirmed accounts for that vendor in the layer's partition and
region (an account seen only second-hand needs an ``account:`` entry); an ``account:`` entry allows that
account. Either may narrow itself to layer-name globs (``layers:``).
Nothing is trusted implicitly: not the organization's accounts (``org.accounts`` says who we share with,
not who may publish code we run), and with no policy file, no outside publisher at all.
"""

from __future__ import annotations

from collections.abc import Iterator

from layergate.arn import LayerArn, glob_match
from layergate.catalog import Catalog
from layergate.checks import Context
from layergate.checks.common import external_arns, function, publisher
from layergate.model import Finding, Scan, Severity
from layergate.policy import PublisherAllow
from layergate.rule import Rule

RULE = Rule(
    id="LG201",
    slug="publisher-not-allowed",
    severity=Severity.ERROR,
    title="Layer from a publisher the policy does not allow",
    fix="Add the publisher under publishers: in .layergate.yaml once you trust it, or use a layer "
    "from an allowed publisher.",
)


def check(scan: Scan, ctx: Context) -> Iterator[Finding]:
    verdicts: dict[str, str | None] = {}  # ARN text -> why it is not allowed (None: allowed); decided once
    for ref, arn, text in external_arns(scan):
        if arn.managed:  # published by AWS itself, not by an account; LG102 reports it
            continue
        if text not in verdicts:
            verdicts[text] = _why_not_allowed(arn, ctx)
        why = verdicts[text]
        if why is not None:
            yield RULE.finding(
                ref.location,
                f"{function(ref)} uses {text} from {publisher(ctx, arn)}: {why}",
                arn=text,
                consumer=ref.consumer,
            )


def _why_not_allowed(arn: LayerArn, ctx: Context) -> str | None:
    entries = [e for e in ctx.policy.publishers if account_matches(e, arn, ctx.catalog)]
    if any(name_matches(e, arn) for e in entries):
        return None
    if entries:
        patterns = ", ".join(p for e in entries for p in e.layers)
        return f"the publishers entry for {entries[0].name} allows only layers matching {patterns}"
    if ctx.policy.is_default:
        return "no policy file, so no publisher is trusted"
    if vendor := _unconfirmed_vendor(arn, ctx):
        return (
            f"the publishers entry for {vendor} does not cover it, because the catalog knows this account"
            f" for {vendor} only second-hand; allow it with an account entry if you trust it"
        )
    return "no publishers entry allows this account"


def account_matches(entry: PublisherAllow, arn: LayerArn, catalog: Catalog) -> bool:
    if entry.account is not None:
        return entry.account == arn.account
    if entry.vendor is None:
        return False
    vendor = catalog.vendor(entry.vendor)
    if vendor is None:
        return False
    # Confirmed accounts only, and only for the layer names the catalog ties to that account there.
    return any(
        e.account == arn.account and e.confirmed and e.names_ok(arn.name)
        for e in vendor.entries_in(arn.partition, arn.region)
    )


def name_matches(entry: PublisherAllow, arn: LayerArn) -> bool:
    return not entry.layers or any(glob_match(p, arn.name) for p in entry.layers)


def _unconfirmed_vendor(arn: LayerArn, ctx: Context) -> str | None:
    """The allowed vendor whose catalog entry for this account is unconfirmed, if any."""
    for entry in ctx.policy.publishers:
        vendor = ctx.catalog.vendor(entry.vendor) if entry.vendor else None
        if vendor is not None and any(
            e.account == arn.account and not e.confirmed for e in vendor.entries_in(arn.partition, arn.region)
        ):
            return entry.name
    return None
