"""LG105 region-or-partition-mismatch: a layer from another region or partition than its function.

Lambda loads layers only from the function's own region; a deploy fails, sometimes with a misleading
AccessDenied. A candidate tied to one deploy region (``${AWS::Region}`` expanded, a region-keyed map)
is compared with that region; an untied candidate is used in every region the function deploys to.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from layergate.arn import LayerArn, try_parse
from layergate.checks import Context
from layergate.checks.common import deploy_regions, function, is_external, partition_of, publisher
from layergate.model import Candidate, Finding, LayerRef, Scan, Severity
from layergate.rule import Rule

RULE = Rule(
    id="LG105",
    slug="region-or-partition-mismatch",
    severity=Severity.ERROR,
    title="Layer from another region or partition than the function",
    fix="Use the layer's ARN in the function's own region (a Mappings table keyed by AWS::Region "
    "when it deploys to several).",
)


def check(scan: Scan, ctx: Context) -> Iterator[Finding]:
    partitions = {region: partition_of(region) for region in deploy_regions(scan, ctx)}
    for ref in scan.refs:
        if is_external(ref):
            yield from _check_ref(ref, partitions, ctx)


def _check_ref(ref: LayerRef, partitions: dict[str, str], ctx: Context) -> Iterator[Finding]:
    # One finding per ARN, naming every deploy region it does not fit.
    for text, arn, bad in _misfits(ref.candidates, tuple(partitions.items())):
        if arn.region and partition_of(arn.region) != arn.partition:
            message = (
                f"{function(ref)} uses {text} from {publisher(ctx, arn)}, whose partition {arn.partition}"
                f" does not hold its region {arn.region}"
            )
        elif bad:
            message = (
                f"{function(ref)} uses {text} from {publisher(ctx, arn)}, {_home(arn)}, but the function"
                f" deploys to {', '.join(_with_partition(r, arn) for r in bad)}; Lambda only loads"
                " layers from the function's own region"
            )
        else:
            continue
        yield RULE.finding(ref.location, message, arn=text, consumer=ref.consumer)


@functools.lru_cache(maxsize=4096)
def _misfits(
    candidates: tuple[Candidate, ...], deploy: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, LayerArn, tuple[str, ...]], ...]:
    """Each ARN with the deploy regions it does not fit; a large template repeats the same few entries."""
    partitions = dict(deploy)
    wrong: dict[str, tuple[LayerArn, list[str]]] = {}
    for candidate in candidates:
        arn = try_parse(candidate.value)
        if arn is None:
            continue
        _, bad = wrong.setdefault(str(arn), (arn, []))
        for region in (candidate.region,) if candidate.region else partitions:
            partition = partitions.get(region) or partition_of(region)
            if region not in bad and not _fits(arn, region, partition):
                bad.append(region)
    return tuple((text, arn, tuple(bad)) for text, (arn, bad) in wrong.items())


def _fits(arn: LayerArn, region: str, partition: str) -> bool:
    if arn.partition != partition:
        return False
    return arn.managed or arn.region == region


def _home(arn: LayerArn) -> str:
    if arn.managed:
        return f"an AWS-managed layer of partition {arn.partition}"
    return f"a layer in {arn.region}"


def _with_partition(region: str, arn: LayerArn) -> str:
    partition = partition_of(region)
    return region if partition == arn.partition else f"{region} (partition {partition})"
