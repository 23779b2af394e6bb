"""SARIF output: whole results compared, fingerprints stable across line moves, and the document
validated against the official SARIF 2.1.0 schema and by Microsoft's SARIF Multitool."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from integration_tools import sarif_multitool, sarif_schema

from layergate.checks import all_rules, public_layer_permission
from layergate.model import Finding, LayerGrant, Location, Outcome, Scan, Severity
from layergate.report import ReportContext, render
from layergate.report.json_report import finding_dict
from layergate.report.sarif import FINGERPRINT_KEY, fingerprint, first_paragraph, logical_locations
from layergate.rule import Rule

PUBLISHER = Rule("LG201", "publisher-not-allowed", Severity.ERROR, "layer from a publisher the policy does not allow",
                 "add the publisher to publishers: in .layergate.yaml, or use a layer from an allowed publisher")
UNKNOWN = Rule("LG103", "unresolvable-reference", Severity.WARNING, "layer reference that cannot be resolved",
               "write the ARN in the template or give the parameter a value")
ARN = "arn:aws:lambda:us-east-1:999999999999:layer:evil:3"


def findings() -> tuple[Finding, ...]:
    return (
        PUBLISHER.finding(
            Location("templates/app.yaml", 14, 11, "Resources/Api/Properties/Layers/0"),
            f"{ARN}: publisher 999999999999 is not in publishers:",
            arn=ARN, consumer="Api",
        ),
        UNKNOWN.finding(
            Location("plan.json", 0, 0, "module.app.aws_lambda_function.this"),
            "layers are unknown until apply (after_unknown.layers)",
            consumer="module.app.aws_lambda_function.this",
        ),
    )


def context(items: tuple[Finding, ...], notes: tuple[str, ...] = ()) -> ReportContext:
    outcome = Outcome(findings=items, suppressed=1, files_by_format=(("cloudformation", 1),))
    return ReportContext(outcome=outcome, fail_on=Severity.ERROR, policy_path=".layergate.yaml", notes=notes,
                         tool_version="0.1.0")


def sarif(items: tuple[Finding, ...] = (), notes: tuple[str, ...] = ()) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(render("sarif", context(items or findings(), notes)))
    return doc


def test_results_carry_rule_level_location_and_fingerprint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    run = sarif()["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    first, second = run["results"]
    assert first == {
        "ruleId": "LG201",
        "ruleIndex": ids.index("LG201"),
        "level": "error",
        "message": {"text": f"{ARN}: publisher 999999999999 is not in publishers:"},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": "templates/app.yaml", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 14, "startColumn": 11},
            },
            "logicalLocations": [
                {"fullyQualifiedName": "Resources/Api/Properties/Layers/0", "kind": "element"},
                {"name": "Api", "kind": "resource"},
            ],
        }],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(findings()[0]) + ":1"},
        "properties": {"slug": "publisher-not-allowed", "arn": ARN, "consumer": "Api", "fix": PUBLISHER.fix},
    }
    # A plan address has no line: no region, the address is the logical location.
    assert second["level"] == "warning"
    assert second["locations"] == [{
        "physicalLocation": {"artifactLocation": {"uri": "plan.json", "uriBaseId": "%SRCROOT%"}},
        "logicalLocations": [{"fullyQualifiedName": "module.app.aws_lambda_function.this", "kind": "element"}],
    }]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": tmp_path.resolve().as_uri() + "/"}}
    assert run["properties"] == {"policy": ".layergate.yaml", "failOn": "error", "suppressed": 1}


def test_rule_table_lists_every_registered_rule_from_the_catalog() -> None:
    driver = sarif()["runs"][0]["tool"]["driver"]
    by_id = {r["id"]: r for r in driver["rules"]}
    for rule in all_rules():
        entry = by_id[rule.id]
        assert entry["name"] == rule.slug
        assert entry["shortDescription"] == {"text": rule.title}
        assert entry["help"]["text"] == f"{rule.title}\n\nFix: {rule.fix}"
        assert entry["helpUri"].endswith(f"/rules/{rule.id}-{rule.slug}/README.md")
        assert entry["defaultConfiguration"] == {"level": str(rule.severity)}
    # Rules named by findings but not registered still get a descriptor, so ruleIndex is always valid.
    assert by_id["LG201"]["defaultConfiguration"] == {"level": "error"}
    assert driver["name"] == "layergate" and driver["version"] == "0.1.0"


def test_full_description_is_the_readme_first_paragraph() -> None:
    text = "# LG101 floating-reference\n\nA layer reference that can change\nwithout a commit.\n\n## Fix\nPin it.\n"
    assert first_paragraph(text) == "A layer reference that can change without a commit."


def test_fingerprint_ignores_line_moves_but_not_what_the_finding_is_about() -> None:
    base = findings()[0]
    moved = dataclasses.replace(base, location=dataclasses.replace(base.location, line=90, column=3))
    assert fingerprint(moved) == fingerprint(base)
    line_in_message = dataclasses.replace(base, message=base.message + " (parameter at line 4)")
    line_moved = dataclasses.replace(base, message=base.message + " (parameter at line 40)")
    assert fingerprint(line_in_message) == fingerprint(line_moved)
    other_arn = dataclasses.replace(base, arn=ARN.replace(":3", ":4"))
    other_file = dataclasses.replace(base, location=dataclasses.replace(base.location, file="other.yaml"))
    other_resource = dataclasses.replace(base, consumer="Worker")
    assert len({fingerprint(x) for x in (base, other_arn, other_file, other_resource)}) == 4


def test_identical_findings_get_distinct_fingerprints() -> None:
    twice = (findings()[0], findings()[0])
    results = sarif(twice)["runs"][0]["results"]
    prints = [r["partialFingerprints"][FINGERPRINT_KEY] for r in results]
    assert prints[0].endswith(":1") and prints[1].endswith(":2") and prints[0][:-2] == prints[1][:-2]


def test_run_notes_become_tool_notifications() -> None:
    note = "the working-tree policy adds publisher 999999999999 (not in origin/main)"
    inv = sarif(notes=(note,))["runs"][0]["invocations"][0]
    assert inv == {"executionSuccessful": True,
                   "toolExecutionNotifications": [{"level": "note", "message": {"text": note}}]}


def test_absolute_paths_inside_the_root_are_relative(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    base = findings()[0]
    inside = dataclasses.replace(base, location=Location(str(tmp_path / "a b" / "t.yaml"), 1, 1))
    outside = dataclasses.replace(base, location=Location("/elsewhere/t.yaml", 1, 1))
    results = sarif((inside, outside))["runs"][0]["results"]
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "a%20b/t.yaml", "uriBaseId": "%SRCROOT%"}
    assert results[1]["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "file:///elsewhere/t.yaml"}


def test_empty_run_is_valid_sarif() -> None:
    doc = json.loads(render("sarif", context(())))
    assert doc["runs"][0]["results"] == []
    validator = jsonschema.Draft202012Validator(json.loads(sarif_schema().read_text(encoding="utf-8")))
    assert list(validator.iter_errors(doc)) == []


def test_output_validates_against_the_sarif_2_1_0_schema() -> None:
    schema = json.loads(sarif_schema().read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    doc = sarif(notes=("a note",))
    assert [e.message for e in validator.iter_errors(doc)] == []
    # The schema is strict enough to catch a broken document (the check itself can fail).
    broken = json.loads(json.dumps(doc))
    broken["runs"][0]["results"][0]["level"] = "fatal"
    assert list(validator.iter_errors(broken))


def test_sarif_multitool_validate_reports_no_errors(tmp_path: Path) -> None:
    tool = sarif_multitool()
    log = tmp_path / "layergate.sarif"
    log.write_text(render("sarif", context(findings(), ("a note",))), encoding="utf-8")
    out = tmp_path / "validation.sarif"
    # "Gh" adds the rules GitHub code scanning applies on upload (locations, fingerprints, ...).
    proc = subprocess.run([str(tool), "validate", str(log), "--output", str(out), "--rule-kind", "Gh;Sarif",
                           "--log", "ForceOverwrite"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(out.read_text(encoding="utf-8-sig"))
    reported = report["runs"][0].get("results", [])
    errors = [f"{r['ruleId']}: {r['message'].get('arguments')}" for r in reported if r.get("level") == "error"]
    assert errors == []
    # The one accepted warning: a Terraform plan address has no line, so that result has no region.
    warnings = {(r["ruleId"], r["message"]["arguments"][0]) for r in reported if r.get("level") != "error"}
    assert warnings == {("SARIF2017", "runs[0].results[1].locations[0].physicalLocation")}


def test_cli_writes_sarif_beside_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """One run: text on the terminal, SARIF to a file (--output), the SARIF valid and holding the finding."""
    from layergate.cli import main

    (tmp_path / ".git").mkdir()
    (tmp_path / ".layergate.yaml").write_text("version: 1\nregions: [us-east-1]\npublishers: []\n", encoding="utf-8")
    (tmp_path / "app.yaml").write_text(
        "Resources:\n  Api:\n    Type: AWS::Lambda::Function\n    Properties:\n      Layers:\n"
        f"        - {ARN}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--output", "sarif=report.sarif", "--today", "2026-12-01"]) == 1
    text = capsys.readouterr().out
    assert text.startswith(f"app.yaml:6:11: LG201 error  function Api uses {ARN}")
    doc = json.loads((tmp_path / "report.sarif").read_text(encoding="utf-8"))
    results = doc["runs"][0]["results"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]) for r in results] == [
        ("LG201", {"startLine": 6, "startColumn": 11}), ("LG301", {"startLine": 6, "startColumn": 11})]
    validator = jsonschema.Draft202012Validator(json.loads(sarif_schema().read_text(encoding="utf-8")))
    assert list(validator.iter_errors(doc)) == []


def test_grant_findings_name_the_permission_resource_and_the_layer() -> None:
    where = Location("template.yaml", 12, 3, "Resources/SharedUtilsPermission")
    scan = Scan("template.yaml", "cloudformation",
                grants=(LayerGrant("SharedUtilsLayer", "*", None, where, "SharedUtilsPermission"),))
    (f,) = public_layer_permission.check(scan, None)  # type: ignore[arg-type]
    assert logical_locations(f) == [
        {"fullyQualifiedName": "Resources/SharedUtilsPermission", "kind": "element"},
        {"name": "SharedUtilsPermission", "kind": "resource"},
        {"name": "SharedUtilsLayer", "kind": "resource"},
    ]
    assert {k: finding_dict(f)[k] for k in ("rule", "line", "column", "message", "consumer", "related")} == {
        "rule": "LG501", "line": 12, "column": 3, "consumer": "SharedUtilsPermission", "related": ["SharedUtilsLayer"],
        "message": "layer SharedUtilsLayer is shared by SharedUtilsPermission with principal '*' and no "
                   "OrganizationId: every AWS account can download and use it",
    }
