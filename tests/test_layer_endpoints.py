"""Network endpoints: URLs and bare host names in text and in the printable strings of binaries."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from layer_builder import LayerZip, system_elf_executable

from layergate.layer.endpoints import StreamScan, find_endpoints, should_scan
from layergate.layer.inventory import inspect_layer

CODE = b"""import os, requests
API = "https://api.vendor.example.com/v2/ingest?key=" + os.environ["KEY"]
BACKUP = 'telemetry.vendor-example.net'  # logger.info(process.env.dev) setup.py socket.io
from org.apache.commons.io import IOUtils; Foo.com; my_host.com; cookie_domain = ".corp.example.org"
fmt = "%s://%s/%s" % (scheme, host, path); tpl = f"https://{region}.lambda.amazonaws.com/2015-03-31/functions"
see [the docs](http://docs.example.com/guide). Mail ops@alerts.example.de; file:///etc/passwd
IMDS = "http://169.254.169.254/latest/meta-data/iam/"; LOCAL = "http://localhost:2773/systemmanager"
ws = "wss://stream.example.io:8443/feed"; odd = "HTTPS://API.EXAMPLE.COM/Path"
"""


def test_urls_and_hosts_in_code() -> None:
    assert sorted(find_endpoints(CODE)) == [
        "alerts.example.de",
        "corp.example.org",
        "http://169.254.169.254/latest/meta-data/iam/",
        "http://docs.example.com/guide",
        "http://localhost:2773/systemmanager",
        "https://api.example.com/Path",
        "https://api.vendor.example.com/v2/ingest?key=",
        "https://{region}.lambda.amazonaws.com/2015-03-31/functions",
        "socket.io",
        "telemetry.vendor-example.net",
        "wss://stream.example.io:8443/feed",
    ]


@pytest.mark.parametrize("text", [
    b"logger.info('x')", b"process.env.dev", b"import setup.py", b"org.apache.commons.io.IOUtils",
    b"self.ca = ca", b"x.co", b"a.b.c", b"version 1.2.3.4", b"Foo.com", b"my_host.com", b"%s://%s",
    b"file:///etc/hosts", b"data://text/plain", b"https://", b"http://no-dot/path",
])
def test_noise_is_not_an_endpoint(text: bytes) -> None:
    assert find_endpoints(text) == set()


def test_stream_scan_finds_the_same_as_one_pass_wherever_the_pieces_split() -> None:
    rng = random.Random(7)
    filler = bytes(rng.randrange(256) for _ in range(3000))
    data = b"".join(filler[: rng.randrange(3000)] + CODE for _ in range(40))
    whole = find_endpoints(data)
    assert len(whole) == 11
    for _ in range(30):
        cuts = sorted(rng.sample(range(1, len(data)), rng.randrange(1, 60)))
        stream = StreamScan()
        for start, end in zip([0, *cuts], [*cuts, len(data)], strict=True):
            stream.feed(data[start:end])
        assert stream.finish() == whole


def test_stream_scan_over_exact_boundaries() -> None:
    url = b"https://boundary.example.com/path/to/something"
    for shift in range(len(url) + 2):
        data = b"x" * (8192 - shift) + b" " + url + b" " + b"y" * 9000
        stream = StreamScan()
        for i in range(0, len(data), 8192):
            stream.feed(data[i:i + 8192])
        assert stream.finish() == {url.decode()}, shift


def test_endpoints_in_the_printable_strings_of_a_binary(tmp_path: Path) -> None:
    elf = system_elf_executable().read_bytes()
    binary = elf + b"\x00\x01\x02https://collector.example-apm.io/v1/traces\x00\xff\xfeapm-backup.example.com\x00"
    layer = LayerZip(tmp_path / "bin.zip").add("extensions/apm-agent", binary, 0o755).close()
    contents = inspect_layer(str(layer))
    found = {e.value: e.files for e in contents.endpoints}
    assert found["https://collector.example-apm.io/v1/traces"] == ("extensions/apm-agent",)
    assert found["apm-backup.example.com"] == ("extensions/apm-agent",)
    assert [(b.path, b.elf.kind.split(" ")[0]) for b in contents.binaries] == [("extensions/apm-agent", "executable")]


def test_endpoints_are_deduplicated_with_their_files(tmp_path: Path) -> None:
    layer = (LayerZip(tmp_path / "dedup.zip")
             .add("python/a.py", "U = 'https://api.example.com/x'; U2 = 'https://api.example.com/x'\n")
             .add("python/b.py", "V = 'https://api.example.com/x'\n")
             .add("python/README.md", "https://docs.example.com/ is documentation\n")
             .add("python/pkg-1.0.dist-info/METADATA", "Name: pkg\nVersion: 1.0\nHome-page: https://pkg.example/\n")
             .close())
    contents = inspect_layer(str(layer))
    assert [(e.value, e.kind, e.files) for e in contents.endpoints] == [
        ("https://api.example.com/x", "url", ("python/a.py", "python/b.py")),
    ]


@pytest.mark.parametrize(("path", "scanned"), [
    ("python/history.py", True),
    ("python/license.py", True),
    ("python/LICENSE", False),
    ("python/LICENSE-MIT.txt", False),
    ("README.md", False),
    ("python/docs/guide.rst", False),
    ("python/x-1.0.dist-info/METADATA", False),
    ("python/x-1.0.egg-info", False),
    ("nodejs/node_modules/a/package.json", False),
    ("nodejs/node_modules/@s/a/package.json", False),
    ("nodejs/node_modules/a/config/package.json", True),
    ("java/lib/x.jar", False),
    ("python/static/logo.png", False),
    ("bin/agent", True),
])
def test_which_files_are_scanned(path: str, scanned: bool) -> None:
    assert should_scan(path) is scanned
