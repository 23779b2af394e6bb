"""The deployed state as ``Scan`` records, so that the rules of ``check`` judge it unchanged.

One scan per account and region inventoried, named ``aws://<account>/<region>``. Each function is a
``Function`` and each entry of its layer list a ``LayerRef`` with a LITERAL resolution (AWS lists the
exact version ARN); the location's ``path`` is the function ARN, the consumer is the function name (with
``:<version>`` for published versions), which is what ``ignore:`` entries match with ``resource:``. The
resource policies read from layer versions the inventoried accounts publish become ``LayerGrant``s in
the publisher's scan.

Only the rules that mean something for deployed functions run (``APPLICABLE``): LG101-LG107 are about
how a template writes its layer list, LG503/LG601/LG602 about layer content in a repository. The
online rules' findings are made here (LG302, LG304) and in ``stale`` (LG701) and ``orphans`` (LG702).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from layergate import checks
from layergate.arn import try_parse
from layergate.checks import Context
from layergate.checks.common import reviewed_index
from layergate.engine import suppress
from layergate.inventory import orphans, stale
from layergate.inventory.model import Inventory, LayerVersionFacts, source
from layergate.model import (
    Candidate,
    Finding,
    Function,
    LayerGrant,
    LayerRef,
    Location,
    Outcome,
    Resolution,
    ResolutionKind,
    Scan,
)
from layergate.policy import ReviewedLayer
from layergate.rule import Rule

FORMAT = "aws"
APPLICABLE = ("LG201", "LG202", "LG301", "LG303", "LG401", "LG501", "LG502", "LG901")
DEPLOYED = Resolution(ResolutionKind.LITERAL, "deployed")


def scans(inv: Inventory) -> list[Scan]:
    """One scan per (account, region) inventoried, sorted, including those without functions."""
    keys = {(account, region) for account, regions in inv.regions for region in regions}
    keys -= {(g.account, g.region) for g in inv.gaps if g.region is not None}
    functions: dict[tuple[str, str], list[Function]] = {k: [] for k in keys}
    refs: dict[tuple[str, str], list[LayerRef]] = {k: [] for k in keys}
    grants: dict[tuple[str, str], list[LayerGrant]] = {k: [] for k in keys}
    for fn in inv.functions:
        key = (fn.account, fn.region)
        location = Location(source(*key), path=fn.arn)
        functions.setdefault(key, []).append(Function(fn.consumer, location))
        refs.setdefault(key, []).extend(
            LayerRef(fn.consumer, location, text, DEPLOYED, (Candidate(text, fn.region),), position=i)
            for i, text in enumerate(fn.layers)
        )
    for facts in inv.layer_versions:
        arn = try_parse(facts.arn)
        if arn is None or not facts.grants:
            continue
        key = (arn.account, arn.region)
        location = Location(source(*key), path=facts.arn)
        grants.setdefault(key, []).extend(
            LayerGrant(facts.arn, g.principal, g.organization_id, location) for g in facts.grants
        )
    return [
        Scan(file=source(*key), format=FORMAT, functions=tuple(functions.get(key, ())),
             refs=tuple(refs.get(key, ())), grants=tuple(grants.get(key, ())), regions=(key[1],))
        for key in sorted(set(functions) | set(grants))
    ]


def evaluate(inv: Inventory, ctx: Context, *, stale_after: int = 1, declared_org_accounts: tuple[str, ...] = (),
             extra: Iterable[Finding] = ()) -> tuple[Outcome, list[str]]:
    """Findings of the applicable rules and of LG302/LG304/LG701/LG702 (and ``extra``: those of --vulns),
    suppressions applied; plus run notes."""
    found_scans = scans(inv)
    findings = list(run_applicable(found_scans, ctx))
    findings.extend(extra)
    findings.extend(online(inv, found_scans, ctx))
    stale_findings, stale_notes = stale.findings(inv, found_scans, ctx, stale_after)
    orphan_findings, orphan_notes = orphans.findings(inv, found_scans, ctx, declared_org_accounts)
    findings.extend(stale_findings)
    findings.extend(orphan_findings)
    kept, suppressed = suppress(findings, found_scans, ctx)
    outcome = Outcome(
        findings=tuple(sorted(set(kept), key=Finding.sort_key)),
        suppressed=suppressed,
        scans=tuple(found_scans),
        files_by_format=((FORMAT, len(found_scans)),),
    )
    return outcome, [*stale_notes, *orphan_notes]


def run_applicable(found_scans: Iterable[Scan], ctx: Context) -> Iterator[Finding]:
    listed = list(found_scans)
    for module in checks.modules():
        if module.RULE.id not in APPLICABLE:
            continue
        check_scan = getattr(module, "check", None)
        if check_scan is not None:
            for scan in listed:
                yield from check_scan(scan, ctx)
        check_policy = getattr(module, "check_policy", None)
        if check_policy is not None:
            yield from check_policy(ctx)


def online(inv: Inventory, found_scans: Iterable[Scan], ctx: Context) -> Iterator[Finding]:
    """LG304 for versions AWS would not describe; LG302 for a published hash that differs from the recorded one."""
    from layergate.checks.common import function

    facts = inv.facts()
    reviewed = reviewed_index(ctx)
    verdicts: dict[str, tuple[Rule, str] | None] = {}  # decided once per version ARN
    for scan in found_scans:
        for ref in scan.refs:
            text = ref.expression
            if text not in verdicts:
                verdicts[text] = _verdict(text, facts.get(text), reviewed.get(text), ctx)
            found = verdicts[text]
            if found is not None:
                rule, said = found
                yield rule.finding(ref.location, f"{function(ref)} uses {text}{said}", arn=text, consumer=ref.consumer)


def _verdict(text: str, facts: LayerVersionFacts | None, entry: ReviewedLayer | None,
             ctx: Context) -> tuple[Rule, str] | None:
    from layergate.checks.common import in_policy, publisher

    arn = try_parse(text)
    if facts is None or arn is None:
        return None
    source_of = f" from {publisher(ctx, arn)}"
    if facts.problem:
        return _rule("LG304"), f"{source_of}, which AWS does not describe to account {facts.read_as}: {facts.problem}"
    if entry is not None and entry.sha256 and facts.sha256 and entry.sha256.lower() != facts.sha256:
        return _rule("LG302"), (f"{source_of}: AWS publishes SHA-256 {facts.sha256}, but {in_policy(entry.location)} "
                                f"records {entry.sha256.lower()}")
    return None


def _rule(name: str) -> Rule:
    rule = checks.find_rule(name)
    if rule is None:
        raise RuntimeError(f"rule {name} is not registered in layergate.checks")
    return rule
