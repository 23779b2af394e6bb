"""Publisher catalog: which AWS accounts publish which public layers, from the data file beside this module.

API (used by rules, init, scp and inventory):

- ``load() -> Catalog`` (cached);
- ``Catalog.vendor(key) -> Vendor | None`` (key such as "datadog"; case-insensitive; names accepted too);
- ``Catalog.vendors() -> tuple[Vendor, ...]``: every vendor, sorted by key (``vendors()`` for short);
- ``Catalog.publisher(arn: LayerArn) -> Vendor | None``: the vendor that publishes from ``arn.account``
  in that partition and region (UNCONFIRMED accounts are not labelled);
- ``Catalog.match(arn) -> Match | None``: the same lookup with the account entry, the layer-name pattern
  and whether the account is confirmed (for rules that need the detail);
- ``Catalog.is_extension(arn: LayerArn) -> bool``: the catalog knows this layer name from this publisher as
  an extension layer;
- ``Catalog.accounts(vendor_key, partition=None, region=None) -> frozenset[str]``;
- ``Catalog.label(account, partition="aws", region=None) -> str``: "464622532012 (Datadog)" or the bare account.

Lookups are keyed by (partition, region, account, layer name). An account entry either lists its regions
or covers every region of its partition that the same vendor gives no region-specific account. One account
id can appear under two vendors (066549572091: Epsagon everywhere, Lambda Insights arm64 in il-central-1);
when several vendors claim an account in one region, the layer name decides, and a name that fits none or
several of them leaves the account unlabelled rather than guessing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from fnmatch import fnmatchcase
from functools import cache

from layergate.arn import LayerArn
from layergate.records import dataclass, field

DATA_FILE = os.path.join(os.path.dirname(__file__), "publishers.json")
KINDS = ("ext", "lib", "lib+ext")

# Region-name prefixes of the partitions other than "aws".
_PARTITION_PREFIXES = (
    ("us-gov-", "aws-us-gov"),
    ("cn-", "aws-cn"),
    ("us-isob-", "aws-iso-b"),
    ("us-isof-", "aws-iso-f"),
    ("eu-isoe-", "aws-iso-e"),
    ("us-iso-", "aws-iso"),
)


@cache
def partition_of(region: str) -> str:
    """The partition a region belongs to ("cn-north-1" -> "aws-cn")."""
    for prefix, partition in _PARTITION_PREFIXES:
        if region.startswith(prefix):
            return partition
    return "aws"


@dataclass(frozen=True, slots=True)
class LayerPattern:
    pattern: str  # layer-name glob, case-sensitive
    kind: str  # "ext", "lib" or "lib+ext"

    @property
    def extension(self) -> bool:
        return self.kind != "lib"


@dataclass(frozen=True, slots=True)
class AccountEntry:
    account: str
    partition: str
    regions: tuple[str, ...]  # empty: every region of the partition without a region-specific entry
    layers: tuple[str, ...]  # name globs this account publishes; empty: all of the vendor's patterns
    confirmed: bool  # False: seen only second-hand; never labelled with the vendor's name by default
    source: str

    def names_ok(self, name: str) -> bool:
        return not self.layers or any(fnmatchcase(name, p) for p in self.layers)


@dataclass(frozen=True, slots=True)
class Vendor:
    key: str  # "datadog"
    name: str  # "Datadog"
    aliases: tuple[str, ...]
    layers: tuple[LayerPattern, ...] = field(repr=False)  # first matching pattern decides the kind
    accounts: tuple[AccountEntry, ...] = field(repr=False)
    source: str = field(repr=False)
    note: str = field(default="", repr=False)

    @property
    def kind(self) -> str:
        kinds = {p.kind for p in self.layers}
        if kinds == {"lib"}:
            return "lib"
        return "ext" if kinds == {"ext"} else "lib+ext"

    def pattern_for(self, name: str) -> LayerPattern | None:
        return next((p for p in self.layers if fnmatchcase(name, p.pattern)), None)

    def entries_in(self, partition: str, region: str | None) -> tuple[AccountEntry, ...]:
        """The account entries that apply in ``region`` (all of the partition's when region is None)."""
        same = [e for e in self.accounts if e.partition == partition]
        if region is None:
            return tuple(same)
        specific = [e for e in same if region in e.regions]
        if specific:
            return tuple(specific)
        return tuple(e for e in same if not e.regions)


@dataclass(frozen=True, slots=True)
class Match:
    vendor: Vendor
    entry: AccountEntry
    pattern: LayerPattern | None  # the vendor's pattern the layer name fits, if any

    @property
    def confirmed(self) -> bool:
        return self.entry.confirmed


@cache
def _norm(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


class Catalog:
    def __init__(self, vendors: Iterable[Vendor]) -> None:
        self._vendors = tuple(sorted(vendors, key=lambda v: v.key))
        self._by_name: dict[str, Vendor] = {}
        self._by_account: dict[str, list[Vendor]] = {}
        # Lookups repeat heavily (every function of a large template names the same few layers).
        self._match_cache: dict[LayerArn, Match | None] = {}
        self._label_cache: dict[tuple[str, str, str | None, str], str] = {}
        for v in self._vendors:
            for alias in (v.key, v.name, *v.aliases):
                self._by_name.setdefault(_norm(alias), v)
            for e in v.accounts:
                owners = self._by_account.setdefault(e.account, [])
                if v not in owners:
                    owners.append(v)

    def vendors(self) -> tuple[Vendor, ...]:
        return self._vendors

    def vendor(self, key: str) -> Vendor | None:
        return self._by_name.get(_norm(key))

    def match(self, arn: LayerArn) -> Match | None:
        """Who publishes ``arn``, confirmed or not; None when unknown or ambiguous."""
        try:
            return self._match_cache[arn]
        except KeyError:
            found = self._match_cache[arn] = self._match(arn)
            return found

    def _match(self, arn: LayerArn) -> Match | None:
        if arn.managed:
            return None
        found: list[Match] = []
        for v in self._by_account.get(arn.account, ()):
            for e in v.entries_in(arn.partition, arn.region):
                if e.account == arn.account:
                    found.append(Match(v, e, v.pattern_for(arn.name) if e.names_ok(arn.name) else None))
        if len({m.vendor.key for m in found}) > 1:
            # One account claimed by two vendors here: only the layer name can tell them apart.
            found = [m for m in found if m.pattern is not None]
        if len({m.vendor.key for m in found}) != 1:
            return None
        return next((m for m in found if m.pattern is not None), found[0])

    def publisher(self, arn: LayerArn) -> Vendor | None:
        m = self.match(arn)
        return m.vendor if m is not None and m.confirmed else None

    def is_extension(self, arn: LayerArn) -> bool:
        # Unconfirmed accounts count here: calling a layer an extension only asks for more review.
        m = self.match(arn)
        return m is not None and m.pattern is not None and m.pattern.extension

    def accounts(
        self,
        vendor_key: str,
        partition: str | None = None,
        region: str | None = None,
        include_unconfirmed: bool = False,
    ) -> frozenset[str]:
        """The vendor's publishing accounts, optionally for one partition and region (confirmed only)."""
        v = self.vendor(vendor_key)
        if v is None:
            return frozenset()
        if region is not None and partition is None:
            partition = partition_of(region)
        partitions = {partition} if partition else {e.partition for e in v.accounts}
        return frozenset(
            e.account
            for p in partitions
            for e in v.entries_in(p, region)
            if e.confirmed or include_unconfirmed
        )

    def label(self, account: str, partition: str = "aws", region: str | None = None, name: str = "") -> str:
        """``account (Vendor)`` when one vendor is known to publish from it there, else the bare account."""
        key = (account, partition, region, name)
        cached = self._label_cache.get(key)
        if cached is None:
            cached = self._label_cache[key] = self._label(account, partition, region, name)
        return cached

    def _label(self, account: str, partition: str, region: str | None, name: str) -> str:
        owners: set[str] = set()
        for v in self._by_account.get(account, ()):
            for e in v.entries_in(partition, region):
                if e.account == account and e.confirmed and (not name or v.pattern_for(name)):
                    owners.add(v.name)
        return f"{account} ({owners.pop()})" if len(owners) == 1 else account


def _vendor(raw: dict[str, object]) -> Vendor:
    source = str(raw["source"])
    layers = tuple(LayerPattern(str(p["pattern"]), str(p["kind"])) for p in _dicts(raw["layers"]))
    accounts = tuple(
        AccountEntry(
            account=str(a["account"]),
            partition=str(a["partition"]),
            regions=tuple(_strs(a.get("regions", []))),
            layers=tuple(_strs(a.get("layers", []))),
            confirmed=bool(a.get("confirmed", True)),
            source=str(a.get("source", source)),
        )
        for a in _dicts(raw["accounts"])
    )
    return Vendor(
        key=str(raw["key"]),
        name=str(raw["name"]),
        aliases=tuple(_strs(raw.get("aliases", []))),
        layers=layers,
        accounts=accounts,
        source=source,
        note=str(raw.get("note", "")),
    )


def _dicts(value: object) -> list[dict[str, object]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _strs(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def load_file(path: str) -> Catalog:
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
    return Catalog(_vendor(v) for v in doc["vendors"])


@cache
def load() -> Catalog:
    """The catalog shipped with layergate (read once per process; JSON because it loads in a millisecond)."""
    return load_file(DATA_FILE)


def vendors() -> tuple[Vendor, ...]:
    """Every vendor of the shipped catalog, sorted by key (for listings: init, scp, docs)."""
    return load().vendors()
