"""layergate inside the real cfn-lint: `cfn-lint template.yaml --append-rules layergate.cfnlint`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from layergate.checks import modules

REPO = Path(__file__).resolve().parent.parent

POLICY = """\
version: 1
regions: [us-east-1]
publishers:
  - account: "123456789012"
    name: platform-team
"""

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Tools:
    Type: AWS::SSM::Parameter::Value<String>
    Default: /layers/tools
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
        - !Ref Tools
"""

SAM = """\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Layers:
      - arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:56
Resources:
  Api:
    Type: AWS::Serverless::Function
    Metadata:
      cfn-lint:
        config:
          ignore_checks: [E9401]
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: s3://bucket/key
      Layers:
        - arn:aws:lambda:us-east-1:123456789012:layer:tools:3
"""


def cfn_lint() -> str:
    beside = Path(sys.executable).parent / "cfn-lint"
    found = str(beside) if beside.exists() else shutil.which("cfn-lint")
    if found is None:
        pytest.fail("cfn-lint is not installed (pip install -e '.[cfn-lint]')")
    return found


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([cfn_lint(), "--append-rules", "layergate.cfnlint", "-f", "parseable", *args],
                          cwd=cwd, capture_output=True, text=True, env=env, timeout=120)


def make_repo(root: Path) -> Path:
    (root / ".git").mkdir()
    (root / ".layergate.yaml").write_text(POLICY, encoding="utf-8")
    (root / "stacks").mkdir()
    (root / "stacks" / "app.yaml").write_text(TEMPLATE, encoding="utf-8")
    (root / "stacks" / "sam.yaml").write_text(SAM, encoding="utf-8")
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path)


@pytest.fixture(scope="module")
def linted(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    """One cfn-lint run over both templates (cfn-lint takes seconds to start)."""
    return run(make_repo(tmp_path_factory.mktemp("repo")), "--", "stacks/app.yaml", "stacks/sam.yaml")


def test_findings_come_back_as_cfn_lint_matches(linted: subprocess.CompletedProcess[str]) -> None:
    assert linted.returncode == 2, linted.stderr  # cfn-lint: 2 = errors found
    evil = "arn:aws:lambda:us-east-1:999999999999:layer:evil:3"
    assert [line for line in linted.stdout.splitlines() if line.startswith("stacks/app.yaml")] == [
        "stacks/app.yaml:15:11:15:11:E9201:LG201: function Api uses "
        f"{evil} from 999999999999: no publishers entry allows this account",
        f"stacks/app.yaml:15:11:15:11:E9301:LG301: function Api uses {evil} from 999999999999, which has no layers "
        "entry with a recorded SHA-256; run `layergate lock`, then review it",
        "stacks/app.yaml:16:11:16:11:E9101:LG101: function Api takes layer '!Ref Tools' that the repository does "
        "not pin: parameter Tools has type AWS::SSM::Parameter::Value<String>: CloudFormation reads SSM parameter "
        "/layers/tools at deploy time (whatever its latest version holds)",
    ]


def test_sam_globals_and_metadata_ignore_checks(linted: subprocess.CompletedProcess[str]) -> None:
    """cfn-lint transforms SAM itself; layergate reads the file as written, so Globals keep their lines,
    and a function's cfn-lint ignore_checks (E9401 here) covers the entries it inherits from Globals."""
    dd = "arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:56"
    tools = "arn:aws:lambda:us-east-1:123456789012:layer:tools:3"
    assert [line for line in linted.stdout.splitlines() if line.startswith("stacks/sam.yaml")] == [
        f"stacks/sam.yaml:5:9:5:9:E9201:LG201: function Api uses {dd} from 464622532012 (Datadog): "
        "no publishers entry allows this account",
        f"stacks/sam.yaml:5:9:5:9:E9301:LG301: function Api uses {dd} from 464622532012 (Datadog), which has "
        "no layers entry with a recorded SHA-256; run `layergate lock`, then review it",
        f"stacks/sam.yaml:18:11:18:11:E9301:LG301: function Api uses {tools} from 123456789012, which has "
        "no layers entry with a recorded SHA-256; run `layergate lock`, then review it",
    ]


def test_an_invalid_policy_is_one_e9000_not_a_clean_run(repo: Path) -> None:
    (repo / ".layergate.yaml").write_text("version: 1\npublishers: [{vendor: nosuch}]\n", encoding="utf-8")
    proc = run(repo, "--", "stacks/app.yaml")
    assert proc.returncode == 2
    lines = proc.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("stacks/app.yaml:1:1:1:1:E9000:layergate: .layergate.yaml:2:")
    assert "unknown vendor 'nosuch'" in lines[0]


def test_every_offline_rule_has_a_cfn_lint_id() -> None:
    import layergate.cfnlint as plugin
    from layergate.cfnlint._base import LayergateRule

    classes = [c for c in vars(plugin).values() if isinstance(c, type) and issubclass(c, LayergateRule)]
    by_lg = {c.lg_rule.id: c.id for c in classes}
    offline = [m.RULE for m in modules() if hasattr(m, "check") or hasattr(m, "check_policy")]
    letter = {"error": "E", "warning": "W", "note": "I"}
    assert by_lg == {r.id: f"{letter[str(r.severity)]}9{r.id[2:]}" for r in offline}
    assert len(set(by_lg.values())) == len(by_lg)


def test_cfn_lint_loads_the_rules_by_module_path() -> None:
    from cfnlint.rules import Rules

    rules = Rules.create_from_module("layergate.cfnlint")
    assert rules["E9201"].shortdesc == "LG201 publisher-not-allowed: Layer from a publisher the policy does not allow"
    assert rules["E9000"].shortdesc == "layergate could not check the template"
    assert "" not in rules  # the shared base class is not itself a rule


def test_the_check_path_never_imports_cfn_lint(repo: Path) -> None:
    code = ("import sys; from layergate.cli import main; rc = main(['check', 'stacks', '-q', '-f', 'sarif']); "
            "print(rc, sorted(m for m in sys.modules if m.split('.')[0] in "
            "('cfnlint', 'boto3', 'botocore', 'ruamel', 'hcl2', 'cyclonedx')))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    assert proc.stdout.splitlines()[-1] == "1 []", proc.stderr


def test_the_documented_id_table_matches() -> None:
    import re

    import layergate.cfnlint as plugin
    from layergate.cfnlint._base import LayergateRule

    text = (REPO / "docs" / "integrations.md").read_text(encoding="utf-8")
    documented = dict(re.findall(r"\| (LG\d{3}) [a-z-]+ \| ([EWI]9\d{3}) ", text))
    generated = {c.lg_rule.id: c.id for c in vars(plugin).values()
                 if isinstance(c, type) and issubclass(c, LayergateRule)}
    assert documented == generated
