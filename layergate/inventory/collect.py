"""Opening accounts (in parallel) and listing one account and region: its functions and published layers.

``open_accounts`` assumes the role in every account (and lists its enabled regions) in a bounded pool.
``list_region`` reads every page of ListFunctions and ListLayers of one account and region; ``gather``
runs those for all accounts and regions in one pool with the descriptions they lead to. ``--jobs``
bounds each pool; ``Limits`` also bounds the requests in flight per account and region, because
Lambda's request quotas are per account and region.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from typing import Any, TextIO

from layergate.aws import failures
from layergate.aws.pool import Progress, StopFlag, run_all
from layergate.inventory.accounts import Access, Caller, Connection, assume, enabled_regions, said
from layergate.inventory.model import Account, FunctionRecord, Gap, PublishedLayer
from layergate.records import dataclass

PER_REGION_JOBS = 8  # requests in flight per account and region


@dataclass(frozen=True, slots=True)
class Options:
    role_name: str
    regions: tuple[str, ...]  # empty: the regions each account has enabled
    all_versions: bool
    jobs: int
    per_region: int = PER_REGION_JOBS
    contents: bool = False  # download each layer version in use and read its packages (--vulns)


class Limits:
    """At most ``per_region`` requests at a time for one (account, region)."""

    def __init__(self, per_region: int) -> None:
        self._per_region = per_region
        self._slots: dict[tuple[str, str], threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def slot(self, account: str, region: str) -> Iterator[None]:
        with self._lock:
            sem = self._slots.setdefault((account, region), threading.BoundedSemaphore(self._per_region))
        with sem:
            yield


def open_accounts(conn: Connection, me: Caller, accounts: list[Account], options: Options,
                  stream: TextIO | None = None) -> tuple[list[Access], list[Gap]]:
    """Credentials and regions for every account, in parallel; the accounts that cannot be read become Gaps."""
    sts = conn.client("sts")

    def one(account: Account, stop: StopFlag) -> tuple[Account, dict[str, str] | None, tuple[str, ...]] | Gap:
        stop.check()
        creds = assume(conn, sts, me, account, options.role_name)
        if isinstance(creds, Gap):
            return creds
        regions = options.regions or enabled_regions(conn, account, creds)
        return regions if isinstance(regions, Gap) else (account, creds, regions)

    progress = Progress(len(accounts), "accounts opened", stream=stream)
    opened = run_all(accounts, one, jobs=options.jobs, progress=progress)
    gaps = [g for g in opened if isinstance(g, Gap)]
    # Clients are made here, in one thread, before any worker uses them.
    accesses = [Access(conn, a, creds, regions) for a, creds, regions in (o for o in opened if not isinstance(o, Gap))]
    for access in accesses:
        access.lambdas.prepare(access.regions)
    return accesses, gaps


def list_region(access: Access, region: str, options: Options,
                 stop: StopFlag) -> tuple[list[FunctionRecord], list[PublishedLayer]] | Gap:
    from botocore.exceptions import ClientError

    account = access.account.id
    client = access.lambdas.client(region)
    client.meta.events.register(f"before-parse.{client.meta.service_model.service_id.hyphenize()}.ListFunctions",
                                _plain_functions, unique_id="layergate-plain-functions")
    operation = "ListFunctions"
    functions: list[FunctionRecord] = []
    published: list[PublishedLayer] = []
    try:
        kwargs = {"FunctionVersion": "ALL"} if options.all_versions else {}
        for page in client.get_paginator("list_functions").paginate(**kwargs):
            stop.check()
            functions.extend(_function(account, region, f) for f in page.get("Functions", []))
        operation = "ListLayers"
        for page in client.get_paginator("list_layers").paginate():
            stop.check()
            published.extend(_published(account, region, layer) for layer in page.get("Layers", []))
    except ClientError as exc:
        return Gap(account, region, f"{operation}: {said(exc)}")
    except Exception as exc:
        raise failures.fatal(exc, operation=operation, subject=f"in account {account}", region=region,
                             endpoint=access.lambdas.settings.endpoint_url,
                             region_known=access.lambdas.knows_region(region)) from None
    return functions, published


def _plain_functions(response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any) -> None:
    """A ListFunctions page read with ``json`` instead of botocore's shape walk (ten times the CPU for the same
    plain strings and lists): the page's functions go into the parsed answer as they came, and botocore parses
    an empty body. Answers other than 200 (errors) are left to botocore."""
    if response_dict.get("status_code") != 200:
        return
    try:
        page = json.loads(response_dict.get("body") or b"{}")
    except ValueError:
        return  # botocore's parser reports it
    if not isinstance(page, dict) or not isinstance(page.get("Functions", []), list):
        return
    customized_response_dict["Functions"] = page.get("Functions", [])
    if page.get("NextMarker"):
        customized_response_dict["NextMarker"] = page["NextMarker"]
    response_dict["body"] = b"{}"


def _function(account: str, region: str, raw: dict[str, Any]) -> FunctionRecord:
    return FunctionRecord(
        account=account,
        region=region,
        arn=str(raw.get("FunctionArn") or ""),
        name=str(raw.get("FunctionName") or ""),
        version=str(raw.get("Version") or "$LATEST"),
        runtime=str(raw.get("Runtime") or ""),
        architectures=tuple(str(a) for a in raw.get("Architectures") or ("x86_64",)),
        last_modified=str(raw.get("LastModified") or ""),
        package_type=str(raw.get("PackageType") or "Zip"),
        layers=tuple(str(layer.get("Arn") or "") for layer in raw.get("Layers") or ()),
    )


def _published(account: str, region: str, raw: dict[str, Any]) -> PublishedLayer:
    latest = raw.get("LatestMatchingVersion") or {}
    return PublishedLayer(
        account=account,
        region=region,
        layer_arn=str(raw.get("LayerArn") or ""),
        name=str(raw.get("LayerName") or ""),
        latest_version=int(latest.get("Version") or 0),
        latest_created=str(latest.get("CreatedDate") or ""),
    )
