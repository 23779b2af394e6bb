"""One inventory run, start to end: caller, organization, accounts, then listings and descriptions together.

Listing and describing share one bounded pool (``WorkQueue``): every account and region is queued,
interleaved across accounts, and each listing queues the layer versions and layers it finds as soon as it
is done, so descriptions run while other regions are still being listed.
"""

from __future__ import annotations

import threading
import time
from typing import Any, TextIO

from layergate.aws.pool import Progress, StopFlag
from layergate.aws.session import AwsSettings
from layergate.inventory import accounts as acc
from layergate.inventory import describe
from layergate.inventory.collect import Limits, Options, list_region, open_accounts
from layergate.inventory.model import (
    Account,
    FunctionRecord,
    Gap,
    Inventory,
    LayerHistory,
    LayerVersionFacts,
    PublishedLayer,
)
from layergate.inventory.workqueue import WorkQueue
from layergate.records import dataclass


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
    found = read(accesses, options, stream)
    requested_ids = {a.id for a in targets}
    asked = tuple(targets) + tuple(Account(g.account) for g in gaps if g.account not in requested_ids)
    return Inventory(
        caller=me.account,
        partition=me.partition,
        organization=org_id,
        org_accounts=org_accounts,
        accounts=asked,
        regions=tuple((a.account.id, a.regions) for a in accesses),
        functions=tuple(found.functions),
        layer_versions=tuple(sorted(found.facts, key=lambda f: f.arn)),
        histories=tuple(sorted(found.histories, key=lambda h: h.layer_arn)),
        published=tuple(found.published),
        gaps=(*gaps, *opening_gaps, *found.gaps),
        home_region=conn.home_region,
    )


@dataclass
class Found:
    functions: list[FunctionRecord]
    published: list[PublishedLayer]
    facts: list[LayerVersionFacts]
    histories: list[LayerHistory]
    gaps: list[Gap]


class AccountProgress(Progress):
    """``[####......] 8/20 accounts listed, 2,000 functions seen, 35 layer versions described``: the bar counts
    accounts whose every region is listed; the counts after it move on while layer versions are described."""

    def __init__(self, total: int, stream: TextIO | None) -> None:
        super().__init__(total, "accounts listed", stream=stream)
        self.functions = self.described = 0
        self._counts = threading.Lock()
        self._drawn = 0.0

    def seen(self, functions: int = 0, described: int = 0, account_done: bool = False, final: bool = False) -> None:
        with self._counts:
            self.functions += functions
            self.described += described
            self.label = (f"accounts listed, {self.functions:,} functions seen, "
                          f"{self.described:,} layer versions described")
            now = time.monotonic()
            if self.enabled and not account_done and (final or now - self._drawn >= 0.1):
                self._drawn = now
                filled = 30 * self.done // max(self.total, 1)
                self.stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total} {self.label}")
                self.stream.flush()
        if account_done:
            self.advance()


def read(accesses: list[acc.Access], options: Options, stream: TextIO | None = None) -> Found:
    queue = WorkQueue(options.jobs)
    planner = describe.Planner(accesses, contents=options.contents)
    limits = Limits(options.per_region)
    progress = AccountProgress(len(accesses), stream)
    regions_left = {a.account.id: len(a.regions) for a in accesses}
    listings_left = [sum(regions_left.values())]
    lock = threading.Lock()

    def described(work: describe.Work) -> Any:
        def task(stop: StopFlag) -> LayerVersionFacts | LayerHistory:
            result = describe.run(work, limits, stop)
            progress.seen(described=1 if isinstance(result, LayerVersionFacts) else 0)
            return result
        return task

    def listing(access: acc.Access, region: str) -> Any:
        def task(stop: StopFlag) -> tuple[list[FunctionRecord], list[PublishedLayer]] | Gap:
            result = list_region(access, region, options, stop)
            work = [] if isinstance(result, Gap) else planner.take(result[0])
            with lock:
                listings_left[0] -= 1
                regions_left[access.account.id] -= 1
                last, account_done = listings_left[0] == 0, regions_left[access.account.id] == 0
            if last:
                work.extend(planner.rest())
            for item in work:
                queue.submit(described(item))
            progress.seen(functions=0 if isinstance(result, Gap) else len(result[0]), account_done=account_done)
            return result
        return task

    rounds = max((len(a.regions) for a in accesses), default=0)
    for i in range(rounds):  # interleaved: the first region of every account, then the second, ...
        for access in accesses:
            if i < len(access.regions):
                queue.submit(listing(access, access.regions[i]))
    try:
        results = queue.run()
        progress.seen(final=True)
    finally:
        progress.close()
    found = Found([], [], [], [], [])
    for result in results:
        if isinstance(result, Gap):
            found.gaps.append(result)
        elif isinstance(result, LayerVersionFacts):
            found.facts.append(result)
        elif isinstance(result, LayerHistory):
            found.histories.append(result)
        else:
            found.functions.extend(result[0])
            found.published.extend(result[1])
    found.gaps.sort(key=lambda g: (g.account, g.region or ""))
    found.functions.sort(key=lambda f: (f.account, f.region, f.arn))
    found.published.sort(key=lambda p: p.layer_arn)
    return found
