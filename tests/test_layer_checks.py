"""LG601 and LG602 on layer content committed to the repository: zips and directories, content that cannot be
read, and a check run that stays light (no cyclonedx, packageurl or boto3 imported)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from layer_builder import ARM64, ET_DYN, ET_EXEC, X86_64, LayerZip, elf_file, write_tree

from layergate import catalog
from layergate.checks import Context, committed_native_binary, layer_extension_present
from layergate.layer.survey import content_survey
from layergate.model import ContentSource, Finding, LayerDef, Location, Scan, Severity
from layergate.policy import default_policy

REPO = Path(__file__).resolve().parent.parent
HERE = Location("template.yaml", 4, 3, "Resources/DepsLayer")
FIX_601 = committed_native_binary.RULE.fix
FIX_602 = layer_extension_present.RULE.fix


def scan_with(path: Path, uri: str = "layer.zip") -> Scan:
    content_survey.cache_clear()
    layer = LayerDef("DepsLayer", "deps", HERE, ContentSource("local", uri, local_path=str(path)))
    return Scan("template.yaml", "sam", layer_defs=(layer,))


def findings(scan: Scan) -> list[Finding]:
    ctx = Context(policy=default_policy(), catalog=catalog.load(), regions=("us-east-1",), today=dt.date(2026, 12, 1))
    return [*committed_native_binary.check(scan, ctx), *layer_extension_present.check(scan, ctx)]


def finding(rule: str, message: str) -> Finding:
    slug, fix = ("committed-native-binary", FIX_601) if rule == "LG601" else ("layer-extension-present", FIX_602)
    return Finding(rule, slug, Severity.WARNING, message, HERE, fix=fix, consumer="DepsLayer")


def test_zip_content_with_binaries_and_extensions(tmp_path: Path) -> None:
    layer = (LayerZip(tmp_path / "layer.zip")
             .add("python/a.so", elf_file(X86_64, ET_DYN))
             .add("python/b.so", elf_file(ARM64, ET_DYN))
             .add("bin/c", elf_file(X86_64, ET_EXEC), 0o755)
             .add("bin/d", elf_file(X86_64, ET_EXEC), 0o755)
             .add("extensions/collector", elf_file(ARM64, ET_EXEC), 0o755)
             .add("extensions/wrapper.sh", "#!/bin/sh\nexec /opt/bin/c\n", 0o755)
             .add("extensions/notes.txt", "not started: not executable\n", 0o644)
             .add("extensions/sub/helper", "#!/bin/sh\n", 0o755)  # only direct children are started
             .close())
    assert findings(scan_with(layer)) == [
        finding("LG601", "layer DepsLayer content layer.zip holds 5 compiled binaries: python/a.so (ELF 64-bit shared "
                "object, x86_64), python/b.so (ELF 64-bit shared object, arm64), bin/c (ELF 64-bit executable, "
                "x86_64) and 2 more; the build cannot be reproduced from the repository"),
        finding("LG602", "layer DepsLayer content layer.zip starts 2 extension processes: extensions/collector (ELF "
                "64-bit executable, arm64), extensions/wrapper.sh (script run by /bin/sh); each runs beside the "
                "handler with its environment, role and network"),
    ]


def test_directory_content_with_one_of_each(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "layers" / "deps", {
        "python/fast.cpython-312-x86_64-linux-gnu.so": elf_file(X86_64, ET_DYN),
        "extensions/agent": b"#!/usr/bin/env python3\n",
        "python/app.py": b"x = 1\n",
    }, {"extensions/agent": 0o755})
    assert findings(scan_with(root, "layers/deps/")) == [
        finding("LG601", "layer DepsLayer content layers/deps/ holds a compiled binary: "
                "python/fast.cpython-312-x86_64-linux-gnu.so (ELF 64-bit shared object, x86_64); the build cannot be "
                "reproduced from the repository"),
        finding("LG602", "layer DepsLayer content layers/deps/ starts an extension process: extensions/agent (script "
                "run by /usr/bin/env python3); each runs beside the handler with its environment, role and network"),
    ]


def test_source_only_content_is_quiet(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "deps", {"python/app.py": b"x = 1\n", "requirements.txt": b"requests==2.32.3\n",
                                          "extensions/README": b"nothing here\n"})
    assert findings(scan_with(root, "deps/")) == []


def test_a_plain_file_is_no_layer_content(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("requests==2.32.3\n")
    assert findings(scan_with(requirements, "requirements.txt")) == []


@pytest.mark.parametrize(("content", "reason"), [
    ("bomb", "expands {ratio}:1 to 5000000 bytes, more than the limit of 100:1 (zip bomb; --max-ratio)"),
    ("not-a-zip", "not a readable zip archive"),
    ("encrypted", "extensions/x: encrypted entry: its content cannot be inspected"),
])
def test_content_that_cannot_be_read_is_reported_by_both_rules(tmp_path: Path, content: str, reason: str) -> None:
    path = tmp_path / "layer.zip"
    if content == "bomb":
        LayerZip(path).add("python/zeros", bytes(5_000_000)).close()
        import zipfile
        reason = reason.format(ratio=5_000_000 // zipfile.ZipFile(path).getinfo("python/zeros").compress_size)
    elif content == "not-a-zip":
        path.write_bytes(b"PK but not really")
    else:
        LayerZip(path).add("extensions/x", "#!/bin/sh\n", 0o755).close()
        data = bytearray(path.read_bytes())
        for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            data[data.find(signature) + flag_at] |= 0x1
        path.write_bytes(bytes(data))
    assert findings(scan_with(path)) == [
        finding("LG601", f"layer DepsLayer content layer.zip could not be inspected ({reason}): compiled binaries "
                "cannot be ruled out"),
        finding("LG602", f"layer DepsLayer content layer.zip could not be inspected ({reason}): an extension "
                "cannot be ruled out"),
    ]


def test_s3_and_unresolved_content_is_not_looked_into(tmp_path: Path) -> None:
    layer = LayerDef("DepsLayer", "deps", HERE, ContentSource("s3", "s3://bucket/key.zip"))
    missing = LayerDef("Other", "other", HERE, ContentSource("local", "gone/", local_path=None))
    assert findings(Scan("template.yaml", "sam", layer_defs=(layer, missing))) == []


def test_check_on_a_serverless_service_stays_light(tmp_path: Path) -> None:
    service = tmp_path / "svc"
    write_tree(service, {
        "serverless.yml": b"service: s\nprovider:\n  name: aws\n  runtime: python3.12\n  region: us-east-1\n"
                          b"layers:\n  native:\n    path: layer\n",
        "layer/bin/tool": elf_file(X86_64, ET_EXEC),
    })
    probe = (
        "import sys\n"
        "from layergate.cli import main\n"
        "code = main(['check', '--format', 'text', '--no-color', sys.argv[1]])\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('cyclonedx', 'packageurl', 'boto3', 'botocore'))\n"
        "print('exit', code, 'heavy', heavy)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    proc = subprocess.run([sys.executable, "-c", probe, str(service)], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=60, check=False)
    assert proc.stdout.splitlines()[0] == (
        f"{service}/serverless.yml:7:3: LG601 warning  layer layers.native content layer holds a compiled binary: "
        "bin/tool "
        "(ELF 64-bit executable, x86_64); the build cannot be reproduced from the repository"
    ), proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1] == "exit 0 heavy []"
