"""The pre-commit hook, run by the real pre-commit (try-repo) in a throwaway git repository.

try-repo installs the hook the way users get it: a fresh virtual environment with this repository
installed by pip, so one run takes a while; the finer behaviour is tested in-process below it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from layergate.cli import main

REPO = Path(__file__).resolve().parent.parent

POLICY = """\
version: 1
regions: [us-east-1]
publishers:
  - account: "123456789012"
    name: platform-team
"""

BAD = """\
Resources:
  Api:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/x
      Code: {ZipFile: "def handler(e, c): pass"}
      Layers:
        - arn:aws:lambda:us-east-1:999999999999:layer:evil:3
"""

WORKFLOW = "name: ci\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps: [{run: make}]\n"
EVIL = "arn:aws:lambda:us-east-1:999999999999:layer:evil:3"


def pre_commit() -> str:
    beside = Path(sys.executable).parent / "pre-commit"
    found = str(beside) if beside.exists() else shutil.which("pre-commit")
    if found is None:
        pytest.fail("pre-commit is not installed (pip install -e '.[test]')")
    return found


def git_env(tmp: Path) -> dict[str, str]:
    return {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
            "GIT_CONFIG_GLOBAL": os.devnull, "PRE_COMMIT_HOME": str(tmp / "pre-commit-home"),
            "PRE_COMMIT_COLOR": "never"}


def throwaway(root: Path) -> Path:
    repo = root / "work"
    (repo / "stacks").mkdir(parents=True)
    (repo / ".layergate.yaml").write_text(POLICY, encoding="utf-8")
    (repo / "stacks" / "bad.yaml").write_text(BAD, encoding="utf-8")
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "ci.yml").write_text(WORKFLOW, encoding="utf-8")
    (repo / "package.json").write_text('{"name": "app", "version": "1.0.0"}\n', encoding="utf-8")
    env = git_env(root)
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-q", "-m", "init"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)
    return repo


@pytest.mark.slow
def test_try_repo_runs_the_hook(tmp_path: Path) -> None:
    """The policy file changed, beside unrelated YAML and JSON: the whole tree is checked against it,
    the unrelated files are skipped without a word, and the commit is refused with the finding."""
    repo = throwaway(tmp_path)
    files = [".layergate.yaml", ".github/workflows/ci.yml", "package.json"]
    # The committed state (--ref): try-repo would add tracked edits but not new files, which in a working
    # tree shared with unfinished work can name modules that are not there. In CI both are the same.
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()
    proc = subprocess.run([pre_commit(), "try-repo", str(REPO), "layergate", "--ref", head, "--files", *files],
                          cwd=repo, env=git_env(tmp_path), capture_output=True, text=True, timeout=900)
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    assert re.search(r"^layergate \(Lambda layer pins, publishers and hashes\)\.+Failed$", out, re.MULTILINE), out
    assert "- hook id: layergate\n- exit code: 1\n" in out
    assert (f"stacks/bad.yaml:10:11: LG201 error  function Api uses {EVIL} from 999999999999: no publishers entry "
            "allows this account\n") in out
    assert "1 file (1 cloudformation), 1 layer reference in 1 function: 2 errors, 0 warnings, 0 notes, 0 suppressed" \
        in out
    assert "ci.yml" not in out and "package.json" not in out


def test_the_manifest_is_valid_for_pre_commit() -> None:
    proc = subprocess.run([pre_commit(), "validate-manifest", str(REPO / ".pre-commit-hooks.yaml")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [h["id"] for h in hooks] == ["layergate"]


@pytest.mark.parametrize(("path", "runs"), [
    ("template.yaml", True), ("stacks/app.yml", True), ("svc/serverless.yml", True), ("plan.json", True),
    ("infra/stack.template", True), (".layergate.yaml", True), (".layergate.yml", True),
    ("README.md", False), ("app.py", False), ("node_modules/x/serverless.yml", False),
    ("cdk.out/Stack.template.json", False), (".aws-sam/build/template.yaml", False),
])
def test_which_files_trigger_the_hook(path: str, runs: bool) -> None:
    hook = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))[0]
    selected = re.search(hook["files"], path) is not None and re.search(hook["exclude"], path) is None
    assert selected == runs


def test_unrelated_files_pass_quietly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    repo = throwaway(tmp_path)
    monkeypatch.chdir(repo)
    assert main(["check", ".github/workflows/ci.yml", "package.json"]) == 0
    out = capsys.readouterr().out
    assert out == "0 files, 0 layer references in 0 functions: 0 errors, 0 warnings, 0 notes, 0 suppressed\n"


def test_a_changed_template_alone_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    repo = throwaway(tmp_path)
    (repo / "stacks" / "good.yaml").write_text(BAD.replace("999999999999", "123456789012"), encoding="utf-8")
    monkeypatch.chdir(repo)
    assert main(["check", "--format", "json", "stacks/good.yaml", "package.json"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert {(f["rule"], f["file"]) for f in findings} == {("LG301", "stacks/good.yaml")}  # bad.yaml not read


def test_the_policy_file_stands_for_its_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    repo = throwaway(tmp_path)
    monkeypatch.chdir(repo)
    assert main(["check", "-f", "json", ".layergate.yaml", "stacks/bad.yaml"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["rule"], f["file"]) for f in findings] == [("LG201", "stacks/bad.yaml"), ("LG301", "stacks/bad.yaml")]
