"""The inventory's JSON, CSV, SARIF, ASFF and HTML, from one real run over the organization in moto.

The HTML page is opened in headless Chromium (Debian's ``chromium``) over the DevTools protocol: it must
render without console errors or network requests, its table must sort when a header is clicked (a real
mouse click), and a screenshot must come out.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import io
import json
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from inventory_world import DATADOG, OUTSIDER, Org, env, org_fixture  # noqa: F401

from layergate.cli import main

pytestmark = pytest.mark.aws

COMMIT = "0123456789abcdef0123456789abcdef01234567"
BUILT = "built from acme/platform@0123456789ab by workflow .github/workflows/layer.yml (refs/heads/main)"


@dataclass
class Outputs:
    status: int
    text: str
    files: dict[str, Path]

    def read(self, fmt: str) -> str:
        return self.files[fmt].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def outputs(org: Org, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outputs]:
    root = tmp_path_factory.mktemp("inventory-reports")
    (root / ".git").mkdir()
    (root / ".layergate.yaml").write_text(
        f"version: 1\npublishers:\n  - vendor: datadog\nlayers:\n  - arn: {org.layers['dd-ext'].arn}\n"
        f"    sha256: {org.layers['dd-ext'].sha256}\n    reviewed_by: alice\n    reviewed_at: 2026-11-20\n"
        "    extension: true\n"
        f"  - arn: {org.layers['platform-utils:3'].arn}\n    sha256: {org.layers['platform-utils:3'].sha256}\n"
        f"    provenance: {{repository: acme/platform, commit: {COMMIT}, workflow: .github/workflows/layer.yml, "
        "ref: refs/heads/main, attestation_sha256: " + "ab" * 32 + "}\n"
    )
    files = {fmt: root / f"inventory.{fmt}" for fmt in ("json", "csv", "sarif", "asff", "html")}
    org.router.disabled.add((org.ids["team-b"], "me-south-1"))
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        env(mp, org)
        mp.chdir(root)
        status = main(["inventory", "--org", "--endpoint-url", org.url, "--regions", "ca-central-1,sa-east-1,me-south-1",
                       "--today", "2026-12-01", "--asff-region", "eu-west-1"]
                      + [arg for fmt, path in files.items() for arg in ("-o", f"{fmt}={path}")])
    org.router.disabled.discard((org.ids["team-b"], "me-south-1"))
    yield Outputs(status, out.getvalue(), files)


def text_findings(o: Outputs) -> list[tuple[str, str, str]]:
    """(rule, file, path) of every finding line of the text output, in order."""
    found = []
    for line in o.text.splitlines():
        if line.startswith("aws://") and " NOT COVERED " not in line:
            where, rest = line.split(": LG", 1)
            file, path = where[: where.index(":arn:")], where[where.index(":arn:") + 1:]
            found.append(("LG" + rest[:3], file, path))
    return found


def test_json_holds_the_inventory_and_the_same_findings(org: Org, outputs: Outputs) -> None:
    doc = json.loads(outputs.read("json"))
    ids, L = org.ids, org.layers
    assert (outputs.status, doc["command"], doc["complete"], doc["caller"], doc["organization"]) == (
        3, "inventory", False, ids["management"], org.org_id)
    assert [(g["where"], g["reason"].split(":")[0]) for g in doc["not_covered"]] == [
        (f"aws://{ids['locked']}", "cannot assume arn"), (f"aws://{ids['team-b']}/me-south-1", "ListFunctions"),
    ]
    versions = {v["arn"]: v for v in doc["layer_versions"]}
    for key in ("platform-utils:1", "platform-utils:3", "dd-ext", "fancy-lib", "orders-common:1", "legacy-pdf"):
        layer = L[key]
        assert (versions[layer.arn]["sha256"], versions[layer.arn]["code_size"]) == (layer.sha256, len(layer.zip)), key
    # Only the publisher may read a layer version's policy: vendors' are unknown, not "not shared".
    assert {k: versions[L[k].arn]["shared_with_everyone"] for k in ("platform-utils:1", "platform-utils:3", "dd-ext")} \
        == {"platform-utils:1": True, "platform-utils:3": False, "dd-ext": None}
    assert versions[L["platform-utils:3"].arn]["grants"] == [
        {"sid": "org", "principal": "*", "organization_id": org.org_id}]
    assert versions[L["platform-utils:1"].arn]["newer_versions"] == [3, 2]
    assert versions[L["dd-ext"].arn]["newer_versions"] is None
    none = {"recorded": False, "text": "no provenance recorded"}
    assert {k: versions[L[k].arn]["provenance"] for k in ("platform-utils:1", "platform-utils:3", "dd-ext",
                                                           "fancy-lib", "orders-common:1", "legacy-pdf")} == {
        "platform-utils:1": none,
        "platform-utils:3": {"recorded": True, "repository": "acme/platform", "commit": COMMIT,
                             "workflow": ".github/workflows/layer.yml", "ref": "refs/heads/main",
                             "attestation_sha256": "ab" * 32, "text": BUILT},
        "dd-ext": None, "fancy-lib": None,  # a vendor's and an outsider's: nobody expects their provenance
        "orders-common:1": none, "legacy-pdf": none,  # the organization's accounts publish them: internal
    }
    assert sorted(f["name"] for f in doc["functions"]) == ["billing", "nolayers", "orders-api", "orders-worker",
                                                            "reports"]
    assert [(f["rule"], f["file"], f["path"]) for f in doc["findings"]] == text_findings(outputs)


def test_csv_is_one_row_per_function_and_layer(org: Org, outputs: Outputs) -> None:
    from layergate.report.csv_report import COLUMNS

    rows = list(csv.DictReader(io.StringIO(outputs.read("csv"), newline="")))
    assert outputs.files["csv"].read_bytes().decode().startswith(",".join(COLUMNS) + "\r\n")
    ids, L = org.ids, org.layers
    assert [(r["coverage"].split(":")[0], r["account"], r["region"]) for r in rows[:2]] == [
        ("not covered", ids["locked"], ""), ("not covered", ids["team-b"], "me-south-1")]
    assert rows[0]["account_name"] == "locked"
    uses = [(r["function"], r["layer_position"], r["layer_arn"]) for r in rows[2:]]
    assert sorted(uses) == sorted([
        ("billing", "0", L["platform-utils:1"].arn), ("billing", "1", L["dd-ext"].arn),
        ("orders-api", "0", L["platform-utils:3"].arn), ("orders-api", "1", L["fancy-lib"].arn),
        ("orders-worker", "0", L["orders-common:1"].arn), ("reports", "0", L["legacy-pdf"].arn), ("nolayers", "", ""),
    ])
    fancy = next(r for r in rows if r["layer_arn"] == L["fancy-lib"].arn)
    assert fancy == {
        "coverage": "covered", "account": ids["team-a"], "account_name": "team-a", "region": "ca-central-1",
        "function": "orders-api", "function_version": "$LATEST", "function_arn": org.function_arns["orders-api"],
        "runtime": "python3.12", "architectures": "arm64", "package_type": "Zip",
        "last_modified": fancy["last_modified"], "layer_position": "1", "layer_arn": L["fancy-lib"].arn,
        "layer_name": "fancy-lib", "layer_version": "1", "publisher_account": OUTSIDER, "publisher": OUTSIDER,
        "layer_sha256": L["fancy-lib"].sha256, "layer_code_size": str(len(L["fancy-lib"].zip)),
        "layer_created": fancy["layer_created"], "shared_with_everyone": "", "newest_version": "",
        "versions_behind": "", "findings": "LG201 LG301", "vulnerabilities": "", "vulnerability_severity": "",
        "provenance": "",
    }
    assert {(r["function"], r["layer_arn"]): r["provenance"] for r in rows[2:]} == {
        ("billing", L["platform-utils:1"].arn): "no provenance recorded", ("billing", L["dd-ext"].arn): "",
        ("orders-api", L["platform-utils:3"].arn): BUILT, ("orders-api", L["fancy-lib"].arn): "",
        ("orders-worker", L["orders-common:1"].arn): "no provenance recorded",
        ("reports", L["legacy-pdf"].arn): "no provenance recorded", ("nolayers", ""): "",
    }
    assert fancy["last_modified"] and fancy["layer_created"]
    billing = next(r for r in rows if r["layer_arn"] == L["platform-utils:1"].arn)
    assert (billing["newest_version"], billing["versions_behind"], billing["shared_with_everyone"],
            billing["findings"]) == ("3", "2", "yes", "LG201 LG301 LG501 LG701")
    dd = next(r for r in rows if r["layer_arn"] == L["dd-ext"].arn)
    assert (dd["publisher"], dd["findings"]) == (f"{DATADOG} (Datadog)", "")


def test_text_says_where_each_internal_layer_version_was_built(org: Org, outputs: Outputs) -> None:
    L = org.layers
    lines = outputs.text.splitlines()
    start = lines.index("Build provenance (recorded by lock --provenance)")
    expected = {L["platform-utils:1"].arn: "no provenance recorded", L["platform-utils:3"].arn: BUILT,
                L["orders-common:1"].arn: "no provenance recorded", L["legacy-pdf"].arn: "no provenance recorded"}
    assert lines[start - 1:start + 6] == ["", lines[start], *(f"{arn}: {expected[arn]}" for arn in sorted(expected)),
                                          ""]


def test_csv_cells_cannot_run_as_formulas() -> None:
    from layergate.report.csv_report import _safe

    assert _safe(["=HYPERLINK(1)", "+1", "-1", "@x", "plain", "$LATEST"]) == [
        "'=HYPERLINK(1)", "'+1", "'-1", "'@x", "plain", "$LATEST"]


def test_sarif_locates_results_in_accounts_and_fails_the_invocation(outputs: Outputs) -> None:
    import jsonschema
    from integration_tools import sarif_schema

    doc = json.loads(outputs.read("sarif"))
    jsonschema.Draft202012Validator(json.loads(sarif_schema().read_text(encoding="utf-8"))).validate(doc)
    run = doc["runs"][0]
    located = [(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]) for r in run["results"]]
    assert located == text_findings(outputs)
    assert {r.get("properties", {}).get("provenance") for r in run["results"]} == {
        BUILT, "no provenance recorded", None}  # None: results about functions, vendors' layers
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    errors = [n["message"]["text"] for n in invocation["toolExecutionNotifications"] if n["level"] == "error"]
    assert [e.split(": not covered: ")[0] for e in errors] == [g[0] for g in _gaps(outputs)]


def _gaps(o: Outputs) -> list[tuple[str, str]]:
    return [tuple(line.split(": NOT COVERED  ")) for line in o.text.splitlines() if ": NOT COVERED  " in line]  # type: ignore[misc]


def test_asff_is_what_batch_import_findings_accepts(org: Org, outputs: Outputs) -> None:
    import botocore.session
    from botocore.validate import ParamValidator

    findings = json.loads(outputs.read("asff"))
    model = botocore.session.get_session().get_service_model("securityhub")
    report = ParamValidator().validate({"Findings": findings}, model.operation_model("BatchImportFindings").input_shape)
    assert not report.has_errors(), report.generate_report()
    assert len(findings) == len(text_findings(outputs)) == len({f["Id"] for f in findings})
    mg = org.ids["management"]
    assert {f["ProductArn"] for f in findings} == {f"arn:aws:securityhub:eu-west-1:{mg}:product/{mg}/default"}
    public = next(f for f in findings if f["GeneratorId"] == "layergate/LG501-public-layer-permission")
    assert public["Resources"] == [{"Type": "AwsLambdaLayerVersion", "Id": org.layers["platform-utils:1"].arn,
                                    "Partition": "aws", "Region": "ca-central-1",
                                    "Details": {"AwsLambdaLayerVersion": {"Version": 1}}}]
    assert (public["AwsAccountId"], public["Severity"], public["Title"]) == (
        mg, {"Label": "HIGH", "Original": "error"}, "LG501 Layer version shared with every AWS account")
    L = org.layers
    said = {(f["ProductFields"]["layergate/LayerArn"], f["ProductFields"].get("layergate/Provenance"))
            for f in findings if "layergate/LayerArn" in f["ProductFields"]}
    none = "no provenance recorded"
    assert said == {(L["platform-utils:1"].arn, none), (L["platform-utils:3"].arn, BUILT), (L["fancy-lib"].arn, None),
                    (L["orders-common:1"].arn, none), (L["legacy-pdf"].arn, none),
                    (L["old-auth:1"].arn.rsplit(":", 1)[0], None)}  # LG702 is about the unused layer, not a version
    # Several functions are stale; their order follows account ids, which moto draws at random.
    stale_ones = {f["Resources"][0]["Id"]: f for f in findings
                  if f["GeneratorId"] == "layergate/LG701-stale-layer-version"}
    stale = stale_ones[org.function_arns["billing"]]
    assert stale["Resources"][0]["Type"] == "AwsLambdaFunction"
    assert stale["Severity"]["Label"] == "MEDIUM"
    assert stale["Remediation"]["Recommendation"]["Url"].endswith("/rules/LG701-stale-layer-version/README.md")


def test_html_is_self_contained(outputs: Outputs) -> None:
    html = outputs.read("html")
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "") and "https://" not in html
    assert "INCOMPLETE: 2 accounts or regions could not be read" in html


# -- headless Chromium --------------------------------------------------------------------------------

def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_html_renders_and_sorts_in_chromium(outputs: Outputs, tmp_path: Path) -> None:
    from cdp import Browser, chromium

    executable = chromium()
    if executable is None:
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    browser = Browser(executable, tmp_path / "profile")
    try:
        page = browser.page()
        for domain in ("Runtime", "Log", "Page", "Network"):
            page.call(f"{domain}.enable")
        page.call("Emulation.setDeviceMetricsOverride", width=1400, height=1000, deviceScaleFactor=1, mobile=False)
        url = outputs.files["html"].resolve().as_uri()
        page.call("Page.navigate", url=url)
        page.wait("Page.loadEventFired")
        column = "Array.from(document.querySelectorAll('#inventory tbody tr')).map(r => r.cells[2].textContent)"
        before = page.evaluate(column)
        assert sorted(before) == ["billing", "billing", "nolayers", "orders-api", "orders-api", "orders-worker",
                                  "reports"]
        page.click("#inventory thead th:nth-child(3)")
        ascending = page.evaluate(column)
        assert ascending == sorted(before) != before
        assert page.evaluate("document.querySelector('#inventory thead th:nth-child(3)').getAttribute('aria-sort')") \
            == "ascending"
        page.click("#inventory thead th:nth-child(3)")
        assert page.evaluate(column) == sorted(before, reverse=True)
        built = "Array.from(document.querySelectorAll('#inventory tbody tr')).map(r => r.cells[2].textContent + ' ' " \
            "+ r.cells[14].textContent)"
        assert page.evaluate("document.querySelector('#inventory thead th:nth-child(15)').textContent") == "Provenance"
        assert sorted(page.evaluate(built)) == ["billing ", "billing no provenance recorded", "nolayers ",
                                                "orders-api ", f"orders-api {BUILT}",
                                                "orders-worker no provenance recorded", "reports no provenance recorded"]
        behind = "Array.from(document.querySelectorAll('#inventory tbody tr')).map(r => r.cells[9].textContent)"
        page.click("#inventory thead th:nth-child(10)")  # numeric: empty cells first, then 0, 1, 2
        assert page.evaluate(behind)[-1] == "2"
        assert page.evaluate("document.querySelectorAll('figure.chart svg g.cell').length") > 0
        shot = base64.b64decode(page.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"])
        (tmp_path / "inventory.png").write_bytes(shot)
        width, height = _png_size(shot)
        assert width == 1400 and height > 1000
        problems = [e for e in page.events if e.get("method") in ("Runtime.exceptionThrown",)
                    or (e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] in ("error", "warning"))
                    or (e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] in ("error", "warning"))]
        assert problems == []
        requested = {e["params"]["request"]["url"] for e in page.events if e.get("method") == "Network.requestWillBeSent"}
        assert requested == {url}
    finally:
        browser.close()


def test_asff_ids_follow_what_a_finding_is_about_not_its_wording() -> None:
    from layergate.model import Finding, Location, Severity
    from layergate.report.asff import ids

    where = Location("aws://111111111111/eu-west-1", path="arn:aws:lambda:eu-west-1:111111111111:function:api")
    layer = "arn:aws:lambda:eu-west-1:111111111111:layer:x:1"

    def stale(message: str, rule: str = "LG701") -> Finding:
        return Finding(rule, "stale-layer-version", Severity.WARNING, message, where, layer, "", "api")

    today, tomorrow = ids((stale("1 newer version exists"),)), ids((stale("2 newer versions exist"),))
    assert today == tomorrow
    assert ids((stale("a", "LG301"),)) != today
    twice = ids((stale("a"), stale("b")))
    assert twice == [today[0], today[0] + "/2"]
