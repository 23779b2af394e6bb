"""Which versions of a layer exist above the pinned one, per layer and region.

``ListLayerVersions`` answers in one call when the caller may list the layer (its own account's layers).
Vendor layers are usually shared with ``GetLayerVersion`` only, so for those the versions above the pinned
one are probed one by one. Versions can be deleted, so a missing version does not end the search: it ends
after ``PROBE_WINDOW`` consecutive versions that are missing or not shared, and the result says so.
Each layer (in each region) is searched once however many references name it, and layers are searched
concurrently with the pool, retries and failure handling `lock` uses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from layergate.arn import LayerArn
from layergate.aws import failures
from layergate.aws.layers import _published
from layergate.aws.pool import Progress, StopFlag, run_all
from layergate.aws.session import LambdaClients
from layergate.records import dataclass

PROBE_WINDOW = 10  # consecutive missing or unshared versions after which probing stops
PROBE_LIMIT = 500  # versions probed at most per layer, so a hostile endpoint cannot keep a run going


@dataclass(frozen=True, slots=True)
class Version:
    number: int
    created: str  # CreatedDate as AWS writes it
    sha256: str = ""  # known when the version was probed (GetLayerVersion); listing does not say


@dataclass(frozen=True, slots=True)
class Search:
    """What was found above ``pinned`` for one layer in one region."""

    layer: LayerArn  # without a version
    pinned: int  # the lowest version referenced: the search starts above it
    newer: tuple[Version, ...]  # ascending
    how: str  # "listed" (ListLayerVersions) or "probed" (GetLayerVersion upward)
    note: str = ""  # how a probe ended


def created_at(text: str) -> dt.datetime | None:
    """AWS's CreatedDate ("2026-11-02T10:11:12.123+0000") as an aware datetime, or None."""
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def search(pinned: Sequence[LayerArn], clients: LambdaClients, *, progress: Progress | None = None) -> list[Search]:
    """One search per distinct layer ARN (layer and region), from the lowest version referenced."""
    lowest: dict[str, LayerArn] = {}
    for arn in pinned:
        if arn.version is None or arn.managed:
            continue
        seen = lowest.get(arn.layer_arn)
        if seen is None or (seen.version or 0) > arn.version:
            lowest[arn.layer_arn] = arn
    todo = list(lowest.values())
    clients.prepare(a.region for a in todo)
    return run_all(todo, lambda a, stop: _one(a, clients, stop), jobs=clients.settings.jobs, progress=progress)


def _one(arn: LayerArn, clients: LambdaClients, stop: StopFlag) -> Search:
    assert arn.version is not None
    stop.check()
    listed = _list(arn, clients)
    if listed is not None:
        newer = tuple(sorted((v for v in listed if v.number > arn.version), key=lambda v: v.number))
        return Search(arn.with_version(None), arn.version, newer, "listed")
    return probe(arn, clients, stop)


def _list(arn: LayerArn, clients: LambdaClients) -> list[Version] | None:
    """Every version ListLayerVersions gives, or None when the caller may not list this layer."""
    client = clients.client(arn.region)
    out: list[Version] = []
    marker: str | None = None
    while True:
        kwargs = {"LayerName": arn.layer_arn, **({"Marker": marker} if marker else {})}
        try:
            page = client.list_layer_versions(**kwargs)
        except Exception as exc:
            if failures.unavailable(exc) is not None:
                return None
            raise _fatal(exc, "ListLayerVersions", arn.layer_arn, arn, clients) from None
        for item in page.get("LayerVersions", []):
            number = item.get("Version")
            if isinstance(number, int):
                out.append(Version(number, str(item.get("CreatedDate") or "")))
        marker = page.get("NextMarker")
        if not marker:
            # An empty listing of a layer we pin means "not yours to list" (what some endpoints answer
            # for another account's layer): probing is the only way to learn more.
            return out or None


def probe(arn: LayerArn, clients: LambdaClients, stop: StopFlag) -> Search:
    """The versions above ``arn``'s (0: from version 1) that GetLayerVersion answers, within the window."""
    assert arn.version is not None
    client = clients.client(arn.region)
    newer: list[Version] = []
    number, missing = arn.version, 0
    while missing < PROBE_WINDOW:
        number += 1
        if number - arn.version > PROBE_LIMIT:
            return Search(arn.with_version(None), arn.version, tuple(newer), "probed",
                          f"stopped after probing {PROBE_LIMIT} versions above {arn.version}")
        stop.check()
        probe = arn.with_version(number)
        try:
            answer = client.get_layer_version(LayerName=arn.layer_arn, VersionNumber=number)
        except Exception as exc:
            if failures.unavailable(exc) is None:
                raise _fatal(exc, "GetLayerVersion", str(probe), arn, clients) from None
            missing += 1
            continue
        missing = 0
        pub = _published(probe, answer)
        newer.append(Version(number, pub.created, pub.sha256))
    last = number - PROBE_WINDOW
    note = (f"probed GetLayerVersion upward; versions {last + 1}-{number} do not exist or are not shared with "
            f"this account, so the search ended there (window {PROBE_WINDOW})")
    return Search(arn.with_version(None), arn.version, tuple(newer), "probed", note)


def _fatal(exc: BaseException, operation: str, subject: str, arn: LayerArn, clients: LambdaClients) -> Exception:
    return failures.fatal(exc, operation=operation, subject=subject, region=arn.region,
                          endpoint=clients.settings.endpoint_url, region_known=clients.knows_region(arn.region))
