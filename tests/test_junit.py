"""--format junit: the report fails exactly when the run does, one suite per input file."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from layergate.model import Finding, Location, Outcome, Scan, Severity
from layergate.report import ReportContext, render
from layergate.rule import Rule

PUBLISHER = Rule("LG201", "publisher-not-allowed", Severity.ERROR, "publisher not allowed", "allow the publisher")
FLOATING = Rule("LG101", "floating-reference", Severity.WARNING, "floating", "pin the version")
ARN = "arn:aws:lambda:us-east-1:999999999999:layer:evil:3"


def run(findings: tuple[Finding, ...], files: tuple[str, ...], fail_on: Severity = Severity.ERROR) -> ET.Element:
    scans = tuple(Scan(file=f, format="cloudformation") for f in files)
    outcome = Outcome(findings=findings, suppressed=0, scans=scans, files_by_format=(("cloudformation", len(files)),))
    ctx = ReportContext(outcome=outcome, fail_on=fail_on, policy_path=None, notes=("a note",), tool_version="0.1.0")
    text = render("junit", ctx)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')
    return ET.fromstring(text)


def sample() -> tuple[Finding, ...]:
    return (
        PUBLISHER.finding(Location("app.yaml", 14, 11, "Resources/Api/Properties/Layers/0"),
                          f"{ARN}: publisher 999999999999 is not in publishers:", arn=ARN, consumer="Api"),
        FLOATING.finding(Location("app.yaml", 20, 9), "version comes from SSM \x01 at deploy", consumer="Worker"),
    )


def test_findings_at_or_above_fail_on_are_failures() -> None:
    root = run(sample(), ("app.yaml", "clean.yaml"))
    assert root.attrib == {"name": "layergate", "tests": "3", "failures": "1", "errors": "0", "time": "0"}
    app, clean = root.findall("testsuite")
    assert app.attrib == {"name": "app.yaml", "tests": "2", "failures": "1", "errors": "0", "skipped": "0",
                          "time": "0"}
    props = {(p.get("name"), p.get("value")) for p in app.find("properties") or []}
    assert ("fail_on", "error") in props and ("policy", "(built-in default)") in props and ("note", "a note") in props
    failing, passing = app.findall("testcase")
    assert failing.attrib == {"classname": "app.yaml", "name": "LG201 publisher-not-allowed Api (line 14)",
                              "time": "0"}
    failure = failing.find("failure")
    assert failure is not None and failure.attrib == {"type": "LG201", "message": sample()[0].message}
    assert failure.text == (
        f"LG201 publisher-not-allowed: {sample()[0].message}\nat app.yaml:14:11\n"
        f"path: Resources/Api/Properties/Layers/0\nlayer: {ARN}\nhelp: allow the publisher"
    )
    # Below fail_on: a passing test that still tells what was found (control characters made XML-safe).
    assert passing.find("failure") is None
    out = passing.find("system-out")
    assert out is not None and out.text == (
        "warning: LG101 floating-reference: version comes from SSM \ufffd at deploy\nat app.yaml:20:9\n"
        "help: pin the version"
    )
    assert [(c.get("name"), list(c)) for c in clean.findall("testcase")] == [("no layer findings", [])]


def test_fail_on_warning_turns_warnings_into_failures() -> None:
    root = run(sample(), ("app.yaml",), fail_on=Severity.WARNING)
    assert root.get("failures") == "2"
    assert [c.find("failure") is not None for c in root.iter("testcase")] == [True, True]


def test_plan_findings_name_the_address() -> None:
    finding = PUBLISHER.finding(Location("plan.json", 0, 0, "module.a.aws_lambda_function.f"), "not allowed")
    root = run((finding,), ("plan.json",))
    case = root.find("testsuite/testcase")
    assert case is not None and case.get("name") == "LG201 publisher-not-allowed (module.a.aws_lambda_function.f)"
