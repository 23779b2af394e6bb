"""LG106 layer-count-or-duplicate: more than 5 layers on one function, or one layer listed twice.

Lambda rejects both: at most 5 layers per function, and one layer may appear once, at one version.
Counting is per deploy region because a region-tied candidate only exists in its region; every entry
counts once however many values it can take. A duplicate is two entries that can take the same layer
(same ARN, or two versions of it) in one region, or two entries pointing at the same layer this
deployment publishes.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from layergate.arn import LayerArn, try_parse
from layergate.checks import Context
from layergate.checks.common import deploy_regions, function, publisher, where
from layergate.model import Candidate, Finding, LayerRef, Scan, Severity
from layergate.rule import Rule

RULE = Rule(
    id="LG106",
    slug="layer-count-or-duplicate",
    severity=Severity.ERROR,
    title="More than 5 layers on one function, or one layer listed twice",
    fix="Keep at most 5 layers per function and list each layer once, at one version.",
)

MAX_LAYERS = 5


def check(scan: Scan, ctx: Context) -> Iterator[Finding]:
    by_function: dict[str, list[LayerRef]] = {}
    for ref in scan.refs:
        by_function.setdefault(ref.consumer, []).append(ref)
    deploy: tuple[str | None, ...] = deploy_regions(scan, ctx) or (None,)
    for refs in by_function.values():
        refs.sort(key=lambda r: r.position)
        # Only values tied to one region make the list differ between regions; most lists do not.
        tied = any(c.region is not None for r in refs for c in r.candidates)
        regions = deploy if tied else (None,)
        if len({r.position for r in refs}) > MAX_LAYERS:
            yield from _count(refs, regions)
        if _may_repeat(refs):
            yield from _duplicates(refs, regions, ctx)


def _may_repeat(refs: list[LayerRef]) -> bool:
    """Whether two positions can name one layer in any region: the cheap test that spares most functions
    the per-region comparison."""
    seen: dict[str, int] = {}
    for ref in refs:
        names = {f"internal:{ref.layer_def}"} if ref.layer_def is not None else set()
        names.update(_layer_names(ref.candidates))
        for name in names:
            if seen.setdefault(name, ref.position) != ref.position:
                return True
    return False


@functools.lru_cache(maxsize=4096)
def _layer_names(candidates: tuple[Candidate, ...]) -> frozenset[str]:
    found = set()
    for candidate in candidates:
        arn = try_parse(candidate.value)
        if arn is not None:
            found.add(arn.layer_arn)
    return frozenset(found)


def _in_region(ref: LayerRef, region: str | None) -> bool:
    """An entry exists in a region unless every value it can take is tied to other regions."""
    if region is None or not ref.candidates:
        return True
    return any(c.region in (None, region) for c in ref.candidates)


def _slots(refs: list[LayerRef]) -> list[LayerRef]:
    """One entry per list position: references sharing a position are alternatives (an ``!If`` offering
    two layers of this deployment), of which the function loads one."""
    seen: dict[int, LayerRef] = {}
    for ref in refs:
        seen.setdefault(ref.position, ref)
    return list(seen.values())


def _count(refs: list[LayerRef], regions: tuple[str | None, ...]) -> Iterator[Finding]:
    counts = {region: _slots([r for r in refs if _in_region(r, region)]) for region in regions}
    worst = max(counts, key=lambda region: len(counts[region]))
    entries = counts[worst]
    if len(entries) <= MAX_LAYERS:
        return
    over = [r for r in regions if r is not None and len(counts[r]) > MAX_LAYERS]
    scope = f" in {', '.join(over)}" if over and len(over) < len(regions) else ""
    first = entries[0]
    yield RULE.finding(
        entries[MAX_LAYERS].location,
        f"{function(first)} has {len(entries)} layers{scope}; Lambda allows at most {MAX_LAYERS} per function",
        consumer=first.consumer,
    )


def _keys(ref: LayerRef, region: str | None) -> dict[str, LayerArn | None]:
    """What identifies the layer an entry can take in a region: the layer ARN without version."""
    keys: dict[str, LayerArn | None] = {}
    if ref.layer_def is not None:  # an !If can offer this deployment's layer and an ARN in one entry
        keys[f"internal:{ref.layer_def}"] = None
    for candidate in ref.candidates:
        if region is not None and candidate.region not in (None, region):
            continue
        arn = try_parse(candidate.value)
        if arn is not None:
            keys.setdefault(arn.layer_arn, arn)
    return keys


def _duplicates(refs: list[LayerRef], regions: tuple[str | None, ...], ctx: Context) -> Iterator[Finding]:
    reported: set[int] = set()
    for region in regions:
        keyed = [(ref, _keys(ref, region)) for ref in refs if _in_region(ref, region)]
        for j, (later, later_keys) in enumerate(keyed):
            if id(later) in reported:
                continue
            for earlier, earlier_keys in keyed[:j]:
                if earlier.position == later.position:
                    continue  # alternatives of one entry, not two entries
                shared = next((k for k in later_keys if k in earlier_keys), None)
                if shared is None:
                    continue
                reported.add(id(later))
                yield _duplicate(later, later_keys[shared], earlier, earlier_keys[shared], ctx)
                break


def _duplicate(
    later: LayerRef, arn: LayerArn | None, earlier: LayerRef, first: LayerArn | None, ctx: Context
) -> Finding:
    also = where(earlier.location)
    if arn is None or first is None:
        message = (
            f"{function(later)} lists layer {later.layer_def} of this deployment twice (also at {also});"
            " Lambda rejects a layer listed twice"
        )
    elif str(arn) == str(first):
        message = (
            f"{function(later)} lists {arn} from {publisher(ctx, arn)} twice (also at {also});"
            " Lambda rejects a layer listed twice"
        )
    else:
        message = (
            f"{function(later)} lists two versions of {arn.layer_arn} from {publisher(ctx, arn)}:"
            f" {_version(arn)} here and {_version(first)} at {also}; Lambda loads one version of a layer"
        )
    return RULE.finding(later.location, message, arn=None if arn is None else str(arn), consumer=later.consumer)


def _version(arn: LayerArn) -> str:
    return "no version" if arn.version is None else f"version {arn.version}"
