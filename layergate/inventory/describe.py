"""Each distinct layer version in use described once, and the versions of each layer in use listed once.

Who asks matters, as in AWS: a layer version is read with the credentials of the account that publishes
it when that account is inventoried (then its resource policy can be read too, which only the publisher
may), else with those of an account whose functions use it (the publisher shared it with that account).
Listing a layer's versions is normally allowed to its publisher only; for other layers the answer is
usually AccessDenied, and staleness is then unknown rather than assumed.

``Planner.take`` is called as each account and region is listed and returns the work it makes
possible at once (layers of inventoried accounts). Other publishers' layers wait for ``Planner.rest``,
after the last listing, so that the account reading each is chosen the same way on every run (the
lowest account id among its users) rather than by which listing finished first.

GetLayerVersion and GetLayerVersionPolicy go through ``layergate.aws.layers.fetch`` (the same reading
and failure rules as ``verify``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from layergate.arn import LayerArn, try_parse
from layergate.aws import failures
from layergate.aws.layers import Request, fetch
from layergate.aws.pool import StopFlag
from layergate.catalog import partition_of
from layergate.inventory.accounts import Access, said
from layergate.inventory.collect import Limits
from layergate.inventory.model import FunctionRecord, LayerHistory, LayerVersionFacts
from layergate.records import dataclass


@dataclass(frozen=True, slots=True)
class Describe:
    arn: LayerArn
    reader: Access
    publisher: bool  # the reader publishes it: read its policy too
    contents: bool = False  # download it and read its packages (--vulns)


@dataclass(frozen=True, slots=True)
class History:
    arn: LayerArn  # the layer (any version of it)
    reader: Access
    publisher: bool  # ask by name in the publisher's own account; others must give the ARN


Work = Describe | History


class Planner:
    def __init__(self, accesses: Iterable[Access], contents: bool = False) -> None:
        self._contents = contents
        self._by_account = {a.account.id: a for a in accesses}
        self._lock = threading.Lock()
        self._taken: set[str] = set()  # version and layer ARNs already planned
        self._waiting: dict[str, tuple[LayerArn, set[str]]] = {}  # other publishers' versions -> their users

    def take(self, functions: Iterable[FunctionRecord]) -> list[Work]:
        """The work the functions of one listing make possible now (layers of inventoried accounts)."""
        work: list[Work] = []
        with self._lock:
            for fn in functions:
                for text in fn.layers:
                    arn = try_parse(text)
                    if arn is None or arn.version is None or arn.managed or partition_of(arn.region) != arn.partition:
                        continue  # nothing AWS would list; no request could describe it
                    owner = self._by_account.get(arn.account)
                    if owner is None:
                        self._waiting.setdefault(text, (arn, set()))[1].add(fn.account)
                        continue
                    work.extend(self._plan(arn, owner, True))
        return work

    def rest(self) -> list[Work]:
        """Other publishers' layers, once every listing is in: each read as the lowest account id using it."""
        readers: dict[str, str] = {}  # layer ARN -> account
        for arn, users in self._waiting.values():
            readers[arn.layer_arn] = min(users | ({readers[arn.layer_arn]} if arn.layer_arn in readers else set()))
        work: list[Work] = []
        with self._lock:
            for text in sorted(self._waiting):
                arn, users = self._waiting[text]
                work.extend(self._plan(arn, self._by_account[min(users)], False,
                                       layer_reader=self._by_account[readers[arn.layer_arn]]))
        return work

    def _plan(self, arn: LayerArn, reader: Access, publisher: bool, layer_reader: Access | None = None) -> list[Work]:
        work: list[Work] = []
        text, layer = str(arn), arn.layer_arn
        if text not in self._taken:
            self._taken.add(text)
            reader.lambdas.prepare([arn.region])  # a new client, if any, made under this lock
            work.append(Describe(arn, reader, publisher, self._contents))
        if layer not in self._taken:
            self._taken.add(layer)
            lister = layer_reader or reader
            lister.lambdas.prepare([arn.region])
            work.append(History(arn.with_version(None), lister, publisher))
        return work


def run(work: Work, limits: Limits, stop: StopFlag) -> LayerVersionFacts | LayerHistory:
    stop.check()
    with limits.slot(work.reader.account.id, work.arn.region):
        if isinstance(work, Describe):
            return _describe(work)
        return _history(work, stop)


def _describe(task: Describe) -> LayerVersionFacts:
    key = str(task.arn)
    facts = fetch([Request(task.arn, policy=task.publisher)], task.reader.lambdas)[key]
    reader = task.reader.account.id
    if facts.published is None:
        return LayerVersionFacts(key, reader, problem=str(facts.unavailable or "no answer"))
    contents = None
    if task.contents:
        from layergate.inventory.layer_contents import read_packages

        contents = read_packages(facts.published.location, facts.published.sha256, facts.published.code_size)
    return LayerVersionFacts(
        key,
        reader,
        contents=contents,
        sha256=facts.published.sha256,
        code_size=facts.published.code_size if facts.published.code_size >= 0 else None,
        created=facts.published.created,
        grants=facts.grants,
        policy_problem=facts.policy_problem if task.publisher else "only the publisher may read the policy",
    )


def _history(task: History, stop: StopFlag) -> LayerHistory:
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
