"""Inventory as CSV: one row per function and layer it loads (RFC 4180, a header row, CRLF line ends).

A function without layers is one row with the layer columns empty, so every function is counted. An
account or region that could not be read is one row whose ``coverage`` column says why, so a spreadsheet
of an incomplete inventory cannot pass for a complete one. Cells that a spreadsheet would run as a
formula (starting with ``=``, ``+``, ``-``, ``@``, tab or CR) are prefixed with ``'``.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from typing import TYPE_CHECKING

from layergate.inventory.model import InventoryReport, uses

if TYPE_CHECKING:
    from layergate.inventory.vulns import LayerVulns

COLUMNS = (
    "coverage", "account", "account_name", "region", "function", "function_version", "function_arn", "runtime",
    "architectures", "package_type", "last_modified", "layer_position", "layer_arn", "layer_name", "layer_version",
    "publisher_account", "publisher", "layer_sha256", "layer_code_size", "layer_created", "shared_with_everyone",
    "newest_version", "versions_behind", "findings", "vulnerabilities", "vulnerability_severity", "provenance",
)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def render_inventory(report: InventoryReport) -> str:
    inv = report.inventory
    facts = inv.facts()
    histories = inv.history()
    names = {a.id: a.name for a in (*inv.accounts, *inv.org_accounts) if a.name}
    rules = rules_by_use(report)
    vulns = report.vulns.index() if report.vulns else {}
    built = report.provenance_of()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for gap in inv.gaps:
        writer.writerow(_safe([f"not covered: {gap.reason}", gap.account, names.get(gap.account, ""),
                               gap.region or "", *[""] * (len(COLUMNS) - 4)]))
    layered = {u.function.arn for u in uses(inv)}
    rows: list[list[str]] = []
    for fn in inv.functions:
        if fn.arn not in layered:
            rows.append(["covered", fn.account, names.get(fn.account, ""), fn.region, fn.name, fn.version, fn.arn,
                         fn.runtime, " ".join(fn.architectures), fn.package_type, fn.last_modified,
                         *[""] * (len(COLUMNS) - 11)])
    for u in uses(inv):
        fn, arn = u.function, u.arn
        lv = facts.get(u.text)
        history = histories.get(arn.layer_arn) if arn else None
        newer = history.newer_than(arn.version) if history and arn and arn.version else None
        shared = "" if lv is None or lv.public is None else ("yes" if lv.public else "no")
        rows.append([
            "covered", fn.account, names.get(fn.account, ""), fn.region, fn.name, fn.version, fn.arn, fn.runtime,
            " ".join(fn.architectures), fn.package_type, fn.last_modified, str(u.position), u.text,
            arn.name if arn else "", str(arn.version or "") if arn else "", arn.account if arn else "",
            report.publisher(arn.account) if arn else "", (lv.sha256 or "") if lv else "",
            "" if lv is None or lv.code_size is None else str(lv.code_size), lv.created if lv else "", shared,
            str(newer[0][0]) if newer else ("" if newer is None else str(arn.version if arn else "")),
            "" if newer is None else str(len(newer)), " ".join(sorted(rules.get((fn.arn, u.text), ()))),
            *vuln_cells(report, vulns.get(u.text)), built[u.text].text if u.text in built else "",
        ])
    rows.sort(key=lambda r: (r[1], r[3], r[4], r[5], r[11].zfill(3)))
    writer.writerows(_safe(r) for r in rows)
    return out.getvalue()


def vuln_cells(report: InventoryReport, lv: LayerVulns | None) -> tuple[str, str]:
    """The ids of a layer version's known vulnerabilities and the highest severity among them; "none" when
    it was checked and has none, "not checked: why" when it was not ("" without --vulns)."""
    from layergate.vulns.severity import rank

    if report.vulns is None:
        return "", ""
    if lv is None or lv.report is None:
        return f"not checked: {lv.problem if lv else 'not a layer version'}", ""
    found = [v for r in lv.report.vulnerable for v in r.vulnerabilities]
    if not found:
        return "none", ""
    return " ".join(dict.fromkeys(v.id for v in found)), max((v.rating.level for v in found), key=rank)


def rules_by_use(report: InventoryReport) -> dict[tuple[str, str], set[str]]:
    """(function ARN, layer version ARN) -> the rules that found something about that use, or about that
    layer version itself (LG501 on a layer the function loads)."""
    about_layer: dict[str, set[str]] = defaultdict(set)
    rules: dict[tuple[str, str], set[str]] = defaultdict(set)
    for f in report.outcome.findings:
        if f.location.path and f.arn and f.location.path != f.arn:
            rules[(f.location.path, f.arn)].add(f.rule_id)
        elif f.location.path:
            about_layer[f.location.path].add(f.rule_id)
    for u in uses(report.inventory):
        rules[(u.function.arn, u.text)] |= about_layer.get(u.text, set())
    return rules


def _safe(row: list[str]) -> list[str]:
    return [f"'{cell}" if cell.startswith(_FORMULA) else cell for cell in row]
