"""The records of a vulnerability match, and the one interface every advisory source implements.

A source answers, for each (ecosystem, name, version) ``Query``, the OSV records that affect that
version, or ``Unknown`` with the reason it cannot say (a cache that never saw the package, a range the
ordering refuses). ``layergate.vulns.match`` turns the answers into per-package results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from layergate.errors import LayergateError
from layergate.layer.packages import Package
from layergate.records import dataclass
from layergate.vulns.severity import Rating

Record = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Query:
    ecosystem: str  # OSV's name: PyPI, npm, Maven
    name: str  # as OSV names it: a Maven package is group:artifact
    version: str


@dataclass(frozen=True, slots=True)
class Unknown:
    reason: str


Answer = tuple[Record, ...] | Unknown


class AdvisorySource(Protocol):
    @property
    def description(self) -> str:
        """What the results come from, for a report's header: "offline database db.zip (1,204 records)"."""
        ...

    def find(self, queries: Sequence[Query]) -> dict[Query, Answer]:
        """The records affecting each query's version. Raises ``LayergateError`` when the source fails."""
        ...


class AdvisoryError(LayergateError):
    """A source that cannot answer at all (the API unreachable after retries, a corrupt database)."""


@dataclass(frozen=True, slots=True)
class Vulnerability:
    id: str  # the id shown: the CVE when the records carry one, else the first record's id
    aliases: tuple[str, ...]  # every other id of the same vulnerability, sorted
    summary: str
    rating: Rating
    fixed: tuple[str, ...]  # versions that fix it, as the records write them
    published: str = ""
    modified: str = ""

    @property
    def ids(self) -> tuple[str, ...]:
        return (self.id, *self.aliases)

    def label(self) -> str:
        return self.id + (f" ({', '.join(self.aliases)})" if self.aliases else "")


@dataclass(frozen=True, slots=True)
class PackageResult:
    package: Package
    vulnerabilities: tuple[Vulnerability, ...]
    not_matched: str = ""  # why this package could not be matched; "" when it was


@dataclass(frozen=True, slots=True)
class Unmatched:
    """Content that may hold vulnerable code but has no package identity to match (a native library)."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class VulnReport:
    source: str
    results: tuple[PackageResult, ...]
    unmatched_files: tuple[Unmatched, ...] = ()

    @property
    def vulnerable(self) -> tuple[PackageResult, ...]:
        return tuple(r for r in self.results if r.vulnerabilities)

    @property
    def not_matched(self) -> tuple[PackageResult, ...]:
        return tuple(r for r in self.results if r.not_matched)

    def all_ids(self) -> set[str]:
        return {i for r in self.results for v in r.vulnerabilities for i in v.ids}
