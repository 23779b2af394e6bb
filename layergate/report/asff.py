"""Inventory findings as AWS Security Hub findings (ASFF, schema 2018-10-08), for BatchImportFindings.

The file holds a JSON list, as ``aws securityhub batch-import-findings --findings file://FILE`` takes it
(at most 100 findings per call: split larger files). Findings are imported through the account's default
product, ``arn:<partition>:securityhub:<region>:<caller>:product/<caller>/default``, in ``--asff-region``.
Each finding's ``Id`` is derived from what it is about (rule, account and region, function or layer,
layer version), not from its wording, which changes as a review ages or new versions appear: importing the
next run's file updates the same Security Hub findings instead of adding new ones. The resource is the
function (``AwsLambdaFunction``) or, for findings about a layer itself, the layer (``AwsLambdaLayerVersion``).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any

from layergate.arn import try_parse
from layergate.inventory.model import InventoryReport
from layergate.model import Finding, Severity

SCHEMA_VERSION = "2018-10-08"
LABELS = {Severity.ERROR: "HIGH", Severity.WARNING: "MEDIUM", Severity.NOTE: "INFORMATIONAL"}
TYPE = "Software and Configuration Checks/AWS Security Best Practices"
TITLE_MAX, DESCRIPTION_MAX, TEXT_MAX = 256, 1024, 512


def render_inventory(report: InventoryReport) -> str:
    return json.dumps(findings(report), indent=2) + "\n"


def findings(report: InventoryReport) -> list[dict[str, Any]]:
    inv = report.inventory
    product = (f"arn:{inv.partition}:securityhub:{report.asff_region}:{inv.caller}:product/{inv.caller}/default")
    return [_finding(f, key, product, report) for f, key in zip(report.outcome.findings, ids(report.outcome.findings),
                                                                    strict=True)]


def ids(found: tuple[Finding, ...]) -> list[str]:
    """``layergate/<rule>/<hash of what the finding is about>``, with a counter when two are about the same."""
    seen: Counter[str] = Counter()
    out: list[str] = []
    for f in found:
        about = "\x1f".join((f.rule_id, f.location.file, f.location.path, f.consumer or "", f.arn or ""))
        key = f"layergate/{f.rule_id}/{hashlib.sha256(about.encode()).hexdigest()[:32]}"
        seen[key] += 1
        out.append(key if seen[key] == 1 else f"{key}/{seen[key]}")
    return out


def _finding(f: Finding, key: str, product: str, report: InventoryReport) -> dict[str, Any]:
    from layergate.checks import find_rule
    from layergate.ruledocs import help_uri

    account, _, region = f.location.file.removeprefix("aws://").partition("/")
    rule = find_rule(f.rule_id)
    subject = f.location.path
    layer = try_parse(subject)
    resource: dict[str, Any] = {
        "Type": "AwsLambdaLayerVersion" if layer is not None else "AwsLambdaFunction",
        "Id": subject,
        "Partition": report.inventory.partition,
        "Region": region,
    }
    if layer is not None and layer.version is not None:
        resource["Details"] = {"AwsLambdaLayerVersion": {"Version": layer.version}}
    recommendation: dict[str, str] = {"Text": _cut(f.fix or f.slug, TEXT_MAX)}
    if rule is not None:
        recommendation["Url"] = help_uri(rule)
    product_fields = {"layergate/RuleId": f.rule_id, "layergate/Slug": f.slug}
    if f.arn:
        product_fields["layergate/LayerArn"] = f.arn
    if f.consumer:
        product_fields["layergate/Consumer"] = f.consumer
    return {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": key,
        "ProductArn": product,
        "ProductName": "layergate",
        "CompanyName": "layergate",
        "GeneratorId": f"layergate/{f.rule_id}-{f.slug}",
        "AwsAccountId": account,
        "Types": [TYPE],
        "CreatedAt": report.generated_at,
        "UpdatedAt": report.generated_at,
        "LastObservedAt": report.generated_at,
        "Severity": {"Label": LABELS[f.severity], "Original": str(f.severity)},
        "Title": _cut(f"{f.rule_id} {rule.title if rule else f.slug}", TITLE_MAX),
        "Description": _cut(f.message, DESCRIPTION_MAX),
        "Remediation": {"Recommendation": recommendation},
        "ProductFields": product_fields,
        "Resources": [resource],
        "RecordState": "ACTIVE",
    }


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
