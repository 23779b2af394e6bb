"""`inventory --vulns`: known vulnerabilities of deployed layer versions, from one real run against moto.

An account of its own (not the organization of the other inventory tests) publishes the layer of
``vuln_layers`` whose packages are affected, the same layer after the upgrades, and loads them in three
functions. The advisories are the real OSV records in tests/fixtures/osv, given with ``--advisories``; the
failing lookup is the OSV API client against a loopback port nothing listens on.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import free_port
from inventory_world import create_function
from lockverify_world import Layer, World, running_world
from test_inventory_reports import Outputs as Run
from vuln_layers import OSV_DIR, fixed_layer, vulnerable_layer

from layergate.cli import main

pytestmark = pytest.mark.aws

ACCOUNT = "515151515151"  # no other test uses it
REGION = "ap-northeast-3"


@dataclass
class Deployed:
    world: World
    vulnerable: Layer
    fixed: Layer
    functions: dict[str, str]


def _publish(world: World, name: str, data: bytes) -> Layer:
    answer = world.lambda_client(ACCOUNT, REGION).publish_layer_version(
        LayerName=name, Content={"ZipFile": data}, CompatibleRuntimes=["python3.12"])
    layer = Layer(answer["LayerVersionArn"], data)
    assert world.zips is not None
    world.zips.contents[world.zips.path_for(layer.arn)] = data
    return layer


@pytest.fixture(scope="module")
def deployed(aws_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    root = tmp_path_factory.mktemp("vuln-layers")
    with running_world(aws_endpoint, set()) as world:
        bad = _publish(world, "app-deps", vulnerable_layer(root / "bad.zip").read_bytes())
        good = _publish(world, "app-deps-fixed", fixed_layer(root / "good.zip").read_bytes())
        functions = {name: create_function(world, ACCOUNT, REGION, name, layers)
                     for name, layers in (("api", [bad]), ("worker", [bad]), ("clean", [good]))}
        yield Deployed(world, bad, good, functions)


def _caller_env(mp: pytest.MonkeyPatch, world: World) -> None:
    import os

    import boto3

    for key in list(os.environ):
        if key.startswith("AWS_"):
            mp.delenv(key, raising=False)
    sts = boto3.client("sts", region_name="us-east-1", endpoint_url=world.moto_url,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/auditor", RoleSessionName="auditor")["Credentials"]
    mp.setenv("AWS_ACCESS_KEY_ID", creds["AccessKeyId"])
    mp.setenv("AWS_SECRET_ACCESS_KEY", creds["SecretAccessKey"])
    mp.setenv("AWS_SESSION_TOKEN", creds["SessionToken"])
    mp.setenv("AWS_DEFAULT_REGION", REGION)
    mp.setenv("AWS_CONFIG_FILE", os.devnull)
    mp.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)


def _inventory(d: Deployed, root: Path, *extra: str) -> Run:
    (root / ".git").mkdir(exist_ok=True)
    reviewed = "".join(f"  - arn: {layer.arn}\n    sha256: {layer.sha256}\n    reviewed_by: alice\n"
                       "    reviewed_at: 2026-11-20\n" for layer in (d.vulnerable, d.fixed))
    (root / ".layergate.yaml").write_text(f"version: 1\npublishers:\n  - account: \"{ACCOUNT}\"\n    name: app-team\n"
                                          f"layers:\n{reviewed}vulnerabilities:\n  fail_on: high\n")
    files = {fmt: root / f"inventory.{fmt}" for fmt in ("json", "csv", "sarif", "asff", "html")}
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        _caller_env(mp, d.world)
        mp.chdir(root)
        status = main(["inventory", "--endpoint-url", d.world.url, "--regions", REGION, "--today", "2026-12-01",
                       *extra] + [arg for fmt, path in files.items() for arg in ("-o", f"{fmt}={path}")])
    return Run(status, out.getvalue(), files)


@pytest.fixture(scope="module")
def offline(deployed: Deployed, tmp_path_factory: pytest.TempPathFactory) -> Run:
    return _inventory(deployed, tmp_path_factory.mktemp("offline"), "--advisories", str(OSV_DIR))


BAD = f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:app-deps:1"
GOOD = f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:app-deps-fixed:1"
WHERE = f"{BAD} from {ACCOUNT}, loaded by 2 functions api, worker"
URLLIB3 = ("urllib3 is a user-friendly HTTP client library for Python. urllib3 previously wouldn't remove the HTTP "
           "request body w...")
FINDINGS = [
    ("LG603", "error", f"{WHERE}: org.apache.logging.log4j:log4j-core 2.14.1 (java/lib/log4j-core-2.14.1.jar) has "
     "CVE-2021-44228 (GHSA-jfh8-c2jp-5v3q), severity critical 10.0, fixed in 2.15.0: Remote code injection in Log4j"),
    ("LG603", "warning", f"{WHERE}: requests 2.30.0 (python/requests-2.30.0.dist-info) has CVE-2023-32681 "
     "(GHSA-j8r2-6x86-q33q, PYSEC-2023-74), severity medium 6.1, fixed in 2.31.0: Unintended leak of "
     "Proxy-Authorization header in requests"),
    ("LG603", "warning", f"{WHERE}: urllib3 1.26.17 (python/urllib3-1.26.17.dist-info) has CVE-2023-45803 "
     f"(GHSA-g4mx-q9vg-27p4, PYSEC-2023-212), severity medium 4.2, fixed in 1.26.18: {URLLIB3}"),
    ("LG604", "note", f"{WHERE}: 4 items not matched against advisories, not known to be clean: internal-tools 1.0 "
     "(jar without Maven coordinates (no META-INF/maven/.../pom.properties)), left-pad (version unknown) (its "
     "metadata gives no version), lib/libcrypto.so.1.1 (native library or executable without package metadata: "
     "nothing to match it by) and 1 more"),
]
NOT_MATCHED = [
    "internal-tools 1.0 (jar without Maven coordinates (no META-INF/maven/.../pom.properties))",
    "left-pad (version unknown) (its metadata gives no version)",
    "lib/libcrypto.so.1.1 (native library or executable without package metadata: nothing to match it by)",
    "python/vendored_yaml/ (Python code without package metadata (a vendored copy?): nothing to match it by)",
]


def _findings(run: Run) -> list[tuple[str, str, str]]:
    doc = json.loads(run.read("json"))
    for f in doc["findings"]:
        assert (f["file"], f["path"]) == (f"aws://{ACCOUNT}/{REGION}", BAD), f
    return [(f["rule"], f["severity"], f["message"]) for f in doc["findings"]]


def test_text_lists_each_layer_versions_vulnerabilities_and_loaders(offline: Run) -> None:
    lines = offline.text.splitlines()
    start = lines.index(f"Known vulnerabilities (offline advisory database {OSV_DIR} (10 records))")
    assert [line.rstrip() for line in lines[start + 1:start + 13]] == [
        f"{GOOD}: loaded by 1 function in 1 account ({ACCOUNT})",
        "  0 known vulnerabilities in 0 of 4 matched packages",
        f"{BAD}: loaded by 2 functions in 1 account ({ACCOUNT})",
        "  3 known vulnerabilities in 3 of 5 matched packages",
        "    java    org.apache.logging.log4j:log4j-core 2.14.1  CVE-2021-44228 (GHSA-jfh8-c2jp-5v3q)                  "
        "critical 10.0  fixed in 2.15.0   Remote code injection in Log4j",
        "    python  requests 2.30.0                             CVE-2023-32681 (GHSA-j8r2-6x86-q33q, PYSEC-2023-74)   "
        "medium 6.1     fixed in 2.31.0   Unintended leak of Proxy-Authorization header in requests",
        "    python  urllib3 1.26.17                             CVE-2023-45803 (GHSA-g4mx-q9vg-27p4, PYSEC-2023-212)  "
        f"medium 4.2     fixed in 1.26.18  {URLLIB3}",
        *[f"  not matched: {item}" for item in NOT_MATCHED],
        "",
    ]
    # fail_on: high in the policy: the critical advisory is an error, the medium ones warnings; exit 1.
    assert offline.status == 1
    assert _findings(offline) == FINDINGS
    assert lines[-1] == ("inventory: 1 of 1 account covered, 1 region, 3 functions, 3 layer uses of 2 layer "
                         "versions from 1 publisher: 1 error, 2 warnings, 1 note, 0 suppressed")


def test_json_layer_versions_carry_vulnerabilities_and_loaders(deployed: Deployed, offline: Run) -> None:
    doc = json.loads(offline.read("json"))
    assert doc["vulnerabilities"] == {
        "source": f"offline advisory database {OSV_DIR} (10 records)", "problem": None,
        "layer_versions_checked": 2, "layer_versions_not_checked": 0, "vulnerable_layer_versions": 1}
    versions = {v["arn"]: v for v in doc["layer_versions"]}
    bad, good = versions[BAD], versions[GOOD]
    assert bad["loaded_by"] == [{"account": ACCOUNT, "region": REGION, "function": "api"},
                                {"account": ACCOUNT, "region": REGION, "function": "worker"}]
    assert good["loaded_by"] == [{"account": ACCOUNT, "region": REGION, "function": "clean"}]
    assert (good["vulnerabilities"]["checked"], good["vulnerabilities"]["vulnerable"],
            good["vulnerabilities"]["not_matched"], good["vulnerabilities"]["matched_packages"]) == (True, [], [], 4)
    found = bad["vulnerabilities"]
    assert (found["checked"], found["problem"], found["matched_packages"]) == (True, None, 5)
    assert [(p["ecosystem"], p["group"], p["name"], p["version"], p["path"],
             [(v["id"], v["aliases"], v["severity"], v["cvss_score"], v["fixed"]) for v in p["vulnerabilities"]])
            for p in found["vulnerable"]] == [
        ("maven", "org.apache.logging.log4j", "log4j-core", "2.14.1", "java/lib/log4j-core-2.14.1.jar",
         [("CVE-2021-44228", ["GHSA-jfh8-c2jp-5v3q"], "critical", 10.0, ["2.15.0"])]),
        ("pypi", None, "requests", "2.30.0", "python/requests-2.30.0.dist-info",
         [("CVE-2023-32681", ["GHSA-j8r2-6x86-q33q", "PYSEC-2023-74"], "medium", 6.1, ["2.31.0"])]),
        ("pypi", None, "urllib3", "1.26.17", "python/urllib3-1.26.17.dist-info",
         [("CVE-2023-45803", ["GHSA-g4mx-q9vg-27p4", "PYSEC-2023-212"], "medium", 4.2, ["1.26.18", "2.0.7"])]),
    ]
    assert [(n.get("name") or n["path"], n["reason"]) for n in found["not_matched"]] == [
        ("internal-tools", "jar without Maven coordinates (no META-INF/maven/.../pom.properties)"),
        ("left-pad", "its metadata gives no version"),
        ("lib/libcrypto.so.1.1", "native library or executable without package metadata: nothing to match it by"),
        ("python/vendored_yaml/", "Python code without package metadata (a vendored copy?): nothing to match it by"),
    ]


def test_csv_rows_name_the_vulnerabilities_of_the_layer_they_load(offline: Run) -> None:
    rows = list(csv.DictReader(io.StringIO(offline.read("csv"), newline="")))
    assert [(r["function"], r["layer_arn"], r["findings"], r["vulnerabilities"], r["vulnerability_severity"])
            for r in rows] == [
        ("api", BAD, "LG603 LG604", "CVE-2021-44228 CVE-2023-32681 CVE-2023-45803", "critical"),
        ("clean", GOOD, "", "none", ""),
        ("worker", BAD, "LG603 LG604", "CVE-2021-44228 CVE-2023-32681 CVE-2023-45803", "critical"),
    ]


def test_asff_findings_carry_the_vulnerabilities(offline: Run) -> None:
    import botocore.session
    from botocore.validate import ParamValidator

    findings = json.loads(offline.read("asff"))
    model = botocore.session.get_session().get_service_model("securityhub")
    report = ParamValidator().validate({"Findings": findings}, model.operation_model("BatchImportFindings").input_shape)
    assert not report.has_errors(), report.generate_report()
    assert len({f["Id"] for f in findings}) == len(findings) == 4
    vulns = [f for f in findings if "Vulnerabilities" in f]
    assert [(f["Types"], f["Severity"]["Label"], f["AwsAccountId"], f["Resources"][0]["Type"], f["Resources"][0]["Id"])
            for f in vulns] == [(["Software and Configuration Checks/Vulnerabilities/CVE"], label, ACCOUNT,
                                 "AwsLambdaLayerVersion", BAD) for label in ("HIGH", "MEDIUM", "MEDIUM")]
    log4j = vulns[0]["Vulnerabilities"]
    assert log4j == [{
        "Id": "CVE-2021-44228",
        "VulnerablePackages": [{
            "Name": "org.apache.logging.log4j:log4j-core", "Version": "2.14.1", "PackageManager": "MAVEN",
            "FilePath": "java/lib/log4j-core-2.14.1.jar", "FixedInVersion": "2.15.0",
            "Remediation": "Upgrade org.apache.logging.log4j:log4j-core to 2.15.0 or later and publish a new layer "
                           "version"}],
        "Vendor": {"Name": "OSV", "Url": "https://osv.dev/vulnerability/CVE-2021-44228", "VendorSeverity": "CRITICAL",
                   "VendorCreatedAt": log4j[0]["Vendor"]["VendorCreatedAt"],
                   "VendorUpdatedAt": log4j[0]["Vendor"]["VendorUpdatedAt"]},
        "ReferenceUrls": ["https://osv.dev/vulnerability/CVE-2021-44228",
                          "https://osv.dev/vulnerability/GHSA-jfh8-c2jp-5v3q"],
        "FixAvailable": "YES",
        "Cvss": [{"Version": "3.1", "BaseScore": 10.0, "BaseVector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
                  "Source": "OSV"}],
        "RelatedVulnerabilities": ["GHSA-jfh8-c2jp-5v3q"],
    }]
    assert [v["Vulnerabilities"][0]["Id"] for v in vulns] == ["CVE-2021-44228", "CVE-2023-32681", "CVE-2023-45803"]


def test_sarif_has_the_same_findings(offline: Run) -> None:
    run = json.loads(offline.read("sarif"))["runs"][0]
    assert [(r["ruleId"], r["message"]["text"]) for r in run["results"]] == [(r, m) for r, _, m in FINDINGS]


def test_html_has_a_vulnerabilities_column_and_filter(offline: Run, tmp_path: Path) -> None:
    from cdp import Browser, chromium

    html = offline.read("html")
    assert "<h2>Known vulnerabilities (3)</h2>" in html
    executable = chromium()
    if executable is None:
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    browser = Browser(executable, tmp_path / "profile")
    try:
        page = browser.page()
        for domain in ("Runtime", "Page"):
            page.call(f"{domain}.enable")
        page.call("Page.navigate", url=offline.files["html"].resolve().as_uri())
        page.wait("Page.loadEventFired")
        shown = ("Array.from(document.querySelectorAll('#inventory tbody tr')).filter(r => !r.hidden)"
                 ".map(r => [r.cells[2].textContent, r.cells[14].textContent])")
        assert sorted(page.evaluate(shown)) == [
            ["api", "CVE-2021-44228 (critical 10.0), CVE-2023-32681 (medium 6.1), CVE-2023-45803 (medium 4.2)"],
            ["clean", "none known"],
            ["worker", "CVE-2021-44228 (critical 10.0), CVE-2023-32681 (medium 6.1), CVE-2023-45803 (medium 4.2)"],
        ]
        for value, expected in (("vulnerable", ["api", "worker"]), ("clean", ["clean"]), ("not-checked", []),
                                ("all", ["api", "clean", "worker"])):
            page.evaluate(f"(() => {{ const s = document.getElementById('vuln-filter'); s.value = '{value}'; "
                          "s.dispatchEvent(new Event('change')); return s.value; })()")
            assert sorted(name for name, _ in page.evaluate(shown)) == expected, value
        rows = "Array.from(document.querySelectorAll('#vulnerabilities tbody tr')).map(r => r.cells[2].textContent)"
        assert page.evaluate(rows) == ["CVE-2021-44228 (GHSA-jfh8-c2jp-5v3q)",
                                       "CVE-2023-32681 (GHSA-j8r2-6x86-q33q, PYSEC-2023-74)",
                                       "CVE-2023-45803 (GHSA-g4mx-q9vg-27p4, PYSEC-2023-212)"]
        assert [e for e in page.events if e.get("method") == "Runtime.exceptionThrown"] == []
    finally:
        browser.close()


def test_a_failing_advisory_lookup_is_reported_never_clean(deployed: Deployed,
                                                            tmp_path_factory: pytest.TempPathFactory) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    run = _inventory(deployed, tmp_path_factory.mktemp("failing"), "--vulns", "--osv-url", url, "--no-cache")
    assert run.status == 1
    problem = f"the advisory lookup failed: POST {url}/v1/querybatch: [Errno 111] Connection refused"
    assert f"NOT CHECKED: {problem}" in run.text.splitlines()
    doc = json.loads(run.read("json"))
    assert doc["vulnerabilities"]["problem"] == problem
    assert {v["arn"]: v["vulnerabilities"] for v in doc["layer_versions"]} == {
        arn: {"checked": False, "problem": problem, "vulnerable": None, "not_matched": None} for arn in (BAD, GOOD)}
    assert sorted((f["rule"], f["severity"], f["path"], f["message"]) for f in doc["findings"]) == [
        ("LG605", "error", GOOD, f"{GOOD} from {ACCOUNT}, loaded by function clean: not checked for known "
         f"vulnerabilities: {problem}"),
        ("LG605", "error", BAD, f"{WHERE}: not checked for known vulnerabilities: {problem}"),
    ]
    rows = list(csv.DictReader(io.StringIO(run.read("csv"), newline="")))
    assert {r["vulnerabilities"] for r in rows} == {f"not checked: {problem}"}


def test_a_layer_whose_zip_cannot_be_read_is_not_checked(deployed: Deployed,
                                                         tmp_path_factory: pytest.TempPathFactory) -> None:
    """The zip server answers 403 for one layer (an expired presigned URL) and other bytes for the other."""
    import hashlib

    zips = deployed.world.zips
    assert zips is not None
    bad_path, good_path = zips.path_for(BAD), zips.path_for(GOOD)
    saved = dict(zips.contents)
    tampered = bytes(reversed(deployed.fixed.zip))
    del zips.contents[bad_path]
    zips.contents[good_path] = tampered
    try:
        run = _inventory(deployed, tmp_path_factory.mktemp("unreadable"), "--advisories", str(OSV_DIR))
    finally:
        zips.contents.clear()
        zips.contents.update(saved)
    refused = "its content could not be read: not downloaded: download refused: HTTP 403 Forbidden"
    mismatch = (f"its content could not be read: the downloaded zip has SHA-256 {hashlib.sha256(tampered).hexdigest()}"
                f", not the published {deployed.fixed.sha256}: not read")
    doc = json.loads(run.read("json"))
    assert {v["arn"]: v["vulnerabilities"] for v in doc["layer_versions"]} == {
        BAD: {"checked": False, "problem": refused, "vulnerable": None, "not_matched": None},
        GOOD: {"checked": False, "problem": mismatch, "vulnerable": None, "not_matched": None}}
    assert sorted((f["rule"], f["severity"], f["message"]) for f in doc["findings"]) == [
        ("LG604", "note", f"{GOOD} from {ACCOUNT}, loaded by function clean: not checked for known vulnerabilities, "
         f"not known to be clean: {mismatch}"),
        ("LG604", "note", f"{WHERE}: not checked for known vulnerabilities, not known to be clean: {refused}"),
    ]
    assert f"  not checked: {refused}" in run.text.splitlines()


def test_the_osv_api_finds_what_the_offline_database_finds(deployed: Deployed,
                                                           tmp_path_factory: pytest.TempPathFactory) -> None:
    """Through the API client, against the loopback server that answers like api.osv.dev, with the cache:
    the same findings; a second run answers from the cache without a request."""
    from osv_server import osv_server

    with osv_server() as (url, state):
        first = _inventory(deployed, tmp_path_factory.mktemp("api"), "--vulns", "--osv-url", url)
        asked = len(state.requests)
        again = _inventory(deployed, tmp_path_factory.mktemp("api-cached"), "--vulns", "--osv-url", url)
        assert (asked > 0, len(state.requests)) == (True, asked)
    for run in (first, again):
        assert (run.status, _findings(run)) == (1, FINDINGS)
        assert json.loads(run.read("json"))["vulnerabilities"]["source"].startswith(f"OSV API {url}, cache ")


def test_only_what_matching_needs_is_kept_of_each_layer(tmp_path: Path) -> None:
    from layergate.inventory.layer_contents import compact
    from layergate.vulns.contents import local_packages
    from layergate.vulns.match import match

    found = local_packages(str(vulnerable_layer(tmp_path / "layer.zip")), cached=False)
    assert found is not None
    kept = compact(found)
    assert (kept.paths, kept.binaries, {p.files for p in kept.packages}) == (
        ("python/vendored_yaml/__init__.py",), ("lib/libcrypto.so.1.1",), {()})
    from layergate.vulns.offline import OfflineDatabase

    source = OfflineDatabase(str(OSV_DIR))
    assert match(kept.packages, source, kept.paths, kept.binaries).unmatched_files == \
        match(found.packages, source, found.paths, found.binaries).unmatched_files
