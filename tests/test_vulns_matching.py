"""Known-vulnerability matching on real OSV records (tests/fixtures/osv): version ordering per ecosystem, range
evaluation, withdrawn records, alias merging, severity, and the whole `inspect --vulns` output."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from vuln_layers import OSV_DIR, fixed_layer, vulnerable_layer

from layergate.cli import main
from layergate.layer.packages import Package
from layergate.vulns import osv
from layergate.vulns.match import match, query_for
from layergate.vulns.model import Query, Unknown
from layergate.vulns.offline import OfflineDatabase, _yaml
from layergate.vulns.severity import cvss2_score, cvss3_score, rating
from layergate.vulns.versions import Unorderable, sort_key

SCHEMA = Path(__file__).resolve().parent / "fixtures" / "osv-schema" / "schema.json"


def record(name: str) -> dict[str, Any]:
    path = next(OSV_DIR.glob(name + ".*"))
    value = json.loads(path.read_bytes()) if path.suffix == ".json" else _yaml(path.read_bytes())
    assert isinstance(value, dict)
    return value


RECORDS = sorted(p.stem for p in OSV_DIR.iterdir() if p.suffix in (".json", ".yaml"))


@pytest.mark.parametrize("name", RECORDS)
def test_fixture_records_are_valid_osv(name: str) -> None:
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(record(name))
    assert record(name)["id"] == name


@pytest.mark.parametrize(("ordering", "ascending"), [
    ("pep440", ["1.0.dev1", "1.0a1", "1.0b2", "1.0rc1", "1.0", "1.0.post1", "1.0.1", "1.9", "1.10", "2!0.1"]),
    ("semver", ["0.3.6", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta.2", "1.0.0-beta.11",
                "1.0.0-rc.1", "1.0.0", "1.9.0", "1.10.0"]),
    ("maven", ["1.0-alpha1", "1.0-beta", "1.0-milestone-1", "1.0-rc1", "1.0-SNAPSHOT", "1.0", "1.0-sp1",
               "1.0.1", "2.0-beta9", "2.0-rc1", "2.0", "2.3", "2.3.1", "2.12.2", "2.13.0", "2.15.0", "2.15.0.1"]),
    ("rubygems", ["1.0.a", "1.0.b1", "1.0.rc1", "1.0", "1.0.1", "1.1", "1.10"]),
])
def test_each_ecosystem_orders_its_versions(ordering: str, ascending: list[str]) -> None:
    keys = [sort_key(ordering, v) for v in ascending]
    assert all(a < b for a, b in itertools.pairwise(keys)), ascending


@pytest.mark.parametrize(("ordering", "same"), [
    ("pep440", ["2.0", "2.0.0"]), ("maven", ["1.0", "1.0.0", "1-ga", "1.0-final"]), ("rubygems", ["1.0", "1"]),
    ("semver", ["v0.3.7", "0.3.7"]),
])
def test_equal_versions(ordering: str, same: list[str]) -> None:
    assert len({sort_key(ordering, v) == sort_key(ordering, same[0]) for v in same}) == 1


@pytest.mark.parametrize(("ordering", "text"), [("pep440", "not-a-version"), ("semver", "1.2"), ("rubygems", "1..2")])
def test_a_version_the_ordering_refuses(ordering: str, text: str) -> None:
    with pytest.raises(Unorderable):
        sort_key(ordering, text)


@pytest.mark.parametrize(("name", "ecosystem", "package", "version", "affected"), [
    ("PYSEC-2023-74", "PyPI", "requests", "2.2.1", False),  # below "introduced: 2.3.0"
    ("PYSEC-2023-74", "PyPI", "requests", "2.3.0", True),
    ("PYSEC-2023-74", "PyPI", "Requests", "2.30.0", True),  # PyPI names compare normalized
    ("PYSEC-2023-74", "PyPI", "requests", "2.31.0", False),  # the fixed version
    ("PYSEC-2023-74", "PyPI", "requests", "2.31.0rc1", True),  # a prerelease of the fix is before it
    ("PYSEC-2018-28", "PyPI", "requests", "2.19.1", True),
    ("PYSEC-2018-28", "PyPI", "requests", "2.20.0", False),
    # two ranges listed out of order: introduced 2.0.0 fixed 2.0.6, introduced 0 fixed 1.26.17
    ("PYSEC-2023-192", "PyPI", "urllib3", "1.26.16", True),
    ("PYSEC-2023-192", "PyPI", "urllib3", "1.26.17", False),
    ("PYSEC-2023-192", "PyPI", "urllib3", "1.26.100", False),
    ("PYSEC-2023-192", "PyPI", "urllib3", "2.0.0", True),
    ("PYSEC-2023-192", "PyPI", "urllib3", "2.0.5", True),
    ("PYSEC-2023-192", "PyPI", "urllib3", "2.0.6", False),
    ("PYSEC-2023-192", "PyPI", "urllib3", "1.9", True),  # in the versions list as "1.9" and in the range
    ("GHSA-35jh-r3h4-6jhm", "npm", "lodash", "4.17.20", True),
    ("GHSA-35jh-r3h4-6jhm", "npm", "lodash", "4.17.21", False),
    ("GHSA-35jh-r3h4-6jhm", "npm", "lodash-es", "4.17.15", True),
    ("GHSA-35jh-r3h4-6jhm", "npm", "Lodash", "4.17.15", False),  # npm names are exact
    # Maven: three ranges (2.13.0..2.15.0, 0..2.3.1, 2.4..2.12.2) in Maven's ordering
    ("GHSA-jfh8-c2jp-5v3q", "Maven", "org.apache.logging.log4j:log4j-core", "2.14.1", True),
    ("GHSA-jfh8-c2jp-5v3q", "Maven", "org.apache.logging.log4j:log4j-core", "2.15.0", False),
    ("GHSA-jfh8-c2jp-5v3q", "Maven", "org.apache.logging.log4j:log4j-core", "2.0-beta9", True),
    ("GHSA-jfh8-c2jp-5v3q", "Maven", "org.apache.logging.log4j:log4j-core", "2.3", True),
    ("GHSA-jfh8-c2jp-5v3q", "Maven", "org.apache.logging.log4j:log4j-core", "2.3.1", False),
    ("GHSA-jfh8-c2jp-5v3q", "Maven", "org.apache.logging.log4j:log4j-core", "2.12.1", True),
    ("GHSA-jfh8-c2jp-5v3q", "Maven", "org.apache.logging.log4j:log4j-core", "2.12.2", False),
    ("GHSA-jfh8-c2jp-5v3q", "Maven", "org.apache.logging.log4j:log4j-core", "2.12.4", False),
    ("GHSA-jfh8-c2jp-5v3q", "Maven", "org.apache.logging.log4j:log4j-core", "2.13.0-rc1", False),
    ("GHSA-jfh8-c2jp-5v3q", "Maven", "org.apache.logging.log4j:log4j-api", "2.14.1", False),
    # Go: a SEMVER range; Go versions carry a leading v
    ("GO-2021-0113", "Go", "golang.org/x/text", "v0.3.6", True),
    ("GO-2021-0113", "Go", "golang.org/x/text", "0.3.7", False),
    ("GO-2021-0113", "Go", "golang.org/x/text", "v0.3.7-0.20210503195748-5c7c50ebbd4f", True),
])
def test_affected(name: str, ecosystem: str, package: str, version: str, affected: bool) -> None:
    entries = osv.affected_entries(record(name), ecosystem, package)
    assert any(osv.affects(e, ecosystem, version) for e in entries) is affected


def query(eco: str, name: str, version: str) -> Query:
    return Query(eco, name, version)


def test_offline_database_skips_withdrawn_records_and_matches_every_source_record() -> None:
    db = OfflineDatabase(str(OSV_DIR))
    asked = [query("PyPI", "requests", "2.19.0"), query("PyPI", "Flask-Caching", "1.9.0"),
             query("npm", "lodash", "4.17.21")]
    found = db.find(asked)
    assert {q.name: sorted(r["id"] for r in found[q]) for q in asked if not isinstance(found[q], Unknown)} == {
        "requests": ["GHSA-j8r2-6x86-q33q", "PYSEC-2018-28", "PYSEC-2023-74"],
        "Flask-Caching": [],  # PYSEC-2021-13 covers 1.9.0 but is withdrawn
        "lodash": [],
    }
    assert db.description == f"offline advisory database {OSV_DIR} (10 records)"


def test_a_zip_archive_as_osv_publishes_it(tmp_path: Path) -> None:
    import zipfile

    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in ("GHSA-35jh-r3h4-6jhm.json", "GHSA-jfh8-c2jp-5v3q.json"):
            zf.write(OSV_DIR / name, name)
    q = query("Maven", "org.apache.logging.log4j:log4j-core", "2.14.1")
    found = OfflineDatabase(str(archive)).find([q])[q]
    assert not isinstance(found, Unknown) and [r["id"] for r in found] == ["GHSA-jfh8-c2jp-5v3q"]


def test_aliases_of_one_cve_merge_into_one_vulnerability() -> None:
    pkg = Package("pypi", "requests", "2.19.0", "python/requests-2.19.0.dist-info")
    report = match([pkg], OfflineDatabase(str(OSV_DIR)))
    assert [(v.label(), v.rating.text(), v.fixed, v.summary) for v in report.results[0].vulnerabilities] == [
        # PYSEC-2018-28 has no severity of its own: unknown sorts first (it counts as meeting any threshold)
        ("CVE-2018-18074 (GHSA-x84v-xcm2-53pg, PYSEC-2018-28)", "unknown", ("2.20.0",),
         "The Requests package before 2.20.0 for Python sends an HTTP Authorization header to an http URI upon "
         "receiving a same..."),
        ("CVE-2023-32681 (GHSA-j8r2-6x86-q33q, PYSEC-2023-74)", "medium 6.1", ("2.31.0",),
         "Unintended leak of Proxy-Authorization header in requests"),
    ]


@pytest.mark.parametrize(("pkg", "reason"), [
    (Package("npm", "left-pad", "", "nodejs/node_modules/left-pad"), "its metadata gives no version"),
    (Package("maven", "internal-tools", "1.0", "java/lib/internal-tools-1.0.jar"),
     "jar without Maven coordinates (no META-INF/maven/.../pom.properties)"),
    (Package("pypi", "legacy", "master", "python/legacy.egg-info"), "'master' is not a PEP 440 version"),
])
def test_packages_that_cannot_be_matched_say_why(pkg: Package, reason: str) -> None:
    assert query_for(pkg) == reason


@pytest.mark.parametrize(("vector", "score"), [
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),  # log4j
    ("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N", 6.1),  # requests
    ("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 7.2),  # lodash
    ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N", 8.1),  # urllib3 PYSEC-2023-192
    ("CVSS:3.0/AV:L/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
    ("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6),
])
def test_cvss3_base_scores(vector: str, score: float) -> None:
    assert cvss3_score(vector) == score


def test_cvss2_and_stated_severities() -> None:
    assert cvss2_score("AV:N/AC:L/Au:N/C:P/I:P/A:P") == 7.5
    assert rating({"severity": [{"type": "CVSS_V2", "score": "AV:N/AC:L/Au:N/C:P/I:P/A:P"}]}).text() == "high 7.5"
    assert rating({"database_specific": {"severity": "MODERATE"}}).text() == "medium"
    assert rating({"severity": [{"type": "CVSS_V4", "score": "CVSS:4.0/AV:N"}]}).text() == "unknown"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_inspect_vulns_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    layer = vulnerable_layer(tmp_path / "old.zip")
    code, out, err = run(capsys, "inspect", str(layer), "--advisories", str(OSV_DIR))
    assert (code, err) == (1, "")
    section = out[out.index("Known vulnerabilities"):out.index("Files (")]
    assert section == f"""Known vulnerabilities (3 in 3 of 5 matched packages; offline advisory database {OSV_DIR} (10 records))
  java    org.apache.logging.log4j:log4j-core 2.14.1  CVE-2021-44228 (GHSA-jfh8-c2jp-5v3q)                  critical 10.0  fixed in 2.15.0   Remote code injection in Log4j
  python  requests 2.30.0                             CVE-2023-32681 (GHSA-j8r2-6x86-q33q, PYSEC-2023-74)   medium 6.1     fixed in 2.31.0   Unintended leak of Proxy-Authorization header in requests
  python  urllib3 1.26.17                             CVE-2023-45803 (GHSA-g4mx-q9vg-27p4, PYSEC-2023-212)  medium 4.2     fixed in 1.26.18  urllib3 is a user-friendly HTTP client library for Python. urllib3 previously wouldn't remove the HTTP request body w...

Not matched (4): not checked for vulnerabilities, not known to be clean
  java  internal-tools 1.0          java/lib/internal-tools-1.0.jar  jar without Maven coordinates (no META-INF/maven/.../pom.properties)
  node  left-pad (version unknown)  nodejs/node_modules/left-pad     its metadata gives no version
  -     lib/libcrypto.so.1.1                                         native library or executable without package metadata: nothing to match it by
  -     python/vendored_yaml/                                        Python code without package metadata (a vendored copy?): nothing to match it by

"""


def test_inspect_vulns_json_and_a_clean_layer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "inspect", str(fixed_layer(tmp_path / "new.zip")), "--advisories", str(OSV_DIR),
                       "--format", "json")
    assert code == 0
    assert json.loads(out)["vulnerabilities"] == {
        "source": f"offline advisory database {OSV_DIR} (10 records)", "vulnerable": [], "not_matched": [],
        "matched_packages": 4}


def test_sbom_vulnerabilities_section_validates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    code, out, _ = run(capsys, "inspect", str(vulnerable_layer(tmp_path / "old.zip")), "--advisories",
                       str(OSV_DIR), "--format", "cyclonedx")
    assert code == 1
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(out) is None
    bom = json.loads(out)
    summary = [(v["id"], [r["id"] for r in v.get("references", [])], v["ratings"][0]["severity"],
                v["ratings"][0].get("score"), v["recommendation"], [a["ref"] for a in v["affects"]])
               for v in bom["vulnerabilities"]]
    assert summary == [
        ("CVE-2021-44228", ["GHSA-jfh8-c2jp-5v3q"], "critical", 10.0, "Upgrade to 2.15.0 or later",
         ["pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1#java/lib/log4j-core-2.14.1.jar"]),
        ("CVE-2023-32681", ["GHSA-j8r2-6x86-q33q", "PYSEC-2023-74"], "medium", 6.1, "Upgrade to 2.31.0 or later",
         ["pkg:pypi/requests@2.30.0#python/requests-2.30.0.dist-info"]),
        ("CVE-2023-45803", ["GHSA-g4mx-q9vg-27p4", "PYSEC-2023-212"], "medium", 4.2, "Upgrade to 1.26.18 or later",
         ["pkg:pypi/urllib3@1.26.17#python/urllib3-1.26.17.dist-info"]),
    ]
    not_matched = {c["name"]: p["value"] for c in bom["components"] for p in c.get("properties", [])
                   if p["name"] == "layergate:not-matched"}
    assert not_matched == {"internal-tools": "jar without Maven coordinates (no META-INF/maven/.../pom.properties)",
                           "left-pad": "its metadata gives no version"}


def test_bad_advisory_input_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    layer = fixed_layer(tmp_path / "new.zip")
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "BROKEN-1.json").write_text('{"id": "BROKEN-1", "affected": [{"package": {"name": "requests"')
    code, _, err = run(capsys, "inspect", str(layer), "--advisories", str(tmp_path / "db"))
    assert code == 2
    assert err.startswith(f"layergate: error: {tmp_path / 'db' / 'BROKEN-1.json'}: not a valid OSV record: ")
    assert err.count("\n") == 1
    code, _, err = run(capsys, "inspect", str(layer), "--advisories", str(tmp_path / "missing"))
    assert (code, err) == (2, f"layergate: error: {tmp_path / 'missing'}: no such file or directory (--advisories)\n")
