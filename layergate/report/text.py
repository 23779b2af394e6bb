"""Human-readable output: one line per finding, a help line under it, then the summary line."""

from __future__ import annotations

from layergate.model import Finding, Location, Severity
from layergate.report import ReportContext, summary_line

_COLORS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.NOTE: "\033[36m"}
_NAMES = {s: str(s) for s in Severity}
_DIM = "\033[2m"
_RESET = "\033[0m"


def where(location: Location) -> str:
    if location.line:
        return f"{location.file}:{location.line}:{location.column or 1}"
    if location.path:
        return f"{location.file}:{location.path}"
    return location.file


def finding_line(f: Finding, color: bool = False) -> str:
    severity = _NAMES[f.severity]
    if color:
        severity = f"{_COLORS[f.severity]}{severity}{_RESET}"
    context = f" [{f.location.context}]" if f.location.context else ""
    return f"{where(f.location)}: {f.rule_id} {severity}  {f.message}{context}"


def render(ctx: ReportContext) -> str:
    lines: list[str] = []
    for f in ctx.outcome.findings:
        lines.append(finding_line(f, ctx.color))
        if f.fix:
            help_line = f"    help: {f.fix}"
            lines.append(f"{_DIM}{help_line}{_RESET}" if ctx.color else help_line)
    lines.append(summary_line(ctx.outcome))
    return "\n".join(lines) + "\n"
