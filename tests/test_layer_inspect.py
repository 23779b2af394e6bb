"""`layergate inspect`: the whole text output, the JSON, and a CycloneDX 1.6 SBOM validated against the schema
cyclonedx-python-lib ships."""

from __future__ import annotations

import hashlib
import json
import platform
from pathlib import Path

import pytest
from layer_builder import LayerZip, review_layer, system_elf_executable, system_elf_shared_object, write_review_layer
from layer_builder import write_tree as write_dir

from layergate.cli import main
from layergate.layer.inspect_report import file_json, file_line
from layergate.layer.inventory import FileEntry, inspect_layer


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def h(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def v1(tmp_path: Path) -> Path:
    return write_review_layer(tmp_path / "vendor-v1.zip", 1)


def test_text_output(v1: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = review_layer(1)
    code, out, err = run(capsys, "inspect", str(v1))
    assert (code, err) == (0, "")
    listing = "\n".join(f"  {h(data)}  {len(data):>3}  {name}" for name, (data, _) in files.items())
    assert out == f"""Layer {v1}
  sha256 {h(v1.read_bytes())} (zip)
  18 files, 1.8 KB unzipped

Packages (5)
  java    com.fasterxml.jackson.core:jackson-core 2.17.1  java/lib/jackson-core-2.17.1.jar
  node    @acme/telemetry 1.4.0                           nodejs/node_modules/@acme/telemetry
  python  requests 2.31.0                                 python/requests-2.31.0.dist-info
  python  six 1.16.0                                      python/six-1.16.0.dist-info
  python  urllib3 2.2.1                                   python/urllib3-2.2.1.dist-info

Extensions (1)
  extensions/acme-agent  script run by /bin/bash  executable

Native binaries (1)
  acme-agent/bin/agent  ELF 64-bit executable, x86_64

Network endpoints (3)
  https://api.acme.example.com/v1            python/requests/api.py
  https://ingest.acme.example.com/v1         acme-agent/bin/agent
  https://telemetry.acme.example.com/ingest  nodejs/node_modules/@acme/telemetry/index.js

Files (18)
{listing}
"""


def test_json_output(v1: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = review_layer(1)
    code, out, _ = run(capsys, "inspect", str(v1), "--format", "json")
    doc = json.loads(out)
    jar = files["java/lib/jackson-core-2.17.1.jar"][0]
    assert code == 0
    assert (doc["format_version"], doc["tool"]["name"]) == (1, "layergate")
    assert doc["layer"] == {"source": str(v1), "archive_sha256": h(v1.read_bytes()), "complete": True,
                            "file_count": 18, "total_size": sum(len(d) for d, _ in files.values())}
    assert doc["problems"] == []
    assert doc["packages"][0] == {
        "runtime": "java", "ecosystem": "maven", "group": "com.fasterxml.jackson.core", "name": "jackson-core",
        "version": "2.17.1", "purl": "pkg:maven/com.fasterxml.jackson.core/jackson-core@2.17.1",
        "path": "java/lib/jackson-core-2.17.1.jar", "hashes": {"SHA-256": h(jar), "SHA-1": hashlib.sha1(jar).hexdigest()},
        "hashed_file": "java/lib/jackson-core-2.17.1.jar", "file_count": 1,
    }
    assert [(p["runtime"], p["name"], p["version"], p["purl"], p["file_count"]) for p in doc["packages"][1:]] == [
        ("node", "@acme/telemetry", "1.4.0", "pkg:npm/%40acme/telemetry@1.4.0", 2),
        ("python", "requests", "2.31.0", "pkg:pypi/requests@2.31.0", 4),
        ("python", "six", "1.16.0", "pkg:pypi/six@1.16.0", 3),
        ("python", "urllib3", "2.2.1", "pkg:pypi/urllib3@2.2.1", 3),
    ]
    agent = files["extensions/acme-agent"][0]
    assert doc["extensions"] == [{"path": "extensions/acme-agent", "kind": "script", "detail": "script run by /bin/bash",
                                  "executable": True, "sha256": h(agent)}]
    binary = files["acme-agent/bin/agent"][0]
    assert doc["binaries"] == [{"path": "acme-agent/bin/agent", "type": "executable", "arch": "x86_64", "bits": 64,
                                "sha256": h(binary)}]
    assert doc["endpoints"][1] == {"value": "https://ingest.acme.example.com/v1", "kind": "url",
                                   "files": ["acme-agent/bin/agent"]}
    assert doc["files"][14] == {"path": "extensions/acme-agent", "size": len(agent), "sha256": h(agent),
                                "mode": "0755"}


def test_cyclonedx_sbom_validates_and_has_a_component_per_package(v1: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    files = review_layer(1)
    code, out, _ = run(capsys, "inspect", str(v1), "--format", "cyclonedx")
    assert code == 0
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(out) is None
    bom = json.loads(out)
    assert (bom["bomFormat"], bom["specVersion"]) == ("CycloneDX", "1.6")
    assert bom["metadata"]["component"]["name"] == str(v1)
    assert bom["metadata"]["component"]["hashes"] == [{"alg": "SHA-256", "content": h(v1.read_bytes())}]

    def meta(path: str) -> list[dict[str, str]]:
        return [{"alg": "SHA-256", "content": h(files[path][0])}]

    jar = files["java/lib/jackson-core-2.17.1.jar"][0]
    components = {c["bom-ref"]: c for c in bom["components"]}
    packages = sorted((c.get("purl"), c.get("group"), c["name"], c.get("version"), c["hashes"])
                      for c in components.values() if c["type"] == "library")
    assert packages == [
        ("pkg:maven/com.fasterxml.jackson.core/jackson-core@2.17.1", "com.fasterxml.jackson.core", "jackson-core",
         "2.17.1", [{"alg": "SHA-1", "content": hashlib.sha1(jar).hexdigest()}, {"alg": "SHA-256", "content": h(jar)}]),
        ("pkg:npm/%40acme/telemetry@1.4.0", "@acme", "telemetry", "1.4.0",
         meta("nodejs/node_modules/@acme/telemetry/package.json")),
        ("pkg:pypi/requests@2.31.0", None, "requests", "2.31.0", meta("python/requests-2.31.0.dist-info/METADATA")),
        ("pkg:pypi/six@1.16.0", None, "six", "1.16.0", meta("python/six-1.16.0.dist-info/METADATA")),
        ("pkg:pypi/urllib3@2.2.1", None, "urllib3", "2.2.1", meta("python/urllib3-2.2.1.dist-info/METADATA")),
    ]
    file_parts = sorted((c["name"], {p["name"]: p["value"] for p in c["properties"]}) for c in components.values()
                        if c["type"] == "file")
    assert file_parts == [
        ("acme-agent/bin/agent", {"layergate:role": "native-binary",
                                  "layergate:detail": "ELF 64-bit executable, x86_64"}),
        ("extensions/acme-agent", {"layergate:role": "extension", "layergate:detail": "script run by /bin/bash"}),
    ]
    requests = components["pkg:pypi/requests@2.31.0#python/requests-2.31.0.dist-info"]
    assert requests["properties"] == [
        {"name": "layergate:hashed-file", "value": "python/requests-2.31.0.dist-info/METADATA"},
        {"name": "layergate:path", "value": "python/requests-2.31.0.dist-info"},
    ]


def test_hostile_entries_make_the_exit_status_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    v2 = write_review_layer(tmp_path / "vendor-v2.zip", 2)
    code, out, _ = run(capsys, "inspect", str(v2))
    assert code == 1
    assert "\nProblems (1)\n  symlink  python/evil  symbolic link (not followed)\n" in out
    code, out, _ = run(capsys, "inspect", str(v2), "--format", "cyclonedx")
    assert code == 1  # the SBOM is still written; the status says the layer needs a closer look
    assert json.loads(out)["specVersion"] == "1.6"


def test_a_directory_reads_like_its_zip(v1: Path, tmp_path: Path) -> None:
    files = review_layer(1)
    root = write_dir(tmp_path / "dir", {n: d for n, (d, _) in files.items()}, {n: m for n, (_, m) in files.items()})
    from_zip, from_dir = inspect_layer(str(v1)), inspect_layer(str(root))
    assert sorted(from_zip.files, key=str) == sorted(from_dir.files, key=str)
    assert (from_zip.packages, from_zip.extensions, from_zip.binaries, from_zip.endpoints) == (
        from_dir.packages, from_dir.extensions, from_dir.binaries, from_dir.endpoints)


def test_real_binaries_copied_from_this_system(tmp_path: Path) -> None:
    exe, lib = system_elf_executable(), system_elf_shared_object()
    layer = (LayerZip(tmp_path / "native.zip")
             .add("bin/tool", exe.read_bytes(), 0o755)
             .add(f"python/{lib.name}", lib.read_bytes())
             .add("python/not-elf.so", b"#!/bin/sh\n")
             .close())
    arch = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}[platform.machine().lower()]
    found = [(b.path, b.elf.kind, b.elf.arch, b.elf.bits) for b in inspect_layer(str(layer)).binaries]
    assert found[1] == (f"python/{lib.name}", "shared object", arch, 64)
    assert found[0][0] == "bin/tool" and found[0][1] in ("executable", "executable (PIE)") and found[0][2:] == (arch, 64)
    assert len(found) == 2


@pytest.mark.parametrize("entry", [
    FileEntry('python/\u00e4"\\x.py', 12, "ab" * 32, 0o755),
    FileEntry("python/link", 7, "cd" * 32, None, symlink=True),
    FileEntry("python/secret.py", 3, "", 0o600),
])
def test_json_file_lines_are_the_file_records(entry: FileEntry) -> None:
    assert json.loads(file_line(entry)) == file_json(entry)
