"""Known vulnerabilities fixed and introduced between two versions of a layer (`layergate diff --vulns`).

A vulnerability is the same in both when a package of the same identity (ecosystem, group, normalized name)
has it under any shared id: CVE-2023-32681 in OLD and GHSA-j8r2-6x86-q33q in NEW are one. "Fixed" are those
of OLD that NEW no longer has; "introduced" those NEW has that OLD had not; "remaining" are in both.
Packages that could not be matched in NEW are listed, since NEW's clean result does not cover them.
"""

from __future__ import annotations

from typing import Any

from layergate.layer.packages import Package
from layergate.records import dataclass
from layergate.vulns.model import PackageResult, Vulnerability, VulnReport
from layergate.vulns.report import fixed_text, package_ref, vulnerability_json


@dataclass(frozen=True, slots=True)
class VulnChange:
    package: Package  # as in NEW for introduced and remaining, as in OLD for fixed
    vulnerability: Vulnerability


@dataclass(frozen=True, slots=True)
class VulnDiff:
    fixed: tuple[VulnChange, ...]
    introduced: tuple[VulnChange, ...]
    remaining: tuple[VulnChange, ...]
    not_matched: tuple[PackageResult, ...]  # in NEW
    source: str


def _pairs(report: VulnReport) -> list[VulnChange]:
    return [VulnChange(r.package, v) for r in report.vulnerable for v in r.vulnerabilities]


def _in(change: VulnChange, others: list[VulnChange]) -> bool:
    ids = set(change.vulnerability.ids)
    return any(o.package.key == change.package.key and ids & set(o.vulnerability.ids) for o in others)


def vuln_diff(old: VulnReport, new: VulnReport) -> VulnDiff:
    before, after = _pairs(old), _pairs(new)
    return VulnDiff(
        fixed=tuple(c for c in before if not _in(c, after)),
        introduced=tuple(c for c in after if not _in(c, before)),
        remaining=tuple(c for c in after if _in(c, before)),
        not_matched=new.not_matched,
        source=new.source,
    )


def _row(c: VulnChange) -> tuple[str, str, str, str]:
    v = c.vulnerability
    return c.package.display(), v.label(), v.rating.text(), v.summary


def text_lines(d: VulnDiff) -> list[str]:
    out = [f"Known vulnerabilities ({len(d.fixed)} fixed, {len(d.introduced)} introduced, {len(d.remaining)} "
           f"remaining; {d.source})"]
    rows = [("fixed", *_row(c)) for c in d.fixed] + [("introduced", *_row(c)) for c in d.introduced]
    rows += [("remaining", *_row(c)[:3], f"{fixed_text(c.vulnerability)}: {c.vulnerability.summary}")
             for c in d.remaining]
    rows += [("not matched", r.package.display(), "", "", r.not_matched) for r in d.not_matched]
    if not rows:
        return [*out, "  (none)"]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    out += [("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[-1]).rstrip()
            for r in rows]
    return out


def to_json(d: VulnDiff) -> dict[str, Any]:
    def change(c: VulnChange) -> dict[str, Any]:
        return {**package_ref(c.package), "vulnerability": vulnerability_json(c.vulnerability)}

    return {"source": d.source, "fixed": [change(c) for c in d.fixed],
            "introduced": [change(c) for c in d.introduced], "remaining": [change(c) for c in d.remaining],
            "not_matched": [{**package_ref(r.package), "reason": r.not_matched} for r in d.not_matched]}


def markdown_rows(d: VulnDiff) -> list[tuple[str, str, str, str, str]]:
    return ([("fixed", *_row(c)) for c in d.fixed] + [("introduced", *_row(c)) for c in d.introduced]
            + [("remaining", *_row(c)) for c in d.remaining]
            + [("not matched", r.package.display(), "", "", r.not_matched) for r in d.not_matched])
