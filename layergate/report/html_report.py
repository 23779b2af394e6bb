"""The inventory as one self-contained HTML page: nothing is fetched when it is viewed.

Styles and the sorting script are inline, the chart is inline SVG (``html_chart``), and a
Content-Security-Policy forbids every other source, so the page works offline and from a mail
attachment. Sections: coverage (an incomplete run says so first, and lists what was not read), counts,
publishers, the chart, findings, then the inventory itself (one row per function and layer). Every table
sorts on a click (or Enter) on its header; ``data-sort`` holds the value a cell sorts by. The data is in
the HTML, so the page reads the same without script.
"""

from __future__ import annotations

from collections import defaultdict
from html import escape
from typing import TYPE_CHECKING

from layergate.inventory.model import InventoryReport, uses

if TYPE_CHECKING:
    from layergate.inventory.provenance import LayerProvenance
    from layergate.inventory.vulns import LayerVulns
from layergate.model import Severity
from layergate.report import counts, plural
from layergate.report.csv_report import rules_by_use
from layergate.report.html_chart import chart

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1f2328;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}p.meta{color:#59636e;margin:0 0 12px}
.banner{padding:10px 14px;border-radius:6px;font-weight:600}.ok{background:#dafbe1}.bad{background:#ffebe9}
.tiles{display:flex;flex-wrap:wrap;gap:10px}.tile{border:1px solid #d0d7de;border-radius:6px;padding:8px 12px}
.tile b{display:block;font-size:20px}table{border-collapse:collapse;margin:4px 0 8px;font-size:13px}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa;cursor:pointer;user-select:none;white-space:nowrap}
#inventory th{white-space:normal}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
td.num{text-align:right}code{font-size:12px}.error{color:#cf222e}.warning{color:#9a6700}.note{color:#0969da}
svg text{font-size:11px;font-family:inherit}figcaption{color:#59636e;font-size:12px}
"""
SCRIPT = """
(function () {
  function key(row, index, numeric) {
    var cell = row.cells[index];
    var value = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
    return numeric ? (value === "" ? -Infinity : Number(value)) : value;
  }
  function sortBy(table, th, index) {
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(th.parentNode.cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var numeric = th.getAttribute("data-type") === "number";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a, index, numeric), y = key(b, index, numeric);
      var order = numeric ? (x < y ? -1 : x > y ? 1 : 0) : String(x).localeCompare(String(y), "en", {numeric: true});
      return ascending ? order : -order;
    });
    var fragment = document.createDocumentFragment();
    rows.forEach(function (row) { fragment.appendChild(row); });
    body.appendChild(fragment);
  }
  var filter = document.getElementById("vuln-filter");
  if (filter) {
    filter.addEventListener("change", function () {
      Array.prototype.forEach.call(document.querySelectorAll("#inventory tbody tr"), function (row) {
        row.hidden = filter.value !== "all" && row.getAttribute("data-vulns") !== filter.value;
      });
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      th.tabIndex = 0;
      th.addEventListener("click", function () { sortBy(table, th, index); });
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sortBy(table, th, index); }
      });
    });
  });
})();
"""


def render_inventory(report: InventoryReport) -> str:
    inv = report.inventory
    title = f"layergate inventory: {inv.organization or 'account ' + inv.caller}"
    body = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">Generated {escape(report.generated_at)} by layergate {escape(report.tool_version)} '
        f"as account {escape(inv.caller)}; policy {escape(report.policy_path or 'built-in strict default')}; "
        f"fail_on {report.fail_on}.</p>",
        _coverage(report), _tiles(report),
        "<h2>Publishers</h2>", _publishers(report),
        "<h2>Which publishers' layers run where</h2>", chart(report),
        f"<h2>Findings ({len(report.outcome.findings)})</h2>", _findings(report),
        *_vulnerabilities(report),
        f"<h2>Inventory ({plural(len(inv.functions), 'function')})</h2>", *_filter(report), _inventory(report),
    ]
    if report.notes:
        body.append("<h2>Notes</h2><ul>" + "".join(f"<li>{escape(n)}</li>" for n in report.notes) + "</ul>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>\n<body>\n"
        + "\n".join(body) + f"\n<script>{SCRIPT}</script>\n</body></html>\n"
    )


def _table(table_id: str, headers: list[tuple[str, bool]], rows: list[list[tuple[str, str | None]]],
           row_attrs: list[str] | None = None) -> str:
    """A sortable table; headers are (label, numeric), cells are (html, sort value or None); ``row_attrs``
    (one per row) are attributes of each ``tr``."""
    head = "".join(f'<th scope="col"{" data-type=number" if numeric else ""}>{escape(label)}</th>'
                   for label, numeric in headers)
    lines = []
    for n, row in enumerate(rows):
        cells = "".join(
            f'<td{"" if key is None else f" data-sort={_attr(key)}"}{_num(headers[i][1])}>{content}</td>'
            for i, (content, key) in enumerate(row)
        )
        lines.append(f"<tr{row_attrs[n] if row_attrs else ''}>{cells}</tr>")
    return (f'<table id="{table_id}" class="sortable"><thead><tr>{head}</tr></thead><tbody>\n'
            + "\n".join(lines) + "\n</tbody></table>")


def _attr(value: str) -> str:
    return '"' + escape(value, quote=True) + '"'


def _num(numeric: bool) -> str:
    return ' class="num"' if numeric else ""


def _text(value: object) -> tuple[str, str | None]:
    return escape(str(value)), None


def _coverage(report: InventoryReport) -> str:
    inv = report.inventory
    if inv.complete:
        return (f'<p class="banner ok">Complete: every account and region asked for was read '
                f'({plural(len(inv.accounts), "account")}).</p>')
    rows = [[_text(g.account), _text(g.region or "(every region)"), _text(g.reason)] for g in inv.gaps]
    return (f'<p class="banner bad">INCOMPLETE: {plural(len(inv.gaps), "account or region", "accounts or regions")} '
            "could not be read; findings cover only what was.</p>"
            + _table("not-covered", [("Account", False), ("Region", False), ("Reason", False)], rows))


def _tiles(report: InventoryReport) -> str:
    inv = report.inventory
    all_uses = uses(inv)
    c = counts(report.outcome)
    tiles = [
        ("accounts covered", f"{len(inv.covered_accounts())} / {len(inv.accounts)}"),
        ("regions", len({r for _, rs in inv.regions for r in rs})), ("functions", len(inv.functions)),
        ("layer uses", len(all_uses)), ("layer versions", len({u.text for u in all_uses})),
        ("publishers", len({u.arn.account for u in all_uses if u.arn})),
        ("errors", c[Severity.ERROR]), ("warnings", c[Severity.WARNING]), ("notes", c[Severity.NOTE]),
        ("suppressed", report.outcome.suppressed),
    ]
    return '<div class="tiles">' + "".join(
        f'<div class="tile"><b>{escape(str(v))}</b>{escape(k)}</div>' for k, v in tiles) + "</div>"


def _publishers(report: InventoryReport) -> str:
    versions: dict[str, set[str]] = defaultdict(set)
    functions: dict[str, set[str]] = defaultdict(set)
    accounts: dict[str, set[str]] = defaultdict(set)
    regions: dict[str, set[str]] = defaultdict(set)
    for u in uses(report.inventory):
        if u.arn is not None:
            versions[u.arn.account].add(u.text)
            functions[u.arn.account].add(u.function.arn)
            accounts[u.arn.account].add(u.function.account)
            regions[u.arn.account].add(u.function.region)
    rows = [[_text(report.publisher(p)), _text(len(versions[p])), _text(len(functions[p])), _text(len(accounts[p])),
             _text(", ".join(sorted(regions[p])))] for p in sorted(versions, key=lambda p: -len(functions[p]))]
    return _table("publishers", [("Publisher", False), ("Layer versions", True), ("Functions", True),
                                 ("Accounts", True), ("Regions", False)], rows)


def _findings(report: InventoryReport) -> str:
    rows = [[(f'<span class="{f.severity}">{f.severity}</span>', str(int(f.severity))), _text(f.rule_id),
             _text(f.location.file), (f"<code>{escape(f.location.path)}</code>", None), _text(f.message)]
            for f in report.outcome.findings]
    return _table("findings", [("Severity", True), ("Rule", False), ("Where", False), ("Function or layer", False),
                               ("Message", False)], rows)


def _inventory(report: InventoryReport) -> str:
    inv = report.inventory
    facts = inv.facts()
    histories = inv.history()
    rules = rules_by_use(report)
    vulns = report.vulns.index() if report.vulns else {}
    built = report.provenance_of()
    rows = []
    attrs: list[str] = []
    for u in uses(inv):
        fn, arn, lv = u.function, u.arn, facts.get(u.text)
        history = histories.get(arn.layer_arn) if arn else None
        newer = history.newer_than(arn.version) if history and arn and arn.version else None
        shared = "unknown" if lv is None or lv.public is None else ("yes" if lv.public else "no")
        rows.append([
            _text(fn.account), _text(fn.region), _text(fn.consumer), _text(fn.runtime or fn.package_type),
            _text(" ".join(fn.architectures)), _text(fn.last_modified[:19]),
            (f"<code>{escape(arn.name if arn else u.text)}</code>", None),
            _text(arn.version if arn and arn.version else ""), _text(report.publisher(arn.account) if arn else ""),
            ("" if newer is None else str(len(newer)), "" if newer is None else str(len(newer))), _text(shared),
            (f'<code title="{escape(lv.sha256)}">{escape(lv.sha256[:12])}</code>' if lv and lv.sha256 else "",
             lv.sha256 if lv and lv.sha256 else ""),
            _text("" if lv is None or lv.code_size is None else lv.code_size),
            _text(" ".join(sorted(rules.get((fn.arn, u.text), ())))),
        ])
        if report.vulns is not None:
            state, cell = _vuln_cell(vulns.get(u.text))
            rows[-1].append(cell)
            attrs.append(f' data-vulns="{state}"')
        rows[-1].append(_provenance_cell(built.get(u.text)))  # last: the vulnerabilities column keeps its place
    layered = {u.function.arn for u in uses(inv)}
    for fn in inv.functions:
        if fn.arn not in layered:
            rows.append([_text(fn.account), _text(fn.region), _text(fn.consumer), _text(fn.runtime or fn.package_type),
                         _text(" ".join(fn.architectures)), _text(fn.last_modified[:19]), ("<i>no layers</i>", "")]
                        + [_text("")] * 7)
            if report.vulns is not None:
                rows[-1].append(_text(""))
                attrs.append(' data-vulns="no-layers"')
            rows[-1].append(_text(""))
    headers = [("Account", False), ("Region", False), ("Function", False), ("Runtime", False), ("Arch", False),
               ("Last modified", False), ("Layer", False), ("Version", True), ("Publisher", False),
               ("Versions behind", True), ("Public", False), ("SHA-256", False), ("Size", True), ("Findings", False)]
    if report.vulns is None:
        return _table("inventory", [*headers, ("Provenance", False)], rows)
    return _table("inventory", [*headers, ("Vulnerabilities", True), ("Provenance", False)], rows, attrs)


def _provenance_cell(p: LayerProvenance | None) -> tuple[str, str | None]:
    """Where the layer version was built, as lock --provenance recorded it; a warning when nobody did."""
    if p is None:
        return _text("")
    if p.built_from is None:
        return f'<span class="warning">{escape(p.text)}</span>', None
    # break points after / and @ keep the column narrow: the inventory table is wide already
    return escape(p.text).replace("/", "/<wbr>").replace("@", "@<wbr>"), None


def _vuln_cell(lv: LayerVulns | None) -> tuple[str, tuple[str, str | None]]:
    """The row's filter state and its Vulnerabilities cell (sorting by the highest severity)."""
    from layergate.vulns.severity import rank

    if lv is None or lv.report is None:
        return "not-checked", (f'<span class="error">not checked</span>: {escape(lv.problem if lv else "")}', "-1")
    found = [v for r in lv.report.vulnerable for v in r.vulnerabilities]
    if not found:
        return "clean", ("none known", "0")
    items = ", ".join(f'<span class="{_LEVEL_CLASS.get(v.rating.level, "error")}">{escape(v.id)}</span> '
                      f"({escape(v.rating.text())})" for v in found)
    return "vulnerable", (items, str(1 + max(rank(v.rating.level) for v in found)))


_LEVEL_CLASS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "none": "note"}


def _filter(report: InventoryReport) -> list[str]:
    if report.vulns is None:
        return []
    return ['<p><label for="vuln-filter">Show rows: </label><select id="vuln-filter">'
            '<option value="all">all</option><option value="vulnerable">with known vulnerabilities</option>'
            '<option value="not-checked">not checked for vulnerabilities</option>'
            '<option value="clean">no known vulnerabilities</option></select></p>']


def _vulnerabilities(report: InventoryReport) -> list[str]:
    """Every known vulnerability of every layer version in use, with the functions that load it."""
    from layergate.inventory.vulns import loaded_by, rows
    from layergate.vulns.report import fixed_text

    scan = report.vulns
    if scan is None:
        return []
    loaders = loaded_by(report.inventory)
    found = list(rows(scan))
    head = [f"<h2>Known vulnerabilities ({len(found)})</h2>",
            f'<p class="meta">Advisories: {escape(scan.source)}.</p>']
    if scan.problem:
        head.append(f'<p class="banner bad">NOT CHECKED: {escape(scan.problem)}</p>')
    unchecked = [lv for lv in scan.layers if lv.report is None]
    if unchecked:
        head.append(f'<p class="banner bad">{plural(len(unchecked), "layer version")} not checked for known '
                    "vulnerabilities (see the Vulnerabilities column).</p>")
    table_rows = []
    for lv, result, v in found:
        functions = loaders.get(lv.arn, [])
        table_rows.append([
            (f"<code>{escape(lv.arn)}</code>", None), _text(result.package.display()),
            _text(v.label()), (escape(v.rating.text()), str(v.rating.score or 0)), _text(fixed_text(v)),
            _text(len(functions)), _text(", ".join(sorted({fn.account for fn in functions}))), _text(v.summary),
        ])
    head.append(_table("vulnerabilities", [("Layer version", False), ("Package", False), ("Vulnerability", False),
                                           ("Severity", True), ("Fix", False), ("Functions", True),
                                           ("Accounts", False), ("Summary", False)], table_rows))
    return head
