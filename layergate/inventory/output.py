"""Inventory output: text and JSON here, csv/sarif/html/asff in ``layergate.report``; the exit status.

Exit status: 0 every account and region was read and nothing at or above fail_on was found; 1 findings at
or above fail_on; 3 some account or region could not be read (whatever was found: an incomplete inventory
is never a pass, and its gaps are listed in every format); 2 (raised as errors) usage, policy or AWS
failures that end the run.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections import Counter
from typing import Any

from layergate import records
from layergate.errors import LayergateError
from layergate.inventory.model import ACTIVE, InventoryReport, uses
from layergate.model import Finding, Severity
from layergate.report import JSON_FORMAT_VERSION, counts, plural
from layergate.report.json_report import finding_dict
from layergate.report.text import finding_line

EXIT_OK, EXIT_FINDINGS, EXIT_INCOMPLETE = 0, 1, 3
WRITERS = {
    "csv": "layergate.report.csv_report",
    "html": "layergate.report.html_report",
    "asff": "layergate.report.asff",
}
FORMATS = ("text", "json", "csv", "sarif", "html", "asff")


def exit_status(report: InventoryReport) -> int:
    if not report.inventory.complete:
        return EXIT_INCOMPLETE
    failing = any(f.severity >= report.fail_on for f in report.outcome.findings)
    return EXIT_FINDINGS if failing else EXIT_OK


def render(fmt: str, report: InventoryReport) -> str:
    if fmt == "text":
        return render_text(report)
    if fmt == "json":
        return render_json(report)
    if fmt == "sarif":
        return render_sarif(report)
    module = importlib.import_module(WRITERS[fmt])
    text: str = module.render_inventory(report)
    return text


def emit(args: argparse.Namespace, report: InventoryReport) -> int:
    for fmt, path in args.output:
        if fmt not in FORMATS:
            raise LayergateError(f"--output: unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
        text = render(fmt, records.replace(report, color=False))
        try:
            with open(path, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
        except OSError as exc:
            raise LayergateError(f"--output: cannot write: {exc.strerror or exc}", path) from None
    if not args.quiet:
        for note in report.notes:
            print(f"note: {note}", file=sys.stderr)
    sys.stdout.write(render(args.format, report))
    sys.stdout.flush()
    return exit_status(report)


def color_wanted(args: argparse.Namespace) -> bool:
    return (sys.stdout.isatty() and not args.no_color and "NO_COLOR" not in os.environ
            and os.environ.get("TERM") != "dumb")


# -- text -----------------------------------------------------------------------------------------------

def account_lines(report: InventoryReport) -> list[str]:
    inv = report.inventory
    regions = dict(inv.regions)
    whole = {g.account: g for g in inv.gaps if g.region is None}
    partial = Counter(g.account for g in inv.gaps if g.region is not None)
    functions = Counter(fn.account for fn in inv.functions)
    layer_uses = Counter(fn.account for fn in inv.functions for _ in fn.layers)
    by_account: dict[str, Counter[Severity]] = {}
    for f in report.outcome.findings:
        by_account.setdefault(_account_of(f), Counter())[f.severity] += 1
    lines = []
    for account in inv.accounts:
        shown = inv.account(account.id) or account
        if account.id in whole:
            lines.append(f"account {shown.label}: NOT COVERED: {whole[account.id].reason}")
            continue
        n_regions = len(regions.get(account.id, ()))
        missing = f" ({partial[account.id]} not covered)" if partial[account.id] else ""
        c = by_account.get(account.id, Counter())
        lines.append(
            f"account {shown.label}: {plural(n_regions, 'region')}{missing}, "
            f"{plural(functions[account.id], 'function')}, {plural(layer_uses[account.id], 'layer use')}: "
            f"{plural(c[Severity.ERROR], 'error')}, {plural(c[Severity.WARNING], 'warning')}, "
            f"{plural(c[Severity.NOTE], 'note')}"
        )
    asked = {a.id for a in inv.accounts}
    for account in inv.org_accounts:
        if account.id not in asked and account.status != ACTIVE:
            lines.append(f"account {account.label}: {account.status} (not inventoried)")
    return lines


def _account_of(f: Finding) -> str:
    return f.location.file.removeprefix("aws://").split("/", 1)[0]


def gap_lines(report: InventoryReport) -> list[str]:
    return [f"{g.where}: NOT COVERED  {g.reason}" for g in report.inventory.gaps]


def summary(report: InventoryReport) -> str:
    inv = report.inventory
    covered = len(inv.covered_accounts())
    all_uses = uses(inv)
    versions = {u.text for u in all_uses}
    publishers = {u.arn.account for u in all_uses if u.arn is not None}
    regions = {r for _, rs in inv.regions for r in rs}
    c = counts(report.outcome)
    text = (
        f"inventory: {covered} of {plural(len(inv.accounts), 'account')} covered, {plural(len(regions), 'region')}, "
        f"{plural(len(inv.functions), 'function')}, {plural(len(all_uses), 'layer use')} of "
        f"{plural(len(versions), 'layer version')} from {plural(len(publishers), 'publisher')}: "
        f"{plural(c[Severity.ERROR], 'error')}, {plural(c[Severity.WARNING], 'warning')}, "
        f"{plural(c[Severity.NOTE], 'note')}, {report.outcome.suppressed} suppressed"
    )
    if not inv.complete:
        whole = sum(1 for g in inv.gaps if g.region is None)
        parts = sum(1 for g in inv.gaps if g.region is not None)
        what = ", ".join(x for x in (plural(whole, "account") if whole else "",
                                    plural(parts, "region") if parts else "") if x)
        text += f"; INCOMPLETE: {what} not covered"
    return text


def vuln_lines(report: InventoryReport) -> list[str]:
    """Per layer version in use: its known vulnerabilities, what was not matched, or why it was not checked."""
    from layergate.inventory.vulns import loaded_by
    from layergate.vulns.report import _table, vulnerability_rows

    scan = report.vulns
    if scan is None:
        return []
    loaders = loaded_by(report.inventory)
    lines = ["", f"Known vulnerabilities ({scan.source})"]
    if scan.problem:
        lines.append(f"NOT CHECKED: {scan.problem}")
    for lv in scan.layers:
        functions = loaders.get(lv.arn, [])
        accounts = sorted({fn.account for fn in functions})
        lines.append(f"{lv.arn}: loaded by {plural(len(functions), 'function')} in "
                     f"{plural(len(accounts), 'account')} ({', '.join(accounts)})")
        if lv.report is None:
            lines.append(f"  not checked: {lv.problem}")
            continue
        count = sum(len(r.vulnerabilities) for r in lv.report.results)
        matched = sum(1 for r in lv.report.results if not r.not_matched)
        lines.append(f"  {plural(count, 'known vulnerability', 'known vulnerabilities')} in "
                     f"{len(lv.report.vulnerable)} of {plural(matched, 'matched package')}")
        if count:
            lines.extend("  " + row for row in _table(vulnerability_rows(lv.report.vulnerable)))
        for item in lv.not_matched():
            lines.append(f"  not matched: {item}")
    return lines


def vulns_json(report: InventoryReport) -> dict[str, Any] | None:
    scan = report.vulns
    if scan is None:
        return None
    return {"source": scan.source, "problem": scan.problem or None,
            "layer_versions_checked": sum(1 for lv in scan.layers if lv.report is not None),
            "layer_versions_not_checked": sum(1 for lv in scan.layers if lv.report is None),
            "vulnerable_layer_versions": sum(1 for lv in scan.layers if lv.report and lv.report.vulnerable)}


def layer_vulns_json(report: InventoryReport, arn: str) -> dict[str, Any] | None:
    from layergate.vulns.report import report_json

    lv = report.vulns.of(arn) if report.vulns else None
    if lv is None:
        return None
    if lv.report is None:
        return {"checked": False, "problem": lv.problem, "vulnerable": None, "not_matched": None}
    return {"checked": True, "problem": None, **report_json(lv.report)}


def provenance_lines(report: InventoryReport) -> list[str]:
    """Per layer version that has recorded provenance or needs it: where it was built, or that nobody said."""
    if not report.provenance:
        return []
    return ["", "Build provenance (recorded by lock --provenance)",
            *(f"{p.arn}: {p.text}" for p in report.provenance)]


def render_text(report: InventoryReport) -> str:
    lines = account_lines(report)
    lines.extend(provenance_lines(report))
    lines.extend(vuln_lines(report))
    if report.outcome.findings:
        lines.append("")
    for f in report.outcome.findings:
        lines.append(finding_line(f, report.color))
        if f.fix:
            lines.append(f"    help: {f.fix}")
    gaps = gap_lines(report)
    if gaps:
        lines.append("")
        lines.extend(gaps)
    lines.append("")
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


# -- json -----------------------------------------------------------------------------------------------

def render_json(report: InventoryReport) -> str:
    # Compact: an organization's inventory runs to megabytes, and indenting (pure-Python encoder) costs seconds.
    return json.dumps(document(report), separators=(",", ":")) + "\n"


def document(report: InventoryReport) -> dict[str, Any]:
    inv = report.inventory
    facts = inv.facts()
    histories = inv.history()
    regions = dict(inv.regions)
    c = counts(report.outcome)
    covered = set(inv.covered_accounts())
    layer_versions = []
    from layergate.inventory.vulns import loaded_by

    loaders = loaded_by(inv) if report.vulns is not None else {}
    built = report.provenance_of()
    for u in {u.text: u for u in uses(inv)}.values():
        f = facts.get(u.text)
        h = histories.get(u.arn.layer_arn) if u.arn else None
        newer = h.newer_than(u.arn.version) if h and u.arn and u.arn.version else None
        layer_versions.append({
            "arn": u.text,
            "publisher": u.arn.account if u.arn else None,
            "publisher_label": report.publisher(u.arn.account) if u.arn else None,
            "sha256": f.sha256 if f else None,
            "code_size": f.code_size if f else None,
            "created": (f.created or None) if f else None,
            "shared_with_everyone": f.public if f else None,
            "grants": None if f is None or f.grants is None else [
                {"sid": g.sid, "principal": g.principal, "organization_id": g.organization_id} for g in f.grants],
            "read_as": f.read_as if f else None,
            "problem": (f.problem or None) if f else "not described",
            "newer_versions": None if newer is None else [v for v, _ in newer],
            "provenance": built[u.text].as_json() if u.text in built else None,
            **({} if report.vulns is None else {
                "vulnerabilities": layer_vulns_json(report, u.text),
                "loaded_by": [{"account": fn.account, "region": fn.region, "function": fn.consumer}
                              for fn in loaders.get(u.text, [])],
            }),
        })
    return {
        "version": JSON_FORMAT_VERSION,
        "tool": {"name": "layergate", "version": report.tool_version},
        "command": "inventory",
        "generated_at": report.generated_at,
        "policy": report.policy_path,
        "fail_on": str(report.fail_on),
        "complete": inv.complete,
        "caller": inv.caller,
        "organization": inv.organization,
        "accounts": [
            {"id": a.id, "name": (inv.account(a.id) or a).name or None, "status": (inv.account(a.id) or a).status,
             "covered": a.id in covered, "regions": list(regions.get(a.id, ()))}
            for a in inv.accounts
        ],
        "not_covered": [{"account": g.account, "region": g.region, "where": g.where, "reason": g.reason}
                        for g in inv.gaps],
        "functions": [
            {"account": fn.account, "region": fn.region, "arn": fn.arn, "name": fn.name, "version": fn.version,
             "runtime": fn.runtime or None, "architectures": list(fn.architectures), "package_type": fn.package_type,
             "last_modified": fn.last_modified, "layers": list(fn.layers)}
            for fn in inv.functions
        ],
        "layer_versions": sorted(layer_versions, key=lambda d: str(d["arn"])),
        "published_layers": [
            {"account": p.account, "region": p.region, "arn": p.layer_arn, "name": p.name,
             "latest_version": p.latest_version, "latest_created": p.latest_created or None}
            for p in inv.published
        ],
        "summary": {
            "accounts": len(inv.accounts),
            "accounts_covered": len(covered),
            "scans": [s.file for s in report.outcome.scans],
            "functions": len(inv.functions),
            "layer_uses": sum(len(fn.layers) for fn in inv.functions),
            "errors": c[Severity.ERROR],
            "warnings": c[Severity.WARNING],
            "notes": c[Severity.NOTE],
            "suppressed": report.outcome.suppressed,
        },
        "vulnerabilities": vulns_json(report),
        "findings": [finding_dict(f) for f in report.outcome.findings],
        "notes": list(report.notes),
    }


# -- sarif ----------------------------------------------------------------------------------------------

def render_sarif(report: InventoryReport) -> str:
    """check's SARIF, with each result located at its ``aws://account/region`` and the function or layer ARN
    as logical location; every account or region not covered is an error notification and makes the
    invocation unsuccessful."""
    from layergate.report import ReportContext, sarif

    ctx = ReportContext(outcome=report.outcome, fail_on=report.fail_on, policy_path=report.policy_path,
                        notes=report.notes, tool_version=report.tool_version, command="inventory")
    doc = sarif.build(ctx)
    run = doc["runs"][0]
    run.pop("originalUriBaseIds", None)
    built = report.provenance_of()
    for result, f in zip(run["results"], report.outcome.findings, strict=True):
        result["locations"][0]["physicalLocation"] = {"artifactLocation": {"uri": f.location.file}}
        if f.arn in built:
            result.setdefault("properties", {})["provenance"] = built[f.arn].text
    invocation = run["invocations"][0]
    invocation["executionSuccessful"] = report.inventory.complete
    invocation.setdefault("toolExecutionNotifications", []).extend(
        {"level": "error", "message": {"text": f"{g.where}: not covered: {g.reason}"}}
        for g in report.inventory.gaps
    )
    run["properties"]["complete"] = report.inventory.complete
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
