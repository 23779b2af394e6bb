"""SARIF 2.1.0 output, for GitHub code scanning and other SARIF viewers.

The rule table comes from the rule registry (id, slug, title, fix, default severity) and the rule's
README (full description, help markdown), so it can never disagree with ``layergate rules``. Every
result carries a ``partialFingerprints`` entry computed from what the finding is about (rule, file,
logical path, consumer, ARN, message) and not from its line, so moving unrelated lines does not turn
an existing alert into a new one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from layergate.model import Finding, Severity
from layergate.report import ReportContext
from layergate.rule import Rule

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/layergate/layergate"
FINGERPRINT_KEY = "layergateFindingHash/v1"
SRCROOT = "%SRCROOT%"

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}
# GitHub code scanning ranks security alerts by this property (critical > 9, high > 7, medium > 4).
SECURITY_SEVERITY = {Severity.ERROR: "8.0", Severity.WARNING: "5.0", Severity.NOTE: "2.0"}

# Line references inside a message ("defined at line 12", "template.yaml:12:3") must not change the
# fingerprint when the lines move.
_LINE_REFS = re.compile(r"\b(lines?)\s+\d+(\s*-\s*\d+)?|(\.(?:ya?ml|json|template|tf)):\d+(?::\d+)?")


def render(ctx: ReportContext) -> str:
    return json.dumps(build(ctx), indent=2, ensure_ascii=False) + "\n"


def build(ctx: ReportContext) -> dict[str, Any]:
    rules = rule_table(ctx.outcome.findings)
    index = {rule.id: i for i, rule in enumerate(rules)}
    fingerprints = fingerprint_all(ctx.outcome.findings)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "layergate",
                "version": ctx.tool_version or "0",
                "semanticVersion": ctx.tool_version or "0.0.0",
                "informationUri": INFORMATION_URI,
                "rules": [rule_descriptor(rule) for rule in rules],
            }
        },
        "originalUriBaseIds": {SRCROOT: {"uri": Path.cwd().as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "invocations": [invocation(ctx)],
        "results": [
            result(f, index[f.rule_id], fp) for f, fp in zip(ctx.outcome.findings, fingerprints, strict=True)
        ],
        "properties": {
            "policy": ctx.policy_path,
            "failOn": str(ctx.fail_on),
            "suppressed": ctx.outcome.suppressed,
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def rule_table(findings: tuple[Finding, ...]) -> list[Rule]:
    """Every registered rule, then any rule a finding names that the registry does not know."""
    from layergate.checks import all_rules

    rules = list(all_rules())
    known = {rule.id for rule in rules}
    for f in findings:
        if f.rule_id not in known:
            known.add(f.rule_id)
            rules.append(Rule(f.rule_id, f.slug, f.severity, f.slug.replace("-", " "), f.fix))
    return rules


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    from layergate.ruledocs import help_uri, readme

    text = readme(rule)
    full = first_paragraph(text) if text else ""
    help_text = f"{rule.title}\n\nFix: {rule.fix}" if rule.fix else rule.title
    markdown = text.strip() if text else f"**{rule.title}**\n\nFix: {rule.fix}"
    descriptor: dict[str, Any] = {
        "id": rule.id,
        "name": rule.slug,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": full or rule.title},
        "help": {"text": help_text, "markdown": markdown},
        "helpUri": help_uri(rule),
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "tags": ["security", "lambda-layers"] + (["online"] if rule.online else []),
            "precision": "high",
            "security-severity": SECURITY_SEVERITY[rule.severity],
        },
    }
    return descriptor


def first_paragraph(markdown: str) -> str:
    """The first prose paragraph of a README: what the rule catches, in one block of text."""
    paragraph: list[str] = []
    for raw in markdown.splitlines():
        line = raw.strip()
        if not line:
            if paragraph:
                break
            continue
        if line.startswith(("#", "```", "|", "<!--")) and not paragraph:
            continue
        if line.startswith(("#", "```", "|")):
            break
        paragraph.append(line)
    return " ".join(paragraph)


def invocation(ctx: ReportContext) -> dict[str, Any]:
    inv: dict[str, Any] = {"executionSuccessful": True}
    if ctx.notes:
        inv["toolExecutionNotifications"] = [
            {"level": "note", "message": {"text": note}} for note in ctx.notes
        ]
    return inv


def result(f: Finding, rule_index: int, fingerprint: str) -> dict[str, Any]:
    location: dict[str, Any] = {"physicalLocation": physical_location(f)}
    logical = logical_locations(f)
    if logical:
        location["logicalLocations"] = logical
    properties: dict[str, Any] = {"slug": f.slug}
    if f.arn:
        properties["arn"] = f.arn
    if f.consumer:
        properties["consumer"] = f.consumer
    if f.fix:
        properties["fix"] = f.fix
    return {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "level": LEVELS[f.severity],
        "message": {"text": message_text(f)},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        "properties": properties,
    }


def message_text(f: Finding) -> str:
    context = f" [{f.location.context}]" if f.location.context else ""
    return f"{f.message}{context}"


def physical_location(f: Finding) -> dict[str, Any]:
    loc = f.location
    physical: dict[str, Any] = {"artifactLocation": artifact_location(loc.file)}
    if loc.line > 0:
        region: dict[str, Any] = {"startLine": loc.line}
        if loc.column > 0:
            region["startColumn"] = loc.column
        physical["region"] = region
    return physical


def artifact_location(file: str) -> dict[str, Any]:
    """A URI relative to the source root when the file is inside it, else an absolute file URI."""
    path = Path(file)
    if path.is_absolute():
        try:
            relative = path.resolve().relative_to(Path.cwd().resolve())
        except ValueError:
            return {"uri": path.as_uri()}
        return {"uri": quote(relative.as_posix()), "uriBaseId": SRCROOT}
    posix = PurePosixPath(file.replace(os.sep, "/")).as_posix()
    if posix.startswith("./"):
        posix = posix[2:]
    return {"uri": quote(posix), "uriBaseId": SRCROOT}


def logical_locations(f: Finding) -> list[dict[str, Any]]:
    """The template path or Terraform address: what a reader finds when a plan has no line numbers."""
    out: list[dict[str, Any]] = []
    if f.location.path:
        out.append({"fullyQualifiedName": f.location.path, "kind": "element"})
    if f.consumer and f.consumer != f.location.path:
        out.append({"name": f.consumer, "kind": "resource"})
    out.extend({"name": name, "kind": "resource"} for name in f.related)
    return out


def fingerprint(f: Finding) -> str:
    """Hash of what the finding is about; line and column are left out on purpose."""
    message = _LINE_REFS.sub(lambda m: m.group(1) or m.group(3) or "", f.message)
    parts = (
        f.rule_id,
        artifact_location(f.location.file)["uri"],
        f.location.path,
        f.consumer or "",
        f.arn or "",
        message,
    )
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def fingerprint_all(findings: tuple[Finding, ...]) -> list[str]:
    """Fingerprints with an occurrence counter, so two findings that hash alike stay distinct."""
    seen: Counter[str] = Counter()
    out: list[str] = []
    for f in findings:
        base = fingerprint(f)
        seen[base] += 1
        out.append(f"{base}:{seen[base]}")
    return out
