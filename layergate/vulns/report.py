"""How known vulnerabilities read in `inspect` and `diff` output: text, JSON and markdown pieces."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from layergate.layer.packages import RUNTIMES, Package
from layergate.vulns.model import PackageResult, Vulnerability, VulnReport


def fixed_text(v: Vulnerability) -> str:
    return f"fixed in {v.fixed[0]}" if v.fixed else "no fixed version known"


def vulnerability_json(v: Vulnerability) -> dict[str, Any]:
    return {
        "id": v.id, "aliases": list(v.aliases), "summary": v.summary, "severity": v.rating.level,
        "cvss_score": v.rating.score, "cvss_vector": v.rating.vector or None, "severity_from": v.rating.method or None,
        "fixed": list(v.fixed), "published": v.published or None, "modified": v.modified or None,
    }


def package_ref(p: Package) -> dict[str, Any]:
    return {"ecosystem": p.ecosystem, "group": p.group or None, "name": p.name, "version": p.version or None,
            "path": p.path}


def report_json(report: VulnReport) -> dict[str, Any]:
    return {
        "source": report.source,
        "vulnerable": [{**package_ref(r.package), "vulnerabilities": [vulnerability_json(v) for v in r.vulnerabilities]}
                       for r in report.vulnerable],
        "not_matched": [{**package_ref(r.package), "reason": r.not_matched} for r in report.not_matched]
        + [{"path": u.path, "reason": u.reason} for u in report.unmatched_files],
        "matched_packages": sum(1 for r in report.results if not r.not_matched),
    }


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    if not rows:
        return ["  (none)"]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return [("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[-1]).rstrip()
            for r in rows]


def vulnerability_rows(results: Sequence[PackageResult]) -> list[tuple[str, ...]]:
    return [(RUNTIMES[r.package.ecosystem], r.package.display(), v.label(), v.rating.text(), fixed_text(v),
             v.summary) for r in results for v in r.vulnerabilities]


def text_lines(report: VulnReport) -> list[str]:
    count = sum(len(r.vulnerabilities) for r in report.results)
    matched = sum(1 for r in report.results if not r.not_matched)
    out = [f"Known vulnerabilities ({count} in {len(report.vulnerable)} of {matched} matched packages; "
           f"{report.source})"]
    out += _table(vulnerability_rows(report.vulnerable))
    unmatched = [(RUNTIMES[r.package.ecosystem], r.package.display(), r.package.path, r.not_matched)
                 for r in report.not_matched]
    unmatched += [("-", u.path, "", u.reason) for u in report.unmatched_files]
    out += ["", f"Not matched ({len(unmatched)}): not checked for vulnerabilities, not known to be clean"]
    out += _table(unmatched)
    return out


def markdown_rows(results: Sequence[PackageResult]) -> list[str]:
    return [f"| {r.package.display()} | {v.label()} | {v.rating.text()} | {fixed_text(v)} | "
            f"{v.summary.replace('|', '/')} |" for r in results for v in r.vulnerabilities]
