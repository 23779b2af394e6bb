"""Inventory findings as AWS Security Hub findings (ASFF, schema 2018-10-08), for BatchImportFindings.

The file holds a JSON list, as ``aws securityhub batch-import-findings --findings file://FILE`` takes it
(at most 100 findings per call: split larger files). Findings are imported through the account's default
product, ``arn:<partition>:securityhub:<region>:<caller>:product/<caller>/default``, in ``--asff-region``.
Each finding's ``Id`` is derived from what it is about (rule, account and region, function or layer,
layer version), not from its wording, which changes as a review ages or new versions appear: importing the
next run's file updates the same Security Hub findings instead of adding new ones. The resource is the
function (``AwsLambdaFunction``) or, for findings about a layer itself, the layer (``AwsLambdaLayerVersion``).
A known vulnerability (LG603, ``inventory --vulns``) is one finding per account and region, layer version,
package and advisory, with ASFF's ``Vulnerabilities`` entry: the advisory id (the CVE when there is one;
the other ids in ``RelatedVulnerabilities``), the package, its fixed version, the CVSS score and vector.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import TYPE_CHECKING, Any

from layergate.arn import try_parse
from layergate.inventory.model import InventoryReport
from layergate.model import Finding, Severity

if TYPE_CHECKING:
    from layergate.inventory.provenance import LayerProvenance
    from layergate.vulns.model import PackageResult, Vulnerability

SCHEMA_VERSION = "2018-10-08"
LABELS = {Severity.ERROR: "HIGH", Severity.WARNING: "MEDIUM", Severity.NOTE: "INFORMATIONAL"}
TYPE = "Software and Configuration Checks/AWS Security Best Practices"
VULN_TYPE = "Software and Configuration Checks/Vulnerabilities/CVE"
_MANAGERS = {"pypi": "PIP", "npm": "NPM", "maven": "MAVEN"}
TITLE_MAX, DESCRIPTION_MAX, TEXT_MAX = 256, 1024, 512


def render_inventory(report: InventoryReport) -> str:
    return json.dumps(findings(report), indent=2) + "\n"


def findings(report: InventoryReport) -> list[dict[str, Any]]:
    inv = report.inventory
    product = (f"arn:{inv.partition}:securityhub:{report.asff_region}:{inv.caller}:product/{inv.caller}/default")
    about = {f: (result, v) for f, result, v in report.vuln_details}
    out = []
    built = report.provenance_of()
    keys = ids(report.outcome.findings, {f: f"{r.package.path}\x1f{v.id}" for f, (r, v) in about.items()})
    for f, key in zip(report.outcome.findings, keys, strict=True):
        finding = _finding(f, key, product, report, built)
        if f in about:
            finding["Types"] = [VULN_TYPE]
            finding["Vulnerabilities"] = [vulnerability(*about[f])]
        out.append(finding)
    return out


def vulnerability(result: PackageResult, v: Vulnerability) -> dict[str, Any]:
    """ASFF's ``Vulnerabilities`` entry of one LG603 finding: the advisory, the package and its fix."""
    pkg = result.package
    package: dict[str, str] = {"Name": f"{pkg.group}:{pkg.name}" if pkg.group else pkg.name,
                               "Version": pkg.version, "PackageManager": _MANAGERS.get(pkg.ecosystem, pkg.ecosystem),
                               "FilePath": pkg.path}
    if v.fixed:
        package["FixedInVersion"] = v.fixed[0]
        package["Remediation"] = f"Upgrade {package['Name']} to {v.fixed[0]} or later and publish a new layer version"
    entry: dict[str, Any] = {
        "Id": v.id,
        "VulnerablePackages": [package],
        "Vendor": {"Name": "OSV", "Url": f"https://osv.dev/vulnerability/{v.id}",
                   "VendorSeverity": v.rating.level.upper()},
        "ReferenceUrls": [f"https://osv.dev/vulnerability/{i}" for i in v.ids],
        "FixAvailable": "YES" if v.fixed else "NO",
    }
    if v.published:
        entry["Vendor"]["VendorCreatedAt"] = v.published
    if v.modified:
        entry["Vendor"]["VendorUpdatedAt"] = v.modified
    if v.rating.score is not None and v.rating.method in ("CVSSv3", "CVSSv2"):
        version = v.rating.vector.split("/")[0].removeprefix("CVSS:") if v.rating.method == "CVSSv3" else "2.0"
        entry["Cvss"] = [{"Version": version, "BaseScore": v.rating.score, "BaseVector": v.rating.vector,
                          "Source": "OSV"}]
    if v.aliases:
        entry["RelatedVulnerabilities"] = list(v.aliases)
    return entry


def ids(found: tuple[Finding, ...], subjects: dict[Finding, str] | None = None) -> list[str]:
    """``layergate/<rule>/<hash of what the finding is about>``, with a counter when two are about the same;
    ``subjects`` adds what else tells findings apart (a known vulnerability's package and advisory)."""
    seen: Counter[str] = Counter()
    out: list[str] = []
    for f in found:
        about = "\x1f".join((f.rule_id, f.location.file, f.location.path, f.consumer or "", f.arn or "",
                             *([subjects[f]] if subjects and f in subjects else [])))
        key = f"layergate/{f.rule_id}/{hashlib.sha256(about.encode()).hexdigest()[:32]}"
        seen[key] += 1
        out.append(key if seen[key] == 1 else f"{key}/{seen[key]}")
    return out


def _finding(f: Finding, key: str, product: str, report: InventoryReport,
             built: dict[str, LayerProvenance]) -> dict[str, Any]:
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
        if f.arn in built:  # where the layer version was built, or that no provenance is recorded
            product_fields["layergate/Provenance"] = built[f.arn].text
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
