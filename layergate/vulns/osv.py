"""OSV records (https://ossf.github.io/osv-schema/) and whether one affects a package version.

``affected_entries(record, ecosystem, name)`` picks the record's entries for a package;
``affects(entry, version)`` evaluates them the way the OSV schema says:

- ``ECOSYSTEM`` ranges in the ecosystem's own ordering (``layergate.vulns.versions``), ``SEMVER`` ranges in
  Semantic Versioning order; the events of a range are sorted first (records list ``introduced: 2.0.0,
  fixed: 2.0.6, introduced: 0, fixed: 1.26.17`` in any order), then walked: ``introduced`` at or below the
  version turns "affected" on, ``fixed`` at or below it and ``last_affected`` below it turn it off;
- the explicit ``versions`` list, compared as the ecosystem compares (PEP 440 ``2.0`` is ``2.0.0``);
- ``GIT`` ranges name commits, not versions, and are not evaluated (the ``versions`` list that OSV
  computes from them is).

A withdrawn record affects nothing. A range whose bounds the ordering refuses raises ``Unorderable``: the
caller reports the package as not matched instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from layergate.vulns.versions import ORDERINGS, Unorderable, sort_key

Record = Mapping[str, Any]


def normalize_name(ecosystem: str, name: str) -> str:
    """The name as the ecosystem compares it: PEP 503 for PyPI, exact elsewhere."""
    if ecosystem == "PyPI":
        return re.sub(r"[-_.]+", "-", name).lower()
    return name


def is_withdrawn(record: Record) -> bool:
    return bool(record.get("withdrawn"))


def packages_of(record: Record) -> Iterator[tuple[str, str]]:
    """(ecosystem, normalized name) of each affected package the record names."""
    for entry in record.get("affected") or ():
        package = entry.get("package") if isinstance(entry, Mapping) else None
        if isinstance(package, Mapping):
            eco, name = package.get("ecosystem"), package.get("name")
            if isinstance(eco, str) and isinstance(name, str):
                yield eco, normalize_name(eco, name)


def affected_entries(record: Record, ecosystem: str, name: str) -> list[Mapping[str, Any]]:
    wanted = normalize_name(ecosystem, name)
    return [
        entry for entry in record.get("affected") or ()
        if isinstance(entry, Mapping) and isinstance(entry.get("package"), Mapping)
        and entry["package"].get("ecosystem") == ecosystem
        and normalize_name(ecosystem, str(entry["package"].get("name", ""))) == wanted
    ]


def affects(entry: Mapping[str, Any], ecosystem: str, version: str) -> bool:
    """Whether ``version`` is affected according to one ``affected`` entry. Raises ``Unorderable``."""
    ordering = ORDERINGS[ecosystem]
    key = sort_key(ordering, version)
    listed = entry.get("versions") or ()
    if version in listed:
        return True
    for other in listed:
        try:
            if sort_key(ordering, str(other)) == key:
                return True
        except Unorderable:
            continue  # an enumerated version the ordering refuses cannot be this one
    for rng in entry.get("ranges") or ():
        kind = rng.get("type")
        if kind == "ECOSYSTEM" and _in_range(rng.get("events") or (), ordering, key):
            return True
        if kind == "SEMVER" and _in_range(rng.get("events") or (), "semver", sort_key("semver", version)
                                          if ordering != "semver" else key):
            return True
    return False


def _in_range(events: Any, ordering: str, key: Any) -> bool:
    ordered = []
    for event in events:
        if not isinstance(event, Mapping):
            continue
        for kind in ("introduced", "fixed", "last_affected"):
            if kind in event:
                bound = str(event[kind])
                # "introduced: 0" is "from the first version on", whatever the ordering calls 0
                at = None if kind == "introduced" and bound == "0" else sort_key(ordering, bound)
                ordered.append((at, kind))
    ordered.sort(key=lambda e: _BoundKey(e[0]))
    affected = False
    for at, kind in ordered:
        if kind == "introduced" and (at is None or key >= at):
            affected = True
        elif (kind == "fixed" and key >= at) or (kind == "last_affected" and key > at):
            affected = False
    return affected


class _BoundKey:
    """Sorts ``None`` (introduced 0) before every version."""

    __slots__ = ("at",)

    def __init__(self, at: Any) -> None:
        self.at = at

    def __lt__(self, other: _BoundKey) -> bool:
        if self.at is None:
            return other.at is not None
        return other.at is not None and bool(self.at < other.at)


def fixed_versions(entries: list[Mapping[str, Any]]) -> tuple[str, ...]:
    """The ``fixed`` bounds of the version ranges, as the record writes them."""
    found: list[str] = []
    for entry in entries:
        for rng in entry.get("ranges") or ():
            if rng.get("type") in ("ECOSYSTEM", "SEMVER"):
                found.extend(str(e["fixed"]) for e in rng.get("events") or () if isinstance(e, Mapping)
                             and "fixed" in e)
    return tuple(dict.fromkeys(found))
