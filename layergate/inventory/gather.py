"""One inventory run, start to end: caller, organization, accounts, listings, descriptions."""

from __future__ import annotations

from typing import TextIO

from layergate.aws.session import AwsSettings
from layergate.inventory import accounts as acc
from layergate.inventory.collect import Options, list_all, open_accounts
from layergate.inventory.describe import describe_all
from layergate.inventory.model import Account, Inventory


def gather(settings: AwsSettings, options: Options, *, org: bool, requested: tuple[str, ...],
           stream: TextIO | None = None) -> Inventory:
    conn = acc.Connection(settings)
    me = acc.caller(conn)
    org_id: str | None = None
    org_accounts: tuple[Account, ...] = ()
    if org:
        org_id, org_accounts = acc.organization(conn)
    targets, gaps = acc.targets(me, org_accounts if org else None, requested)
    accesses, opening_gaps = open_accounts(conn, me, targets, options, stream)
    listing = list_all(accesses, options, stream)
    facts, histories = describe_all(accesses, listing.functions, options, stream)
    requested_ids = {a.id for a in targets}
    asked = tuple(targets) + tuple(Account(g.account) for g in gaps if g.account not in requested_ids)
    return Inventory(
        caller=me.account,
        partition=me.partition,
        organization=org_id,
        org_accounts=org_accounts,
        accounts=asked,
        regions=tuple((a.account.id, a.regions) for a in accesses),
        functions=listing.functions,
        layer_versions=tuple(sorted(facts, key=lambda f: f.arn)),
        histories=tuple(sorted(histories, key=lambda h: h.layer_arn)),
        published=listing.published,
        gaps=(*gaps, *opening_gaps, *listing.gaps),
        home_region=conn.home_region,
    )
