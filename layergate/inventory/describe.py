"""Each distinct layer version in use described once, and the versions of each layer in use listed once.

Who asks matters, as in AWS: a layer version is read with the credentials of the account that publishes
it when that account is inventoried (then its resource policy can be read too, which only the publisher
may), else with those of an account whose functions use it (the publisher shared it with that account).
Listing a layer's versions is normally allowed to its publisher only; for other layers the answer is
usually AccessDenied, and staleness is then unknown rather than assumed.

GetLayerVersion and GetLayerVersionPolicy go through ``layergate.aws.layers.fetch`` (the same reading
and failure rules as ``verify``); one shared pool bounds all requests, and ``Limits`` bounds them per
account and region.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

from layergate.arn import LayerArn, try_parse
from layergate.aws import failures
from layergate.aws.layers import Request, fetch
from layergate.aws.pool import Progress, StopFlag, run_all
from layergate.catalog import partition_of
from layergate.inventory.accounts import Access, said
from layergate.inventory.collect import Limits, Options
from layergate.inventory.model import FunctionRecord, LayerHistory, LayerVersionFacts


@dataclass(frozen=True, slots=True)
class _Describe:
    arn: LayerArn
    reader: Access
    publisher: bool  # the reader publishes it: read its policy too


@dataclass(frozen=True, slots=True)
class _History:
    arn: LayerArn  # the layer (any version of it)
    reader: Access
    publisher: bool  # ask by name in the publisher's own account; others must give the ARN


def describe_all(accesses: list[Access], functions: Iterable[FunctionRecord], options: Options,
                 stream: TextIO | None = None) -> tuple[list[LayerVersionFacts], list[LayerHistory]]:
    by_account = {a.account.id: a for a in accesses}
    versions: dict[str, tuple[LayerArn, str]] = {}  # version ARN -> (parsed, first consuming account)
    for fn in sorted(functions, key=lambda f: (f.account, f.region, f.arn)):
        for text in fn.layers:
            arn = try_parse(text)
            if arn is not None and arn.version is not None and not arn.managed and partition_of(arn.region) == \
                    arn.partition:
                versions.setdefault(str(arn), (arn, fn.account))
    tasks: list[_Describe | _History] = []
    layers: dict[str, _History] = {}
    for arn, consumer in versions.values():
        owner = by_account.get(arn.account)
        reader = owner or by_account[consumer]
        tasks.append(_Describe(arn, reader, owner is not None))
        layers.setdefault(arn.layer_arn, _History(arn.with_version(None), reader, owner is not None))
    tasks.extend(layers.values())
    for task in tasks:  # every client a worker will use, made in this thread
        task.reader.lambdas.prepare([task.arn.region])
    limits = Limits(options.per_region)
    progress = Progress(len(tasks), "layer versions and layers described", stream=stream)
    results = run_all(_interleaved(tasks), lambda task, stop: _run(task, limits, stop),
                      jobs=options.jobs, progress=progress)
    facts = [r for r in results if isinstance(r, LayerVersionFacts)]
    histories = [r for r in results if isinstance(r, LayerHistory)]
    return facts, histories


def _interleaved(tasks: list[_Describe | _History]) -> list[_Describe | _History]:
    """Round-robin over (account, region), so that the workers spread over accounts."""
    groups: dict[tuple[str, str], list[_Describe | _History]] = {}
    for task in tasks:
        groups.setdefault((task.reader.account.id, task.arn.region), []).append(task)
    queues = list(groups.values())
    out: list[_Describe | _History] = []
    for i in range(max((len(q) for q in queues), default=0)):
        out.extend(q[i] for q in queues if i < len(q))
    return out


def _run(task: _Describe | _History, limits: Limits, stop: StopFlag) -> LayerVersionFacts | LayerHistory:
    stop.check()
    with limits.slot(task.reader.account.id, task.arn.region):
        if isinstance(task, _Describe):
            return _describe(task)
        return _history(task, stop)


def _describe(task: _Describe) -> LayerVersionFacts:
    key = str(task.arn)
    facts = fetch([Request(task.arn, policy=task.publisher)], task.reader.lambdas)[key]
    reader = task.reader.account.id
    if facts.published is None:
        return LayerVersionFacts(key, reader, problem=str(facts.unavailable or "no answer"))
    return LayerVersionFacts(
        key,
        reader,
        sha256=facts.published.sha256,
        code_size=facts.published.code_size if facts.published.code_size >= 0 else None,
        created=facts.published.created,
        grants=facts.grants,
        policy_problem=facts.policy_problem if task.publisher else "only the publisher may read the policy",
    )


def _history(task: _History, stop: StopFlag) -> LayerHistory:
    from botocore.exceptions import ClientError

    lambdas = task.reader.lambdas
    name = task.arn.name if task.publisher else task.arn.layer_arn
    found: list[tuple[int, str]] = []
    try:
        for page in lambdas.client(task.arn.region).get_paginator("list_layer_versions").paginate(LayerName=name):
            stop.check()
            found.extend((int(v["Version"]), str(v.get("CreatedDate") or "")) for v in page.get("LayerVersions", []))
    except ClientError as exc:
        return LayerHistory(task.arn.layer_arn, None, said(exc))
    except Exception as exc:
        raise failures.fatal(exc, operation="ListLayerVersions", subject=task.arn.layer_arn, region=task.arn.region,
                             endpoint=lambdas.settings.endpoint_url,
                             region_known=lambdas.knows_region(task.arn.region)) from None
    return LayerHistory(task.arn.layer_arn, tuple(sorted(found, reverse=True)))
