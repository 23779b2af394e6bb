"""Reporters. Each writer module has ``render(ctx: ReportContext) -> str``; ``FORMATS`` maps names to modules.

Writers are imported only when their format is asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from layergate.model import Outcome, Scan, Severity
from layergate.records import dataclass

JSON_FORMAT_VERSION = 1

FORMATS: dict[str, str] = {
    "text": "layergate.report.text",
    "json": "layergate.report.json_report",
    "sarif": "layergate.report.sarif",
    "github": "layergate.report.github",
    "junit": "layergate.report.junit",
}


@dataclass(frozen=True, slots=True)
class ReportContext:
    outcome: Outcome
    fail_on: Severity
    policy_path: str | None  # None: the built-in strict default
    notes: tuple[str, ...] = ()  # run notes: default policy in use, policy-ref additions, skipped files
    color: bool = False
    tool_version: str = ""
    command: str = "check"


def render(fmt: str, ctx: ReportContext) -> str:
    try:
        module = importlib.import_module(FORMATS[fmt])
    except KeyError:
        raise ValueError(f"unknown output format {fmt!r} (choose from {', '.join(sorted(FORMATS))})") from None
    text: str = module.render(ctx)
    return text


def counts(outcome: Outcome) -> dict[Severity, int]:
    result = {s: 0 for s in Severity}
    for f in outcome.findings:
        result[f.severity] += 1
    return result


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def reference_count(scans: Iterable[Scan]) -> int:
    """Entries of layer lists. One whose values are written in several places (``!If`` branches) is one
    reference, however many records it gave."""
    return sum(len({(r.consumer, r.position) for r in s.refs}) for s in scans)


def summary_line(outcome: Outcome) -> str:
    """'12 files (11 cloudformation, 1 serverless), 31 layer references in 17 functions: 2 errors, ...'"""
    files = sum(n for _, n in outcome.files_by_format)
    formats = ", ".join(f"{n} {name}" for name, n in outcome.files_by_format)
    refs = reference_count(outcome.scans)
    functions = sum(len(s.functions) for s in outcome.scans)
    c = counts(outcome)
    head = plural(files, "file") + (f" ({formats})" if formats else "")
    tail = ", ".join(
        [
            plural(c[Severity.ERROR], "error"),
            plural(c[Severity.WARNING], "warning"),
            plural(c[Severity.NOTE], "note"),
            f"{outcome.suppressed} suppressed",
        ]
    )
    return f"{head}, {plural(refs, 'layer reference')} in {plural(functions, 'function')}: {tail}"
