"""--policy-ref: the policy comes from a git ref, and what the working tree adds is reported, never used."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from layergate.errors import ErrorList, LayergateError
from layergate.policy_ref import resolve

BASE = """\
version: 1
regions: [us-east-1]
max_review_age_days: 365
publishers:
  - account: "123456789012"
    name: platform-team
deny:
  - arn: "arn:aws:lambda:*:*:layer:Klayers-*:*"
    reason: community layers are not allowed
"""

# The pull request: trusts Datadog, records a hash, suppresses a rule, drops the deny entry.
CHANGED = """\
version: 1
regions: [us-east-1]
fail_on: error
publishers:
  - account: "123456789012"
    name: platform-team
  - vendor: datadog
    layers: ["Datadog-Extension*"]
layers:
  - arn: arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:56
    sha256: 3f1e2d7c9a0b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5
    reviewed_by: mallory
    reviewed_at: 2026-11-02
ignore:
  - rule: LG301
    arn: "arn:aws:lambda:*:999999999999:layer:*:*"
    reason: trust me
"""


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": os.devnull}
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True)
    return proc.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / ".layergate.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "app.yaml").write_text("Resources: {}\n", encoding="utf-8")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "base")
    git(tmp_path, "checkout", "-q", "-b", "pr")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_ref_policy_is_used_and_additions_are_notes(repo: Path) -> None:
    (repo / ".layergate.yaml").write_text(CHANGED, encoding="utf-8")
    git(repo, "commit", "-q", "-am", "trust datadog")  # committed on the branch: still not the base
    policy, notes = resolve("main", None, "stacks")
    assert policy.path == "main:.layergate.yaml"
    assert [(p.account, p.vendor) for p in policy.publishers] == [("123456789012", None)]
    assert policy.publishers[0].location.file == "main:.layergate.yaml"
    assert policy.publishers[0].location.line == 5
    assert policy.layers == () and policy.ignore == ()
    assert notes == [
        "this run uses the policy at main (.layergate.yaml); changes to it take effect once merged",
        "the working-tree policy adds publisher vendor datadog (layers Datadog-Extension*) at .layergate.yaml:7:5 "
        "(not in main: not used for this run)",
        "the working-tree policy adds reviewed layer arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:56 "
        "(sha256 3f1e2d7c9a0b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5) at .layergate.yaml:10:5 "
        "(not in main: not used for this run)",
        "the working-tree policy adds a suppression of LG301 (arn arn:aws:lambda:*:999999999999:layer:*:*) "
        "at .layergate.yaml:15:5 (not in main: not used for this run)",
        "the working-tree policy removes deny entry arn:aws:lambda:*:*:layer:Klayers-*:* "
        "(was at main:.layergate.yaml:8:5) (not in main: not used for this run)",
        "the working-tree policy lengthens max_review_age_days from 365 to unlimited "
        "(not in main: not used for this run)",
    ]


def test_an_unchanged_policy_adds_nothing(repo: Path) -> None:
    policy, notes = resolve("main", None, ".")
    assert policy.path == "main:.layergate.yaml"
    assert notes[1:] == ["the working-tree policy adds nothing to the policy at main"]


def test_a_policy_missing_at_the_ref_means_the_strict_default(repo: Path) -> None:
    git(repo, "rm", "-q", ".layergate.yaml")
    git(repo, "commit", "-q", "-m", "drop policy")
    base_sha = git(repo, "rev-parse", "HEAD")
    (repo / ".layergate.yaml").write_text(CHANGED, encoding="utf-8")  # the pull request adds one
    policy, notes = resolve(base_sha, None, ".")
    assert policy.is_default
    assert notes[0] == f"no policy file at {base_sha}: this run uses the strict built-in default policy"
    assert any("adds publisher vendor datadog" in n for n in notes)


def test_a_policy_deleted_in_the_working_tree_still_comes_from_the_ref(repo: Path) -> None:
    (repo / ".layergate.yaml").unlink()
    policy, notes = resolve("main", None, "stacks")
    assert policy.path == "main:.layergate.yaml"
    assert notes == ["this run uses the policy at main (.layergate.yaml); changes to it take effect once merged"]


def test_an_invalid_policy_at_the_ref_names_the_ref(repo: Path) -> None:
    (repo / ".layergate.yaml").write_text("version: 1\npublishers:\n  - vendor: nosuchvendor\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "broken")
    with pytest.raises(ErrorList) as info:
        resolve("pr", None, ".")
    assert info.value.lines() and all(line.startswith("pr:.layergate.yaml:3:") for line in info.value.lines())


def test_unknown_ref_is_one_clear_error(repo: Path) -> None:
    with pytest.raises(LayergateError, match=r"'origin/main' is not a commit in this repository .*fetch-depth: 0"):
        resolve("origin/main", None, ".")
    with pytest.raises(LayergateError, match="is not a commit"):
        resolve("--output=/tmp/x", None, ".")  # an option-looking ref is a ref, never an option


def test_outside_a_git_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / ".git").mkdir()  # stops policy discovery, but is not a repository
    monkeypatch.chdir(plain)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    with pytest.raises(LayergateError, match="is not inside a git repository"):
        resolve("main", None, ".")


TEMPLATE = """\
Resources:
  Api:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/x
      Code: {ZipFile: "def handler(e, c): pass"}
      Layers:
        - arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:56
"""

SELF_APPROVED = CHANGED.replace("    reviewed_at: 2026-11-02\n", "    reviewed_at: 2026-11-02\n    extension: true\n")


def test_a_change_cannot_approve_itself(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from layergate.cli import main

    (repo / "stacks" / "app.yaml").write_text(TEMPLATE, encoding="utf-8")
    (repo / ".layergate.yaml").write_text(SELF_APPROVED, encoding="utf-8")
    # Judged by its own policy, the change passes...
    assert main(["check", "stacks", "--today", "2026-12-01", "-q"]) == 0
    capsys.readouterr()
    # ...judged by the base's policy, it does not, and the notes say what it tried to add.
    assert main(["check", "stacks", "--today", "2026-12-01", "--policy-ref", "main", "-f", "json"]) == 1
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert doc["policy"] == "main:.layergate.yaml"
    assert [(f["rule"], f["line"], f["column"]) for f in doc["findings"]] == [
        ("LG201", 10, 11), ("LG301", 10, 11), ("LG401", 10, 11)]
    assert doc["notes"] == [line.removeprefix("note: ") for line in err.splitlines()]
    assert "the working-tree policy adds publisher vendor datadog (layers Datadog-Extension*) at .layergate.yaml:7:5 " \
        "(not in main: not used for this run)" in doc["notes"]
