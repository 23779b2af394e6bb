"""What the rule modules share: the values a layer entry can take, where a function deploys, labels.

Not a rule (it is not in ``MODULE_NAMES``). Everything here is a pure function of the records.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator

from layergate.arn import LayerArn, try_parse
from layergate.catalog import partition_of
from layergate.model import Candidate, LayerDef, LayerGrant, LayerRef, Location, ResolutionKind, Scan
from layergate.policy import ReviewedLayer

TYPE_CHECKING = False  # typing is for the type checker: importing it costs every start of the CLI
if TYPE_CHECKING:
    from layergate.checks import Context
    from layergate.layer.survey import Survey

__all__ = [
    "arns",
    "deploy_regions",
    "entry",
    "external_arns",
    "first_few",
    "function",
    "grant_subject",
    "in_policy",
    "is_external",
    "partition_of",
    "pinned_arns",
    "publisher",
    "reviewed_index",
    "surveyed_layers",
    "where",
]


def is_external(ref: LayerRef) -> bool:
    """Layers this deployment publishes itself (INTERNAL) are covered by the LG5xx rules instead."""
    return ref.resolution.kind is not ResolutionKind.INTERNAL


@functools.lru_cache(maxsize=16384)
def _parsed(candidates: tuple[Candidate, ...]) -> tuple[tuple[LayerArn, str], ...]:
    # Every rule asks about the same entries; large templates repeat the same few layer values.
    seen: dict[str, LayerArn] = {}
    for candidate in candidates:
        arn = try_parse(candidate.value)
        if arn is not None:
            seen.setdefault(str(arn), arn)
    return tuple((arn, text) for text, arn in seen.items())


def arns(ref: LayerRef) -> list[LayerArn]:
    """The distinct well-formed ARNs an entry can take, in candidate order (malformed ones are LG104's)."""
    return [arn for arn, _ in _parsed(ref.candidates)]


Triples = tuple[tuple[LayerRef, LayerArn, str], ...]
# The last scans' external and pinned triples, by the identity of their refs (which the entry keeps
# alive): half a dozen rules walk the same list, and on large templates that walk was a good part of the run.
_TRIPLES: dict[int, tuple[tuple[LayerRef, ...], Triples, Triples]] = {}
_TRIPLES_KEPT = 64


def _triples(scan: Scan) -> tuple[Triples, Triples]:
    refs = scan.refs
    hit = _TRIPLES.get(id(refs))
    if hit is None or hit[0] is not refs:
        external = tuple(
            (ref, arn, text) for ref in refs if is_external(ref) for arn, text in _parsed(ref.candidates)
        )
        pinned = tuple(t for t in external if t[1].version is not None)
        if len(_TRIPLES) >= _TRIPLES_KEPT:
            _TRIPLES.clear()
        hit = _TRIPLES[id(refs)] = (refs, external, pinned)
    return hit[1], hit[2]


def external_arns(scan: Scan) -> Iterator[tuple[LayerRef, LayerArn, str]]:
    """Every (entry, ARN, ARN text) of layers published outside this deployment."""
    return iter(_triples(scan)[0])


def pinned_arns(scan: Scan) -> Iterator[tuple[LayerRef, LayerArn, str]]:
    """External ARNs that name one exact version (unversioned ones are LG102's alone)."""
    return iter(_triples(scan)[1])


def reviewed_index(ctx: Context) -> dict[str, ReviewedLayer]:
    """The policy's ``layers:`` entries by exact layer version ARN (the first entry wins, as in the policy)."""
    index: dict[str, ReviewedLayer] = {}
    for entry in ctx.policy.layers:
        index.setdefault(entry.arn, entry)
    return index


def publisher(ctx: Context, arn: LayerArn) -> str:
    """The publisher as the catalog knows it: "464622532012 (Datadog)", or the bare account."""
    if arn.managed:
        return "AWS (managed awslayer)"
    # The name matters where one account publishes for two vendors (the catalog then asks the name).
    return ctx.catalog.label(arn.account, arn.partition, arn.region or None, arn.name)


def deploy_regions(scan: Scan, ctx: Context) -> tuple[str, ...]:
    """Where the file's functions deploy: the file's own region when it states one, else --region/policy."""
    return scan.regions or ctx.regions


def grant_subject(grant: LayerGrant) -> tuple[str, str, tuple[str, ...]]:
    """How a grant finding names what it is about: the words ("layer L is shared by P"), the resource it is
    on (the permission resource, so that a suppression there applies) and the layer it also concerns."""
    if grant.resource and grant.resource != grant.layer:
        return f"layer {grant.layer} is shared by {grant.resource}", grant.resource, (grant.layer,)
    return f"layer {grant.layer} is shared", grant.layer, ()


def function(ref: LayerRef) -> str:
    return f"function {ref.consumer}"


def entry(ref: LayerRef, reason: str) -> str:
    """How a message names an entry: by its expression, unless the reason already quotes it."""
    return "a layer" if ref.expression and ref.expression in reason else f"layer {ref.expression!r}"


def where(location: Location) -> str:
    """A short pointer to another entry of the same file, for messages that relate two places."""
    if location.line:
        return f"line {location.line}"
    return location.path or location.file


def in_policy(location: Location) -> str:
    """A policy entry's place, stable however the policy path was given: ".layergate.yaml line 12"."""
    name = os.path.basename(location.file) or "policy"
    return f"{name} line {location.line}" if location.line else name


def surveyed_layers(scan: Scan) -> Iterator[tuple[LayerDef, Survey, str]]:
    """Each layer this deployment publishes from content in the repository, looked into (offline), with
    how messages name it. The survey module is imported only when there is such a layer."""
    for layer in scan.layer_defs:
        path = layer.content.local_path
        if layer.content.kind != "local" or not path:
            continue
        from layergate.layer.survey import content_survey

        found = content_survey(path)
        if found is not None:
            yield layer, found, f"layer {layer.id} content {layer.content.uri}"


def first_few(items: list[str], shown: int = 3) -> str:
    """``a, b, c and 4 more``: enough to act on without flooding one line."""
    extra = len(items) - shown
    return ", ".join(items[:shown]) + (f" and {extra} more" if extra > 0 else "")
