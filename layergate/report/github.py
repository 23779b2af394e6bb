"""GitHub Actions output: workflow commands that become annotations on the pull request's diff.

``::error file=templates/app.yaml,line=14,col=11,title=LG201::<message>`` per finding (``::notice`` for
notes), run notes as ``::notice title=layergate::``, then the summary line. When ``GITHUB_STEP_SUMMARY``
names a file, a markdown table of the findings is appended to it (the job's summary page).
"""

from __future__ import annotations

import os
from pathlib import Path

from layergate.errors import LayergateError
from layergate.model import Finding, Severity
from layergate.report import ReportContext, plural, summary_line

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}
MAX_SUMMARY_ROWS = 500  # the step summary is capped at 1 MiB per step

_written: set[tuple[str, int]] = set()  # (summary file, outcome) pairs already appended in this process


def render(ctx: ReportContext) -> str:
    lines = [annotation(f) for f in ctx.outcome.findings]
    lines.extend(f"::notice title=layergate::{escape_data(note)}" for note in ctx.notes)
    lines.append(summary_line(ctx.outcome))
    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_path:
        write_step_summary(ctx, summary_path)
    return "\n".join(lines) + "\n"


def escape_data(text: str) -> str:
    """As @actions/core escapes a command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """As @actions/core escapes a command property (file, title): ':' and ',' separate properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workspace_path(file: str) -> str:
    """Annotations need the path relative to the repository root (GITHUB_WORKSPACE, else the cwd)."""
    path = Path(file)
    if path.is_absolute():
        root = Path(os.environ.get("GITHUB_WORKSPACE") or os.getcwd()).resolve()
        try:
            return path.resolve().relative_to(root).as_posix()
        except ValueError:
            return path.as_posix()
    posix = path.as_posix()
    return posix[2:] if posix.startswith("./") else posix


def annotation(f: Finding) -> str:
    loc = f.location
    props = [f"file={escape_property(workspace_path(loc.file))}"]
    if loc.line > 0:
        props.append(f"line={loc.line}")
        if loc.column > 0:
            props.append(f"col={loc.column}")
    props.append(f"title={escape_property(f.rule_id)}")
    message = f.message
    if loc.line <= 0 and loc.path:
        message = f"{loc.path}: {message}"  # a plan address has no line: say which resource
    if loc.context:
        message += f" [{loc.context}]"
    if f.fix:
        message += f"\nhelp: {f.fix}"
    return f"::{COMMANDS[f.severity]} {','.join(props)}::{escape_data(message)}"


def cell(text: str) -> str:
    """Table cell text: no line breaks, no '|', no raw HTML."""
    text = text.replace("\r", " ").replace("\n", " ").replace("|", "\\|")
    return text.replace("<", "&lt;").replace(">", "&gt;")


def where(f: Finding) -> str:
    loc = f.location
    file = workspace_path(loc.file)
    if loc.line > 0:
        return f"{file}:{loc.line}:{loc.column or 1}"
    return f"{file} ({loc.path})" if loc.path else file


def step_summary(ctx: ReportContext) -> str:
    from layergate.checks import find_rule
    from layergate.ruledocs import help_uri

    outcome = ctx.outcome
    failing = sum(1 for f in outcome.findings if f.severity >= ctx.fail_on)
    verdict = f"**failed**: {plural(failing, 'finding')} at or above {ctx.fail_on}" if failing else "**passed**"
    lines = ["## layergate", "", f"{verdict} ({cell(summary_line(outcome))})", ""]
    if outcome.findings:
        lines += ["| Severity | Rule | Location | Message | Fix |", "| --- | --- | --- | --- | --- |"]
        for f in outcome.findings[:MAX_SUMMARY_ROWS]:
            rule = find_rule(f.rule_id)
            rule_cell = f"[{f.rule_id}]({help_uri(rule)})" if rule else f.rule_id
            lines.append(
                f"| {f.severity} | {rule_cell} `{f.slug}` | `{cell(where(f))}` | {cell(f.message)} | {cell(f.fix)} |"
            )
        hidden = len(outcome.findings) - MAX_SUMMARY_ROWS
        if hidden > 0:
            lines += ["", f"… and {plural(hidden, 'more finding')} (see the annotations or the SARIF file)."]
    else:
        lines.append(f"No findings ({outcome.suppressed} suppressed).")
    if ctx.notes:
        lines += ["", "### Notes", ""] + [f"- {cell(note)}" for note in ctx.notes]
    return "\n".join(lines) + "\n\n"


def write_step_summary(ctx: ReportContext, path: str) -> None:
    key = (path, id(ctx.outcome))
    if key in _written:  # --format github plus -o github=FILE: one table, not two
        return
    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(step_summary(ctx))
    except OSError as exc:
        raise LayergateError(f"GITHUB_STEP_SUMMARY: cannot write: {exc.strerror or exc}", path) from None
    _written.add(key)
