"""`layergate diff --vulns`: advisories fixed and introduced by a new layer version, in text, JSON and markdown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from vuln_layers import OSV_DIR, fixed_layer, vulnerable_layer

from layergate.cli import main


@pytest.fixture
def layers(tmp_path: Path) -> tuple[str, str]:
    return str(vulnerable_layer(tmp_path / "old.zip")), str(fixed_layer(tmp_path / "new.zip"))


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().out


def test_upgrade_fixes_three_vulnerabilities(layers: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "diff", *layers, "--advisories", str(OSV_DIR))
    assert code == 1
    section = out[out.index("Known vulnerabilities"):out.index("Native binaries")]
    assert section == f"""Known vulnerabilities (3 fixed, 0 introduced, 0 remaining; offline advisory database {OSV_DIR} (10 records))
  fixed  org.apache.logging.log4j:log4j-core 2.14.1  CVE-2021-44228 (GHSA-jfh8-c2jp-5v3q)                  critical 10.0  Remote code injection in Log4j
  fixed  requests 2.30.0                             CVE-2023-32681 (GHSA-j8r2-6x86-q33q, PYSEC-2023-74)   medium 6.1     Unintended leak of Proxy-Authorization header in requests
  fixed  urllib3 1.26.17                             CVE-2023-45803 (GHSA-g4mx-q9vg-27p4, PYSEC-2023-212)  medium 4.2     urllib3 is a user-friendly HTTP client library for Python. urllib3 previously wouldn't remove the HTTP request body w...

"""


def test_downgrade_introduces_them_json(layers: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    old, new = layers
    _, out = run(capsys, "diff", new, old, "--advisories", str(OSV_DIR), "--format", "json")
    vulns = json.loads(out)["vulnerabilities"]
    assert (vulns["fixed"], vulns["remaining"]) == ([], [])
    assert [(c["name"], c["version"], c["vulnerability"]["id"], c["vulnerability"]["fixed"])
            for c in vulns["introduced"]] == [
        ("log4j-core", "2.14.1", "CVE-2021-44228", ["2.15.0"]), ("requests", "2.30.0", "CVE-2023-32681", ["2.31.0"]),
        ("urllib3", "1.26.17", "CVE-2023-45803", ["1.26.18", "2.0.7"])]
    assert [(c["name"], c["reason"]) for c in vulns["not_matched"]] == [
        ("internal-tools", "jar without Maven coordinates (no META-INF/maven/.../pom.properties)"),
        ("left-pad", "its metadata gives no version")]


def test_same_layer_keeps_them_remaining_markdown(layers: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    old, _ = layers
    code, out = run(capsys, "diff", old, old, "--advisories", str(OSV_DIR), "--format", "markdown")
    assert code == 0
    table = out[out.index("#### Known vulnerabilities"):].split("\n\n")[1]
    assert table.splitlines()[2] == ("| remaining | org.apache.logging.log4j:log4j-core 2.14.1 | CVE-2021-44228 "
                                     "(GHSA-jfh8-c2jp-5v3q) | critical 10.0 | Remote code injection in Log4j |")
    assert len(table.splitlines()) == 2 + 3 + 2  # header, three remaining, two not matched
