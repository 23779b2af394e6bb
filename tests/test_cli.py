"""The command line as a user meets it: exit codes, one-line errors, and a check path that stays light."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Api:
    Type: AWS::Lambda::Function
    Properties:
      Layers:
        - arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:56
"""


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "layergate", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1"})


def test_check_imports_nothing_heavy(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    probe = (
        "import sys\nfrom layergate.cli import main\nstatus = main(['check', '-q', 'template.yaml'])\n"
        "heavy = ('boto3', 'botocore', 'cfnlint', 'hcl2', 'cyclonedx', 'jsonschema', 'urllib.request', "
        "'http.client', 'layergate.aws', 'layergate.inventory', 'layergate.layer.archive', "
        "'layergate.sources.tf_layers', 'layergate.sources.sls_variables', 'layergate.commands.lock', "
        "'sigstore', 'cryptography', 'layergate.provenance.assess', 'layergate.provenance.locate')\n"
        "print(status, sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True)
    assert proc.stdout.splitlines()[-1] == "1 []"


SAM_TEMPLATE = "Transform: AWS::Serverless-2016-10-31\n" + TEMPLATE.replace("AWS::Lambda::Function", "AWS::Serverless::Function")

# What a one-function SAM check loads besides the rule modules: each one costs start-up time in every
# pre-commit run, so a module joining this list should be one the check cannot do without.
ONE_TEMPLATE_MODULES = [
    "arn", "catalog", "checks", "cli", "commands", "commands.check", "commands.common", "discover", "engine",
    "errors", "model", "policy", "policy_checks", "policy_load", "policy_schema", "record_inits", "records", "report",
    "report.text", "rule", "scanning", "schema_subset", "signing", "sources", "sources.cfn_intrinsics",
    "sources.cfn_layers",
    "sources.cfn_nodes", "sources.cfn_parameters", "sources.cfn_pseudo", "sources.cfn_resources", "sources.cfn_signing",
    "sources.cfn_values", "sources.cloudformation", "sources.serverless", "sources.terraform", "vulns",
    "vulns.options", "yamlnodes",
]


def test_one_template_check_loads_only_what_it_needs(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(SAM_TEMPLATE)
    probe = (
        "import sys\nfrom layergate.cli import main\nfrom layergate.checks import MODULE_NAMES\n"
        "status = main(['check', '-q', 'template.yaml'])\n"
        "ours = sorted(m.removeprefix('layergate.') for m in sys.modules if m.startswith('layergate.'))\n"
        "rules = sorted(f'checks.{n}' for n in (*MODULE_NAMES, 'common'))\n"
        "slow = ('dataclasses', 'inspect', 'ast', 'importlib.metadata', 'pkg_resources', 'typing', 'typing_extensions')\n"
        "print(status, [m for m in ours if m not in rules], sorted(m for m in sys.modules if m in slow))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True)
    assert proc.stdout.splitlines()[-1] == f"1 {ONE_TEMPLATE_MODULES} []"


def test_usage_error_is_exit_2(tmp_path: Path) -> None:
    proc = run(tmp_path, "check", "--fail-on", "sometimes")
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[-1].startswith("layergate check: error: argument --fail-on: invalid choice")


def test_unknown_command_lists_them_all(tmp_path: Path) -> None:
    proc = run(tmp_path, "chek")
    assert proc.returncode == 2
    assert "invalid choice: 'chek' (choose from" in proc.stderr and "'inventory'" in proc.stderr


def test_missing_path_is_one_line(tmp_path: Path) -> None:
    proc = run(tmp_path, "check", "nope.yaml")
    assert (proc.returncode, proc.stdout, proc.stderr) == (2, "", "layergate: error: nope.yaml: no such file or directory\n")


def test_every_bad_input_is_named_at_once(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(TEMPLATE + "      Layers: []\n")
    (tmp_path / "b.yaml").write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources: [\n")
    proc = run(tmp_path, "check", "a.yaml", "b.yaml")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "layergate: error: a.yaml:8:7: duplicate key 'Layers'",
        "layergate: error: b.yaml:3:1: invalid YAML: did not find expected node content (while parsing a flow node)",
    ]


def test_version_and_help_name_every_command(tmp_path: Path) -> None:
    assert run(tmp_path, "--version").stdout == "layergate 0.1.0\n"
    help_text = run(tmp_path, "--help").stdout
    for command in ("check", "lock", "verify", "inspect", "diff", "inventory", "init", "scp", "rules", "explain",
                    "schema"):
        assert re.search(rf"^    {command}\b", help_text, re.M), command


def test_no_color_on_a_pipe_even_when_asked_nothing(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    proc = subprocess.run([sys.executable, "-m", "layergate", "check", "template.yaml"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert "\033[" not in proc.stdout
