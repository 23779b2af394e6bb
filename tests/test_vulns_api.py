"""The OSV API client against a real HTTP server on loopback that answers like the OSV API (tests/osv_server.py):
batch pagination with next_page_token, record fetches, retries on 5xx and time-outs, errors, the on-disk cache,
and `check` reading only that cache."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from osv_server import AFFECTED, OsvState, fixture_records, osv_server
from vuln_layers import vulnerable_layer

from layergate.cli import main
from layergate.vulns.api import OsvApi
from layergate.vulns.cache import AdvisoryCache, CachedSource
from layergate.vulns.model import AdvisoryError, Query, Unknown

REQUESTS = Query("PyPI", "requests", "2.30.0")
LOG4J = Query("Maven", "org.apache.logging.log4j:log4j-core", "2.14.1")
CLEAN = Query("npm", "lodash", "4.17.21")


def ids(answer: object) -> list[str]:
    assert isinstance(answer, tuple)
    return sorted(r["id"] for r in answer)


def test_batch_pages_and_records() -> None:
    with osv_server() as (url, state):
        found = OsvApi(url, jobs=4).find([REQUESTS, LOG4J, CLEAN])
    assert {q.name: ids(a) for q, a in found.items()} == {
        "requests": ["GHSA-j8r2-6x86-q33q", "PYSEC-2023-74"], "org.apache.logging.log4j:log4j-core":
        ["GHSA-jfh8-c2jp-5v3q"], "lodash": []}
    # one page each, then requests' second page by its token; then one GET per distinct record
    posts = [p for m, p in state.requests if m == "POST"]
    gets = sorted(p for m, p in state.requests if m == "GET")
    assert (posts, state.batch_sizes) == (["/v1/querybatch"] * 2, [3, 1])
    assert gets == ["/v1/vulns/GHSA-j8r2-6x86-q33q", "/v1/vulns/GHSA-jfh8-c2jp-5v3q", "/v1/vulns/PYSEC-2023-74"]


def test_large_inventories_are_sent_in_batches_of_1000() -> None:
    many = [Query("PyPI", f"pkg{i}", "1.0") for i in range(2500)]
    with osv_server() as (url, state):
        found = OsvApi(url).find(many)
    assert all(a == () for a in found.values()) and sorted(state.batch_sizes) == [500, 1000, 1000]


def test_server_errors_and_time_outs_are_retried() -> None:
    with osv_server() as (url, state):
        state.fail = {"/v1/querybatch": [503, 429], "/v1/vulns/": [502]}
        found = OsvApi(url, backoff=0.01).find([LOG4J])
        assert ids(found[LOG4J]) == ["GHSA-jfh8-c2jp-5v3q"]
        assert len(state.requests) == 5  # 503, 429, the batch; 502, the record
        state.delay = 0.5
        state.requests.clear()
        started = time.monotonic()
        with pytest.raises(AdvisoryError) as raised:
            OsvApi(url, timeout=0.1, retries=2, backoff=0.01).find([REQUESTS])
        assert str(raised.value) == f"POST {url}/v1/querybatch: timed out"
        assert len(state.requests) == 3 and time.monotonic() - started < 2.5


def test_a_client_error_is_not_retried() -> None:
    records = fixture_records()
    with osv_server(OsvState(records, {**AFFECTED, ("PyPI", "requests", "2.30.0"): ["GHSA-0000-0000-0000"]})) as (
            url, state):
        with pytest.raises(AdvisoryError) as raised:
            OsvApi(url, backoff=0.01).find([REQUESTS])
        assert str(raised.value) == f"GET {url}/v1/vulns/GHSA-0000-0000-0000: HTTP 404 Not Found"
        state.fail = {"/v1/querybatch": [400]}
        with pytest.raises(AdvisoryError) as raised:
            OsvApi(url, backoff=0.01).find([REQUESTS])
        assert str(raised.value) == f"POST {url}/v1/querybatch: HTTP 400 Bad Request"
        assert [p for _, p in state.requests].count("/v1/querybatch") == 2


def test_cache_answers_the_second_run_without_the_network(tmp_path: Path) -> None:
    cache = AdvisoryCache(str(tmp_path / "osv"))
    with osv_server() as (url, state):
        first = OsvApi(url, cache=cache).find([REQUESTS, CLEAN])
        count = len(state.requests)
        second = OsvApi(url, cache=cache).find([REQUESTS, CLEAN])
        assert len(state.requests) == count  # nothing asked again
    assert {q: ids(a) for q, a in first.items()} == {q: ids(a) for q, a in second.items()}
    offline = CachedSource(cache).find([REQUESTS, CLEAN, LOG4J])
    assert ids(offline[REQUESTS]) == ["GHSA-j8r2-6x86-q33q", "PYSEC-2023-74"] and offline[CLEAN] == ()
    assert offline[LOG4J] == Unknown("not in the advisory cache: run `layergate inspect LAYER --vulns` online "
                                     "first, or pass --advisories")


def test_stale_cache_entries_are_asked_again(tmp_path: Path) -> None:
    cache = AdvisoryCache(str(tmp_path / "osv"))
    with osv_server() as (url, state):
        OsvApi(url, cache=cache).find([CLEAN])
        for root, _, files in os.walk(tmp_path / "osv" / "queries"):
            for name in files:
                path = Path(root) / name
                path.write_text(path.read_text().replace('"fetched_at": "20', '"fetched_at": "19'))
        state.requests.clear()
        OsvApi(url, cache=cache).find([CLEAN])
        assert state.requests == [("POST", "/v1/querybatch")]


TEMPLATE = """AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  DepsLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: deps.zip
"""


def test_inspect_online_fills_the_cache_check_reads(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAYERGATE_CACHE_DIR", str(tmp_path / "cache"))
    layer = vulnerable_layer(tmp_path / "deps.zip")
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    (tmp_path / ".layergate.yaml").write_text("version: 1\nvulnerabilities:\n  fail_on: critical\n")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--no-color", "."]) == 1
    out, err = capsys.readouterr()
    assert "LG605 error  layer DepsLayer content deps.zip: not checked for known vulnerabilities" in out
    assert "note: known vulnerabilities not checked" in err
    with osv_server() as (url, _):
        assert main(["inspect", str(layer), "--vulns", "--osv-url", url, "-f", "json"]) == 1
    capsys.readouterr()
    assert main(["check", "--no-color", "."]) == 1
    out, _ = capsys.readouterr()
    assert [line for line in out.splitlines() if " LG60" in line] == [
        "template.yaml:4:3: LG601 warning  layer DepsLayer content deps.zip holds a compiled binary: "
        "lib/libcrypto.so.1.1 (ELF 64-bit shared object, x86_64); the build cannot be reproduced from the repository",
        "template.yaml:4:3: LG603 error  layer DepsLayer content deps.zip: org.apache.logging.log4j:log4j-core 2.14.1 "
        "(java/lib/log4j-core-2.14.1.jar) has CVE-2021-44228 (GHSA-jfh8-c2jp-5v3q), severity critical 10.0, "
        "fixed in 2.15.0: Remote code injection in Log4j",
        "template.yaml:4:3: LG603 warning  layer DepsLayer content deps.zip: requests 2.30.0 "
        "(python/requests-2.30.0.dist-info) has CVE-2023-32681 (GHSA-j8r2-6x86-q33q, PYSEC-2023-74), severity "
        "medium 6.1, fixed in 2.31.0: Unintended leak of Proxy-Authorization header in requests",
        "template.yaml:4:3: LG603 warning  layer DepsLayer content deps.zip: urllib3 1.26.17 "
        "(python/urllib3-1.26.17.dist-info) has CVE-2023-45803 (GHSA-g4mx-q9vg-27p4, PYSEC-2023-212), severity "
        "medium 4.2, fixed in 1.26.18: urllib3 is a user-friendly HTTP client library for Python. urllib3 "
        "previously wouldn't remove the HTTP request body w...",
        "template.yaml:4:3: LG604 note  layer DepsLayer content deps.zip: 4 items not matched against advisories, "
        "not known to be clean: internal-tools 1.0 (jar without Maven coordinates (no META-INF/maven/.../pom.properties)"
        "), left-pad (version unknown) (its metadata gives no version), lib/libcrypto.so.1.1 (native library or "
        "executable without package metadata: nothing to match it by) and 1 more",
    ]


def test_api_failure_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    layer = vulnerable_layer(tmp_path / "deps.zip")
    with osv_server() as (url, state):
        state.fail = {"/v1/querybatch": [400]}
        code = main(["inspect", str(layer), "--vulns", "--no-cache", "--osv-url", url])
    _, err = capsys.readouterr()
    assert (code, err) == (2, f"layergate: error: POST {url}/v1/querybatch: HTTP 400 Bad Request\n")
