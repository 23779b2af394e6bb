"""Packages of a layer matched against an advisory source: the orchestrator of ``layergate.vulns``.

Every package becomes one query, or a "not matched" result with the reason (no version, a jar without
Maven coordinates, a version its ecosystem's ordering refuses). Records that describe the same
vulnerability (a PYSEC and a GHSA advisory of one CVE, linked through ``aliases``) are merged into one
``Vulnerability``. Content that no package owns but that may hold vulnerable code (native libraries,
Python code without metadata) is listed as unmatched too: a scan that cannot see it must not pass it.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Sequence

from layergate.layer.packages import Package
from layergate.vulns import osv, severity
from layergate.vulns.model import (
    AdvisorySource,
    PackageResult,
    Query,
    Record,
    Unknown,
    Unmatched,
    Vulnerability,
    VulnReport,
)
from layergate.vulns.versions import ORDERINGS, Unorderable, sort_key

OSV_ECOSYSTEMS = {"pypi": "PyPI", "npm": "npm", "maven": "Maven"}


def query_for(pkg: Package) -> Query | str:
    """The OSV query for a package, or why there can be none."""
    ecosystem = OSV_ECOSYSTEMS.get(pkg.ecosystem)
    if ecosystem is None:
        return f"no advisory ecosystem for {pkg.ecosystem} packages"
    if pkg.ecosystem == "maven" and not pkg.group:
        return "jar without Maven coordinates (no META-INF/maven/.../pom.properties)"
    if not pkg.version:
        return "its metadata gives no version"
    try:
        sort_key(ORDERINGS[ecosystem], pkg.version)
    except Unorderable as exc:
        return str(exc)
    return Query(ecosystem, f"{pkg.group}:{pkg.name}" if pkg.ecosystem == "maven" else pkg.name, pkg.version)


def match(packages: Sequence[Package], source: AdvisorySource, paths: Iterable[str] = (),
          binaries: Iterable[str] = ()) -> VulnReport:
    """Match ``packages`` (and list what no package owns among ``paths``/``binaries``)."""
    return match_many([(packages, paths, binaries)], source)[0]


def match_many(layers: Sequence[tuple[Sequence[Package], Iterable[str], Iterable[str]]],
               source: AdvisorySource) -> list[VulnReport]:
    """One report per layer (packages, paths, binaries), from a single request to the source: an offline
    database is read once, however many layers there are."""
    queries = [[(p, query_for(p)) for p in packages] for packages, _, _ in layers]
    wanted = list(dict.fromkeys(q for layer in queries for _, q in layer if isinstance(q, Query)))
    answers = source.find(wanted) if wanted else {}
    reports = []
    for (packages, paths, binaries), layer in zip(layers, queries, strict=True):
        results = []
        for pkg, query in layer:
            if isinstance(query, str):
                results.append(PackageResult(pkg, (), query))
                continue
            answer = answers.get(query, Unknown("the advisory source gave no answer"))
            if isinstance(answer, Unknown):
                results.append(PackageResult(pkg, (), answer.reason))
            else:
                results.append(PackageResult(pkg, merge(answer, query)))
        reports.append(VulnReport(source.description, tuple(results),
                                  unmatched_content(packages, paths, binaries)))
    return reports


def merge(records: Iterable[Record], query: Query) -> tuple[Vulnerability, ...]:
    """One ``Vulnerability`` per group of records linked by their ids and aliases."""
    groups: list[tuple[set[str], list[Record]]] = []
    for record in records:
        ids = {str(record.get("id", ""))} | {str(a) for a in record.get("aliases") or ()}
        linked = [g for g in groups if g[0] & ids]
        merged_ids, merged = set(ids), [record]
        for group in linked:
            merged_ids |= group[0]
            merged.extend(group[1])
            groups.remove(group)
        groups.append((merged_ids, merged))
    found = [_vulnerability(ids, group, query) for ids, group in groups]
    return tuple(sorted(found, key=lambda v: (-severity.rank(v.rating.level), v.id)))


def _display_id(ids: set[str], group: list[Record]) -> str:
    for prefix in ("CVE-", "GHSA-"):
        chosen = sorted(i for i in ids if i.startswith(prefix))
        if chosen:
            return chosen[0]
    return sorted(str(r.get("id", "")) for r in group)[0]


def _vulnerability(ids: set[str], group: list[Record], query: Query) -> Vulnerability:
    shown = _display_id(ids, group)
    ratings = [severity.rating(r) for r in group]
    known = [r for r in ratings if r.level != "unknown"]
    best = max(known, key=lambda r: (severity.rank(r.level), r.score or 0.0)) if known else severity.UNKNOWN
    fixed = _fixes(group, query)
    return Vulnerability(
        id=shown, aliases=tuple(sorted(ids - {shown, ""})), summary=_summary(group), rating=best,
        fixed=fixed,
        published=min((str(r.get("published", "")) for r in group), default=""),
        modified=max((str(r.get("modified", "")) for r in group), default=""),
    )


def _fixes(group: list[Record], query: Query) -> tuple[str, ...]:
    """The fixed versions above the package's own, lowest first: the first is the upgrade that fixes it."""
    ordering = ORDERINGS[query.ecosystem]
    current = sort_key(ordering, query.version)
    keyed = {}
    for record in group:
        for text in osv.fixed_versions(osv.affected_entries(record, query.ecosystem, query.name)):
            try:
                key = sort_key(ordering, text)
            except Unorderable:
                continue
            if key > current:
                keyed[text] = key
    return tuple(sorted(keyed, key=keyed.__getitem__))


def _summary(group: list[Record]) -> str:
    for record in group:
        if text := str(record.get("summary") or "").strip():
            return text
    for record in group:
        if text := str(record.get("details") or "").strip():
            first = text.splitlines()[0]
            return first if len(first) <= 120 else first[:117].rstrip() + "..."
    return ""


def unmatched_content(packages: Sequence[Package], paths: Iterable[str], binaries: Iterable[str]) -> tuple[
        Unmatched, ...]:
    owned = {f for p in packages for f in p.files} | {p.path for p in packages}
    found: dict[str, str] = {}
    for path in binaries:
        if path not in owned:
            found[path] = "native library or executable without package metadata: nothing to match it by"
    for path in paths:
        if path in owned or not path.endswith(".py"):
            continue
        top = _python_top(path)
        if top is not None and top not in found:
            found[top] = "Python code without package metadata (a vendored copy?): nothing to match it by"
    return tuple(Unmatched(p, r) for p, r in sorted(found.items()))


def _python_top(path: str) -> str | None:
    """``python/foo/`` for a module of package ``foo`` on Lambda's Python path."""
    parts = path.split("/")
    if parts[0] != "python" or len(parts) < 2:
        return None
    rest = parts[1:]
    if rest[:1] == ["lib"] and len(rest) > 3 and rest[2] == "site-packages":
        base, rest = "/".join(parts[:4]), rest[3:]
    else:
        base = "python"
    return posixpath.join(base, rest[0]) + ("/" if len(rest) > 1 else "")

