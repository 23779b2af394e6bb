"""Editing the policy's layers: list: whole-file comparisons, byte for byte."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import pytest

from layergate import yamlnodes
from layergate.errors import PolicyError
from layergate.lockfile import Edit, LockFile
from layergate.yamlscalar import render

ARN_X = "arn:aws:lambda:us-east-1:111111111111:layer:x:1"
ARN_DD = "arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:56"
NEW = (
    ("sha256", "ab" * 32),
    ("code_size", 123),
    ("recorded_at", "2026-11-30T12:00:00Z"),
    ("extension", False),
    ("reviewed_by", None),
    ("reviewed_at", None),
)
NEW_BLOCK = """\
  - arn: arn:aws:lambda:us-east-1:111111111111:layer:x:1
    sha256: abababababababababababababababababababababababababababababababab
    code_size: 123
    recorded_at: "2026-11-30T12:00:00Z"
    extension: false
    reviewed_by:
    reviewed_at:
"""

POLICY = """\
# layergate policy
version: 1
regions: [us-east-1, eu-west-1]   # where we deploy

publishers:
  - vendor: datadog
    layers: ["Datadog-Extension*"]
  -   account: '123456789012'
      name: platform-team

layers:
  # reviewed by security, ticket SEC-12
  - arn: arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:56
    sha256: 9f3c00e1   # from the vendor
    reviewed_by: alice
    reviewed_at: 2026-11-02
    note: |
      sends telemetry
      only to datadog
    # (indented comment: still part of the entry)

# deny list follows
deny:
  - arn: "arn:aws:lambda:*:*:layer:Klayers-*:*"
    reason: community layers are not allowed
"""


def write(tmp_path: Path, text: str, newline: str = "\n") -> Path:
    path = tmp_path / ".layergate.yaml"
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path


def test_new_entry_goes_after_the_last_entry_and_its_comments(tmp_path: Path) -> None:
    lock = LockFile(str(write(tmp_path, POLICY)))
    head, tail = POLICY.split("\n# deny list follows\n")
    assert lock.edit([Edit(ARN_X, NEW)]) == head + NEW_BLOCK + "\n# deny list follows\n" + tail


def test_update_replaces_values_in_place_and_adds_missing_keys_at_the_entry_end(tmp_path: Path) -> None:
    lock = LockFile(str(write(tmp_path, POLICY)))
    edit = Edit(ARN_DD, (("sha256", "12" * 32), ("code_size", 5), ("reviewed_by", None), ("reviewed_at", None)),
                (("extension", True), ("note", "not written: present")))
    expected = POLICY.replace(
        "    sha256: 9f3c00e1   # from the vendor\n    reviewed_by: alice\n    reviewed_at: 2026-11-02\n",
        f'    sha256: "{"12" * 32}"   # from the vendor\n    reviewed_by:\n    reviewed_at:\n',
    ).replace(
        "    # (indented comment: still part of the entry)\n",
        "    # (indented comment: still part of the entry)\n    code_size: 5\n    extension: true\n",
    )
    assert lock.edit([edit]) == expected


def test_update_fills_empty_values(tmp_path: Path) -> None:
    text = f"layers:\n  - arn: {ARN_X}\n    sha256:\n    reviewed_by:   # who?\n"
    lock = LockFile(str(write(tmp_path, text)))
    out = lock.edit([Edit(ARN_X, (("sha256", "cd" * 32), ("reviewed_by", "alice")))])
    assert out == f"layers:\n  - arn: {ARN_X}\n    sha256: {'cd' * 32}\n    reviewed_by: alice   # who?\n"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("version: 1\nlayers: []  # none yet\ndeny: []\n", "version: 1\nlayers:  # none yet\n" + NEW_BLOCK + "deny: []\n"),
        ("version: 1\nlayers: []\n", "version: 1\nlayers:\n" + NEW_BLOCK),
        ("version: 1\nlayers:\nfail_on: error\n", "version: 1\nlayers:\n" + NEW_BLOCK + "fail_on: error\n"),
        ("version: 1\nlayers: ~\n# end\n", "version: 1\nlayers:\n" + NEW_BLOCK + "# end\n"),
        ("version: 1\n# trailing comment", "version: 1\nlayers:\n" + NEW_BLOCK + "# trailing comment"),
        ("version: 1", "version: 1\nlayers:\n" + NEW_BLOCK),
    ],
    ids=["empty-flow", "empty-flow-last", "null", "tilde", "absent", "absent-no-newline"],
)
def test_first_entry(tmp_path: Path, before: str, after: str) -> None:
    assert LockFile(str(write(tmp_path, before))).edit([Edit(ARN_X, NEW)]) == after


def test_first_entry_follows_the_files_own_list_style(tmp_path: Path) -> None:
    lock = LockFile(str(write(tmp_path, "deny:\n-   arn: x\n    reason: y\n")))
    out = lock.edit([Edit(ARN_X, (("sha256", "ab" * 32),))])
    assert out == f"deny:\n-   arn: x\n    reason: y\nlayers:\n-   arn: {ARN_X}\n    sha256: {'ab' * 32}\n"


def test_crlf_and_bom_survive(tmp_path: Path) -> None:
    path = write(tmp_path, "\ufeffversion: 1  \nlayers:\n  - arn: a\n    sha256: b\n", newline="\r\n")
    out = LockFile(str(path)).edit([Edit(ARN_X, NEW)])
    expected = "\ufeffversion: 1  \nlayers:\n  - arn: a\n    sha256: b\n" + NEW_BLOCK
    assert out == expected.replace("\n", "\r\n")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("alice", "alice"),
        ("Alice O'Brien", '"Alice O\'Brien"'),
        ("yes", '"yes"'),
        ("Nan", '"Nan"'),
        ("infinity", '"infinity"'),
        ("a: b", '"a: b"'),
        ("#team", '"#team"'),
        ("zoë", '"zoë"'),
        ("sec-team@example.com", "sec-team@example.com"),
        ("2026-11-30T12:00:00Z", '"2026-11-30T12:00:00Z"'),
        ("1" * 64, '"' + "1" * 64 + '"'),
        ("1" * 32 + "e" + "2" * 31, '"' + "1" * 32 + "e" + "2" * 31 + '"'),
        ("0a" * 32, "0a" * 32),
        (ARN_X, ARN_X),
        (dt.date(2026, 11, 30), "2026-11-30"),
        (True, "true"),
        (17, "17"),
        (None, ""),
    ],
)
def test_render_reads_back_as_the_value(value: str | bool | int | dt.date | None, text: str) -> None:
    assert render(value) == text
    node = yamlnodes.parse_yaml(f"v: {text}", "x")
    assert node is not None
    back = yamlnodes.to_python(node)["v"]
    assert back == (value.isoformat() if isinstance(value, dt.date) else value)


def test_write_is_atomic_and_keeps_the_mode(tmp_path: Path) -> None:
    path = write(tmp_path, POLICY)
    os.chmod(path, 0o640)
    lock = LockFile(str(path))
    new = lock.edit([Edit(ARN_X, NEW)])
    lock.write(new)
    assert path.read_text(encoding="utf-8") == new
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == [".layergate.yaml"]


def test_write_refuses_when_the_file_changed_meanwhile(tmp_path: Path) -> None:
    path = write(tmp_path, POLICY)
    lock = LockFile(str(path))
    new = lock.edit([Edit(ARN_X, NEW)])
    path.write_text(POLICY + "# edited by someone else\n", encoding="utf-8")
    with pytest.raises(PolicyError) as err:
        lock.write(new)
    assert str(err.value) == f"{path}: the file changed while lock ran; nothing was written (run lock again)"
    assert path.read_text(encoding="utf-8") == POLICY + "# edited by someone else\n"


def test_diff(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\nlayers: []\n")
    lock = LockFile(str(path))
    assert lock.diff(lock.edit([Edit(ARN_X, (("sha256", "ab" * 32),))])) == (
        f"--- {path}\n+++ {path}\n@@ -1,2 +1,4 @@\n version: 1\n-layers: []\n+layers:\n"
        f"+  - arn: {ARN_X}\n+    sha256: {'ab' * 32}\n"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"version": 1, "layers": []}\n', "lock can only edit a policy written as a YAML block mapping (key: value lines)"),
        ("layers: [{arn: a}]\n", "1:10: lock can only edit layers: entries written as block mappings"),
        ("layers: 3\n", "1:9: layers: must be a list for lock to add entries to it"),
    ],
)
def test_shapes_lock_cannot_edit(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as err:
        LockFile(str(path)).edit([Edit(ARN_X, NEW)])
    expected = f"{path}:{message}" if message[0].isdigit() else f"{path}: {message}"
    assert str(err.value) == expected


def test_block_scalar_value_is_not_replaced(tmp_path: Path) -> None:
    path = write(tmp_path, f"layers:\n  - arn: {ARN_X}\n    sha256: |\n      abc\n")
    with pytest.raises(PolicyError) as err:
        LockFile(str(path)).edit([Edit(ARN_X, (("sha256", "ab" * 32),))])
    assert str(err.value) == f"{path}:3:13: lock can only replace a one-line value of 'sha256'"


def test_remove_deletes_the_keys_lines(tmp_path: Path) -> None:
    lock = LockFile(str(write(tmp_path, POLICY)))
    edit = Edit(ARN_DD, (("sha256", "12" * 32),), remove=("reviewed_by", "reviewed_at", "absent"))
    expected = POLICY.replace(
        "    sha256: 9f3c00e1   # from the vendor\n    reviewed_by: alice\n    reviewed_at: 2026-11-02\n",
        f'    sha256: "{"12" * 32}"   # from the vendor\n',
    )
    assert lock.edit([edit]) == expected


def test_remove_refuses_a_key_sharing_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, f"layers:\n  - reviewed_by: bob\n    arn: {ARN_X}\n")
    with pytest.raises(PolicyError) as err:
        LockFile(str(path)).edit([Edit(ARN_X, (), remove=("reviewed_by",))])
    assert str(err.value) == f"{path}:2:5: lock can only remove 'reviewed_by' when it is on a line of its own after arn"


def test_a_result_that_does_not_read_back_as_intended_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import layergate.lockfile as lockfile

    path = write(tmp_path, POLICY)
    monkeypatch.setattr(lockfile, "pair", lambda key, value: f"{key}: '{value}'")  # every value turns into text
    with pytest.raises(PolicyError) as err:
        LockFile(str(path)).edit([Edit(ARN_X, NEW)])
    assert str(err.value) == (
        f"{path}: could not edit the layers: list safely (the result did not read back as intended); nothing was written"
    )
