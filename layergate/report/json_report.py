"""Machine-readable output. The shape is versioned (``version``) and documented in the README."""

from __future__ import annotations

import json
from typing import Any

from layergate.model import Finding, Severity
from layergate.report import JSON_FORMAT_VERSION, ReportContext, counts, reference_count


def finding_dict(f: Finding) -> dict[str, Any]:
    loc = f.location
    return {
        "rule": f.rule_id,
        "slug": f.slug,
        "severity": str(f.severity),
        "message": f.message,
        "file": loc.file,
        "line": loc.line or None,
        "column": loc.column or None,
        "path": loc.path or None,
        "context": loc.context or None,
        "arn": f.arn,
        "consumer": f.consumer,
        "related": list(f.related),
        "fix": f.fix,
    }


def render(ctx: ReportContext) -> str:
    outcome = ctx.outcome
    c = counts(outcome)
    doc = {
        "version": JSON_FORMAT_VERSION,
        "tool": {"name": "layergate", "version": ctx.tool_version},
        "command": ctx.command,
        "policy": ctx.policy_path,
        "fail_on": str(ctx.fail_on),
        "summary": {
            "files": sum(n for _, n in outcome.files_by_format),
            "files_by_format": dict(outcome.files_by_format),
            "functions": sum(len(s.functions) for s in outcome.scans),
            "layer_references": reference_count(outcome.scans),
            "errors": c[Severity.ERROR],
            "warnings": c[Severity.WARNING],
            "notes": c[Severity.NOTE],
            "suppressed": outcome.suppressed,
        },
        "findings": [finding_dict(f) for f in outcome.findings],
        "notes": list(ctx.notes),
    }
    return json.dumps(doc, indent=2) + "\n"
