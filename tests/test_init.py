"""`layergate init`: the starter policy, written whole, that `check` then accepts publisher by publisher."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from layergate.cli import main

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
        - arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:56
        - !Sub arn:aws:lambda:${AWS::Region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7
        - arn:aws:lambda:us-east-1:555555555555:layer:shared-utils:4
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/x
      Code: {ZipFile: "def handler(e, c): pass"}
      Layers:
        - !Ref Tools
        - arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension-ARM:56
"""

SERVERLESS = """\
service: svc
provider:
  name: aws
  runtime: python3.12
  region: eu-west-1
functions:
  hello:
    handler: handler.hello
    layers:
      - arn:aws:lambda:eu-west-1:770693421928:layer:Klayers-p312-requests:9
"""

SEEN = "the layer names seen; widen with globs (Name-*) if needed"


def expected(today: dt.date) -> str:
    from layergate import catalog

    dd = catalog.load().vendor("datadog")
    pt = catalog.load().vendor("powertools-python")
    assert dd is not None and pt is not None
    return f"""\
# layergate policy, started by `layergate init` on {today.isoformat()} from 2 files (1 cloudformation, 1 serverless).
# Review every entry before you commit it: a publisher listed here is trusted to run code inside
# your functions. Every layer must be pinned to one version (LG101, LG102), come from a publisher
# below (LG201) and have its SHA-256 recorded under layers: (LG301).
# `layergate schema` prints the schema of this file, `layergate rules` the rules.
version: 1
regions: [us-east-1]   # seen in the templates; ${{AWS::Region}} expands over these
fail_on: error   # error: only errors fail the build; warning: warnings too

# 1 layer entry could not be resolved (SSM, parameters, imports): `layergate check` lists them.
publishers:
  # Datadog: accounts from the layergate catalog ({dd.source})
  # used by stacks/app.yaml (Api), stacks/app.yaml (Worker)
  # extensions: Datadog-Extension, Datadog-Extension-ARM run as their own process beside your code, with its \
environment and role
  - vendor: datadog
    layers: ["Datadog-Extension", "Datadog-Extension-ARM"]   # {SEEN}
  # Powertools for AWS Lambda (Python): accounts from the layergate catalog ({pt.source})
  # used by stacks/app.yaml (Api)
  - vendor: powertools-python
    layers: ["AWSLambdaPowertoolsPythonV3-python312-x86_64"]   # {SEEN}
  # 555555555555: not in the publisher catalog; find out who owns this account before you trust it
  # used by stacks/app.yaml (Api)
  - account: "555555555555"
    name: "555555555555"   # who this is, for messages
    layers: ["shared-utils"]   # {SEEN}
  # 770693421928: the catalog has seen Klayers (community) use this account only second-hand (unconfirmed); \
find out who owns it before you trust it
  # used by svc/serverless.yml (functions.hello)
  - account: "770693421928"
    name: "770693421928"   # who this is, for messages
    layers: ["Klayers-p312-requests"]   # {SEEN}

# Your AWS Organization, for the layer-sharing rules (LG5xx):
# org:
#   id: o-xxxxxxxxxx
#   accounts: ["111111111111"]

# Reviewed layer versions with the SHA-256 of each zip. Run `layergate lock` to record them from AWS
# (it adds an entry for each pinned layer version above; `--reviewer NAME` records who reviewed it).
layers: []
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()  # the repository root: policy discovery stops here
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "app.yaml").write_text(TEMPLATE, encoding="utf-8")
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "serverless.yml").write_text(SERVERLESS, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_init_writes_the_starter_policy(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"]) == 0
    out = capsys.readouterr().out
    assert out == ("wrote .layergate.yaml: 1 region, 2 catalog vendors, 2 other accounts to identify; review it, "
                   "then run `layergate lock` to record the layers' SHA-256\n")
    assert (repo / ".layergate.yaml").read_text(encoding="utf-8") == expected(dt.date.today())


def test_check_accepts_every_publisher_init_found(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"]) == 0
    capsys.readouterr()
    assert main(["check", "--format", "json", "--today", "2026-12-01"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    # No publisher or region finding: what remains is what a review and `layergate lock` settle.
    assert sorted({(f["rule"], f["file"], f["line"]) for f in findings}) == [
        ("LG101", "stacks/app.yaml", 26),
        ("LG301", "stacks/app.yaml", 15),
        ("LG301", "stacks/app.yaml", 16),
        ("LG301", "stacks/app.yaml", 17),
        ("LG301", "stacks/app.yaml", 27),
        ("LG301", "svc/serverless.yml", 10),
        ("LG401", "stacks/app.yaml", 15),
        ("LG401", "stacks/app.yaml", 27),
    ]


def test_init_never_overwrites(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / ".layergate.yml").write_text("version: 1\n", encoding="utf-8")
    assert main(["init"]) == 2
    assert capsys.readouterr().err == (
        "layergate: error: .layergate.yml: a policy already exists; `layergate init` never overwrites one "
        "(edit it, or remove it first)\n")
    assert (repo / ".layergate.yml").read_text(encoding="utf-8") == "version: 1\n"
    assert not (repo / ".layergate.yaml").exists()


def test_init_refuses_to_shadow_a_parent_policy(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / ".layergate.yaml").write_text("version: 1\n", encoding="utf-8")
    assert main(["init", "svc"]) == 2
    assert capsys.readouterr().err == (
        "layergate: error: the policy .layergate.yaml already applies to svc; a new one here would replace it "
        "for everything below (use --output to write elsewhere)\n")
    assert not (repo / "svc" / ".layergate.yaml").exists()


def test_print_writes_nothing_and_regions_can_be_added(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "--print", "--region", "eu-central-1"]) == 0
    text = capsys.readouterr().out
    assert "regions: [eu-central-1, us-east-1]   # seen in the templates" in text
    assert not (repo / ".layergate.yaml").exists()


def test_empty_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    assert main(["init", "--print"]) == 0
    text = capsys.readouterr().out
    assert "regions: []   # none seen" in text and "publishers: []   # no outside layer seen" in text
