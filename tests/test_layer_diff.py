"""`layergate diff OLD NEW`: the whole text and Markdown outputs for a vendor layer's next version, the JSON,
and the exit codes (0 identical, 1 different, 2 error)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from layer_builder import LayerZip, review_layer, write_review_layer, write_tree

from layergate.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def short(name: str, version: int) -> str:
    return hashlib.sha256(review_layer(version)[name][0]).hexdigest()[:12]


@pytest.fixture
def layers(tmp_path: Path) -> tuple[Path, Path]:
    return write_review_layer(tmp_path / "v1.zip", 1), write_review_layer(tmp_path / "v2.zip", 2)


def test_text_diff(layers: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    old, new = layers
    code, out, err = run(capsys, "diff", str(old), str(new))
    assert (code, err) == (1, "")
    agent = f"sha256 {short('acme-agent/bin/agent', 1)} -> {short('acme-agent/bin/agent', 2)}, 100 -> 107 bytes"
    utils = f"sha256 {short('python/handler_utils.py', 1)} -> {short('python/handler_utils.py', 2)}, 12 -> 13 bytes"
    assert out == f"""OLD {old}
NEW {new}
Summary: 1 package added, 1 package removed, 1 package upgraded, 1 package downgraded, 1 package changed, \
4 endpoints added, 2 endpoints removed, 1 extension added, 1 binary added, 1 binary changed, 2 files added, \
1 file removed, 2 files changed

Packages (5)
  removed     java    com.fasterxml.jackson.core:jackson-core  2.17.1                java/lib/jackson-core-2.17.1.jar
  added       node    left-pad                                 1.3.0                 nodejs/node_modules/left-pad
  upgraded    python  requests                                 2.31.0 -> 2.32.3      5 files changed
  changed     python  six                                      1.16.0, same version  2 files changed without a \
version change: python/six-1.16.0.dist-info/RECORD, python/six.py
  downgraded  python  urllib3                                  2.2.1 -> 1.26.19      4 files changed

Network endpoints (6)
  added    collect.exfil.example.io                   extensions/exfil
  added    evil.example.net                           python/six.py
  added    https://api.acme.example.com/v2            python/requests/api.py
  added    https://ingest.acme-mirror.example.net/v1  acme-agent/bin/agent
  removed  https://api.acme.example.com/v1            python/requests/api.py
  removed  https://ingest.acme.example.com/v1         acme-agent/bin/agent

Extensions (1)
  added  extensions/exfil  ELF 64-bit executable, arm64; 90 bytes

Native binaries (2)
  changed  acme-agent/bin/agent  ELF 64-bit executable, x86_64; {agent}
  added    extensions/exfil      ELF 64-bit executable, arm64; 90 bytes

Other files (5)
  added    config/new.json          24 bytes
  removed  config/settings.json
  added    python/evil              11 bytes; a symlink (not followed)
  changed  python/handler_utils.py  {utils}
  changed  python/tool.py           mode 0644 -> 0755

Hostile or unreadable entries new in NEW (1)
  symlink  python/evil  symbolic link (not followed)
"""


def test_markdown_diff_for_a_pull_request(layers: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    old, new = layers
    code, out, _ = run(capsys, "diff", str(old), str(new), "--format", "markdown")
    assert code == 1
    assert out.startswith(f"### layergate diff: `{old}` → `{new}`\n\n**1 package added, 1 package removed, ")
    assert """
#### Packages (5)

| change | runtime | package | version | note |
|---|---|---|---|---|
| removed | java | `com.fasterxml.jackson.core:jackson-core` | 2.17.1 | java/lib/jackson-core-2.17.1.jar |
| added | node | `left-pad` | 1.3.0 | nodejs/node_modules/left-pad |
| upgraded | python | `requests` | 2.31.0 -> 2.32.3 | 5 files changed |
| changed | python | `six` | 1.16.0, same version | 2 files changed without a version change: \
python/six-1.16.0.dist-info/RECORD, python/six.py |
| downgraded | python | `urllib3` | 2.2.1 -> 1.26.19 | 4 files changed |

#### Network endpoints (6)
""" in out
    assert out.endswith("""
#### Hostile or unreadable entries new in NEW (1)

| kind | path | message |
|---|---|---|
| symlink | `python/evil` | symbolic link (not followed) |
""")


def test_long_markdown_sections_fold(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = LayerZip(tmp_path / "a.zip").add("python/keep.py", "x\n").close()
    new = LayerZip(tmp_path / "b.zip")
    for i in range(21):
        new.add(f"python/gen{i:02}.py", f"n = {i}\n")
    code, out, _ = run(capsys, "diff", str(old), str(new.close()), "-f", "markdown")
    assert code == 1
    assert "<details><summary><b>Other files</b> (22)</summary>\n\n| change | path | detail |" in out
    assert out.endswith("| removed | `python/keep.py` |  |\n\n</details>\n")


def test_json_diff(layers: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    old, new = layers
    code, out, _ = run(capsys, "diff", str(old), str(new), "-f", "json")
    doc = json.loads(out)
    assert (code, doc["format_version"], doc["identical"]) == (1, 1, False)
    assert doc["summary"] == {
        "packages_added": 1, "packages_removed": 1, "packages_upgraded": 1, "packages_downgraded": 1,
        "packages_changed": 1, "endpoints_added": 4, "endpoints_removed": 2, "extensions_added": 1,
        "extensions_removed": 0, "extensions_changed": 0, "binaries_added": 1, "binaries_removed": 0,
        "binaries_changed": 1, "files_added": 2, "files_removed": 1, "files_changed": 2,
    }
    assert doc["packages"][3] == {
        "kind": "changed", "runtime": "python", "ecosystem": "pypi", "name": "six", "old_version": "1.16.0",
        "new_version": "1.16.0", "path": "python/six-1.16.0.dist-info",
        "changed_files": ["python/six-1.16.0.dist-info/RECORD", "python/six.py"],
    }
    exfil = review_layer(2)["extensions/exfil"][0]
    assert doc["extensions"] == [{
        "kind": "added", "path": "extensions/exfil", "detail": "ELF 64-bit executable, arm64", "old": None,
        "new": {"path": "extensions/exfil", "size": len(exfil), "sha256": hashlib.sha256(exfil).hexdigest(),
                "mode": "0755"},
    }]
    assert doc["endpoints_removed"] == [
        {"value": "https://api.acme.example.com/v1", "kind": "url", "files": ["python/requests/api.py"]},
        {"value": "https://ingest.acme.example.com/v1", "kind": "url", "files": ["acme-agent/bin/agent"]},
    ]
    assert doc["new_problems"] == [{"kind": "symlink", "path": "python/evil", "message": "symbolic link (not followed)"}]


def test_identical_layers_exit_0_whatever_their_form(layers: tuple[Path, Path], tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    old, _ = layers
    files = review_layer(1)
    root = write_tree(tmp_path / "dir", {n: d for n, (d, _) in files.items()}, {n: m for n, (_, m) in files.items()})
    code, out, _ = run(capsys, "diff", str(old), str(root))
    assert (code, out) == (0, f"OLD {old}\nNEW {root}\nSummary: identical: no file differs\n")
    code, out, _ = run(capsys, "diff", str(old), str(old), "-f", "json")
    assert (code, json.loads(out)["identical"]) == (0, True)


def test_a_permission_change_alone_is_a_difference(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = LayerZip(tmp_path / "a.zip").add("extensions/agent", "#!/bin/sh\n", 0o644).close()
    new = LayerZip(tmp_path / "b.zip").add("extensions/agent", "#!/bin/sh\n", 0o755).close()
    code, out, _ = run(capsys, "diff", str(old), str(new))
    assert code == 1
    assert out.endswith("Summary: 1 extension changed\n\nExtensions (1)\n"
                        "  changed  extensions/agent  script run by /bin/sh; mode 0644 -> 0755\n")


def test_a_side_that_cannot_be_read_completely_is_an_error(layers: tuple[Path, Path], tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    old, _ = layers
    bomb = LayerZip(tmp_path / "bomb.zip").add("python/zeros", bytes(5_000_000)).close()
    code, out, err = run(capsys, "diff", str(old), str(bomb))
    assert (code, out) == (2, "")
    assert err.startswith(f"layergate: error: {bomb}: NEW could not be read completely (python/zeros: expands ")
    assert err.endswith("more than the limit of 100:1 (zip bomb; --max-ratio)); nothing to compare\n")
    assert run(capsys, "diff", str(old), str(tmp_path / "nope.zip"))[:2] == (2, "")
