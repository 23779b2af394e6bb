"""The HTML inventory's chart: which publishers' layers run in which accounts, as an inline SVG heat map.

Rows are publishers, columns accounts; a cell holds the number of functions in that account that load
at least one layer of that publisher, shaded by that number (on a log scale, so one large account does
not wash out the rest), with a tooltip naming publisher, account, count and regions. Drawn here, as
static SVG: the page needs no script and no network to show it. Large organizations are cut to the
busiest ``MAX_ROWS`` publishers and ``MAX_COLUMNS`` accounts, and the caption says so.
"""

from __future__ import annotations

import math
from collections import defaultdict
from html import escape

from layergate.inventory.model import InventoryReport, uses

MAX_ROWS, MAX_COLUMNS = 30, 40
CELL, LEFT, TOP, RIGHT = 34, 260, 150, 150  # RIGHT: room for the last account's slanted label


def chart(report: InventoryReport) -> str:
    inv = report.inventory
    functions: dict[tuple[str, str], set[str]] = defaultdict(set)  # (publisher, account) -> function ARNs
    regions: dict[tuple[str, str], set[str]] = defaultdict(set)
    for u in uses(inv):
        if u.arn is None:
            continue
        key = (u.arn.account, u.function.account)
        functions[key].add(u.function.arn)
        regions[key].add(u.function.region)
    if not functions:
        return '<p class="empty">No function loads a layer.</p>'
    by_publisher: dict[str, int] = defaultdict(int)
    by_account: dict[str, int] = defaultdict(int)
    for (publisher, account), fns in functions.items():
        by_publisher[publisher] += len(fns)
        by_account[account] += len(fns)
    rows = sorted(by_publisher, key=lambda p: (-by_publisher[p], p))[:MAX_ROWS]
    columns = sorted(by_account, key=lambda a: (-by_account[a], a))[:MAX_COLUMNS]
    peak = max(len(v) for v in functions.values())
    names = {a.id: a.label for a in (*inv.accounts, *inv.org_accounts)}
    width = LEFT + CELL * len(columns) + RIGHT
    height = TOP + CELL * len(rows) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="chart-title">',
        '<title id="chart-title">Functions per account loading layers of each publisher</title>',
    ]
    for j, account in enumerate(columns):
        x = LEFT + CELL * j + CELL // 2
        parts.append(f'<text class="col" transform="translate({x},{TOP - 8}) rotate(-45)">'
                     f"{escape(names.get(account, account))}</text>")
    for i, publisher in enumerate(rows):
        y = TOP + CELL * i
        parts.append(f'<text class="row" x="{LEFT - 8}" y="{y + CELL // 2 + 4}" text-anchor="end">'
                     f"{escape(report.publisher(publisher))}</text>")
        for j, account in enumerate(columns):
            count = len(functions.get((publisher, account), ()))
            x = LEFT + CELL * j
            shade = 0.0 if count == 0 else 0.15 + 0.85 * math.log1p(count) / math.log1p(peak)
            tip = (f"{report.publisher(publisher)} in {names.get(account, account)}: {count} "
                   f"function{'' if count == 1 else 's'}"
                   + (f" ({', '.join(sorted(regions[(publisher, account)]))})" if count else ""))
            parts.append(f'<g class="cell"><rect x="{x + 1}" y="{y + 1}" width="{CELL - 2}" height="{CELL - 2}" '
                         f'fill="rgba(31,94,168,{shade:.2f})" stroke="#d0d7de"><title>{escape(tip)}</title></rect>')
            if count:
                ink = "#fff" if shade > 0.55 else "#111"
                parts.append(f'<text x="{x + CELL // 2}" y="{y + CELL // 2 + 4}" text-anchor="middle" '
                             f'fill="{ink}">{count}</text>')
            parts.append("</g>")
    parts.append("</svg>")
    cut = []
    if len(by_publisher) > len(rows):
        cut.append(f"the {len(rows)} publishers with most functions of {len(by_publisher)}")
    if len(by_account) > len(columns):
        cut.append(f"the {len(columns)} accounts with most functions of {len(by_account)}")
    caption = ("Shown: " + "; ".join(cut) + ". The tables below list everything.") if cut else (
        "Each cell: functions in the account (column) that load a layer of the publisher (row).")
    return f'<figure class="chart">{"".join(parts)}<figcaption>{escape(caption)}</figcaption></figure>'
