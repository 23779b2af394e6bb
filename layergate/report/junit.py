"""JUnit XML output, for CI systems that show test reports (GitLab, Jenkins, Azure Pipelines, CircleCI).

One ``<testsuite>`` per input file read. Each finding is a ``<testcase>``: at or above ``fail_on`` it
carries a ``<failure>``; below it the test passes and the finding is kept in ``<system-out>``, so the
report fails exactly when the exit status does. A file without findings is one passing test case, so a
clean run still shows what was checked.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from layergate.model import Finding
from layergate.report import ReportContext, summary_line

# Characters XML 1.0 cannot carry at all (ElementTree would write them and break the document).
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def render(ctx: ReportContext) -> str:
    outcome = ctx.outcome
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for scan in outcome.scans:
        by_file.setdefault(scan.file, [])
    for f in outcome.findings:
        by_file[f.location.file].append(f)

    root = ET.Element("testsuites", name="layergate")
    total = failures = 0
    for file in sorted(by_file):
        suite = ET.SubElement(root, "testsuite", name=file)
        items = by_file[file]
        suite_failures = 0
        if not items:
            ET.SubElement(suite, "testcase", classname=file, name="no layer findings", time="0")
        for f in items:
            case = ET.SubElement(suite, "testcase", classname=file, name=case_name(f), time="0")
            if f.severity >= ctx.fail_on:
                suite_failures += 1
                failure = ET.SubElement(case, "failure", type=f.rule_id, message=f.message)
                failure.text = detail(f)
            else:
                out = ET.SubElement(case, "system-out")
                out.text = f"{f.severity}: {detail(f)}"
        tests = max(len(items), 1)
        suite.set("tests", str(tests))
        suite.set("failures", str(suite_failures))
        suite.set("errors", "0")
        suite.set("skipped", "0")
        suite.set("time", "0")
        total += tests
        failures += suite_failures
    root.set("tests", str(total))
    root.set("failures", str(failures))
    root.set("errors", "0")
    root.set("time", "0")
    props = ET.Element("properties")
    for name, value in (("summary", summary_line(outcome)), ("fail_on", str(ctx.fail_on)),
                        ("policy", ctx.policy_path or "(built-in default)"), ("version", ctx.tool_version)):
        ET.SubElement(props, "property", name=name, value=value)
    for note in ctx.notes:
        ET.SubElement(props, "property", name="note", value=note)
    if len(root):
        root[0].insert(0, props)
    for element in root.iter():
        element.attrib = {k: clean(v) for k, v in element.attrib.items()}
        if element.text:
            element.text = clean(element.text)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def clean(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)


def case_name(f: Finding) -> str:
    loc = f.location
    where = f"line {loc.line}" if loc.line else (loc.path or "file")
    subject = f" {f.consumer}" if f.consumer else ""
    return f"{f.rule_id} {f.slug}{subject} ({where})"


def detail(f: Finding) -> str:
    loc = f.location
    lines = [f"{f.rule_id} {f.slug}: {f.message}", f"at {loc}"]
    if loc.path:
        lines.append(f"path: {loc.path}")
    if f.arn:
        lines.append(f"layer: {f.arn}")
    if f.fix:
        lines.append(f"help: {f.fix}")
    return "\n".join(lines)
