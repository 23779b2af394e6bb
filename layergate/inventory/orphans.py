"""LG702: organization layers nobody uses, and layers in use whose publishing account is gone.

Unused: a layer an inventoried account publishes (ListLayers) of which no inventoried function in the
same region uses any version; a layer can only be used in its own region. The judgement is only as wide
as the inventory, so a note says when the run did not cover the whole organization.

Publisher gone: a function uses a layer whose account Organizations lists as not ACTIVE (suspended,
closing), or that the policy's ``org.accounts`` names but the organization no longer lists.
"""

from __future__ import annotations

from collections.abc import Iterable

from layergate.arn import try_parse
from layergate.checks import Context, find_rule
from layergate.inventory.model import ACTIVE, Inventory, source
from layergate.model import Finding, Location, Scan, Severity
from layergate.report import plural


def findings(inv: Inventory, found_scans: Iterable[Scan], ctx: Context,
             declared_org_accounts: tuple[str, ...]) -> tuple[list[Finding], list[str]]:
    from layergate.checks.common import function, publisher

    rule = find_rule("LG702")
    assert rule is not None
    listed = list(found_scans)
    out: list[Finding] = []
    used: set[str] = set()
    covered: dict[str, set[str]] = {}  # region -> accounts whose functions there were listed
    gone_by_account: dict[str, str] = {}
    for scan in listed:
        account, region = scan.file.removeprefix("aws://").split("/", 1)
        covered.setdefault(region, set()).add(account)
        for ref in scan.refs:
            arn = try_parse(ref.expression)
            if arn is None or arn.managed:
                continue
            used.add(arn.layer_arn)
            if arn.account not in gone_by_account:
                gone_by_account[arn.account] = _gone(inv, arn.account, declared_org_accounts)
            gone = gone_by_account[arn.account]
            if gone:
                out.append(rule.finding(
                    ref.location, f"{function(ref)} uses {arn} from {publisher(ctx, arn)}, {gone}",
                    arn=str(arn), consumer=ref.consumer, severity=Severity.ERROR,
                ))
    unused = 0
    for layer in inv.published:
        if layer.layer_arn in used or layer.account not in covered.get(layer.region, set()):
            continue
        owner = inv.account(layer.account)
        n = len(covered[layer.region])
        newest = f"newest version :{layer.latest_version}" + (
            f", published {layer.latest_created[:10]}" if layer.latest_created else "")
        unused += 1
        out.append(rule.finding(
            Location(source(layer.account, layer.region), path=layer.layer_arn),
            f"layer {layer.layer_arn} of account {owner.label if owner else layer.account} is used by no function "
            f"in the {plural(n, 'account')} inventoried in {layer.region} ({newest})",
            arn=layer.layer_arn, consumer=layer.name,
        ))
    return out, _notes(inv) if unused else []


def _gone(inv: Inventory, account: str, declared: tuple[str, ...]) -> str:
    """Why the publishing account no longer belongs to a team of the organization, or ""."""
    if inv.organization is None:
        return ""
    found = next((a for a in inv.org_accounts if a.id == account), None)
    if found is not None and found.status != ACTIVE:
        return (f"an account the organization lists as {found.status}: no team of the organization can publish a "
                "fixed version")
    if found is None and account in declared:
        return (f"an account the policy lists under org.accounts but organization {inv.organization} no longer "
                "holds: someone outside it may control the layer now")
    return ""


def _notes(inv: Inventory) -> list[str]:
    if inv.organization is not None and inv.complete and {a.id for a in inv.accounts} >= {
            a.id for a in inv.org_accounts if a.status == ACTIVE}:
        return []
    return ["LG702 judged unused layers against the functions of the inventoried accounts and regions only: "
            "a function elsewhere (another account or organization the layer is shared with) may still use one"]
