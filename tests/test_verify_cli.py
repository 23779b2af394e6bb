"""`layergate verify` end to end: the real CLI, a CloudFormation template, moto on loopback."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from lockverify_world import CONSUMER, ORG_ID, Fault, Layer, World, world_fixture  # noqa: F401

from layergate.cli import main

pytestmark = pytest.mark.aws

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Api:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/api
      Code: {{ZipFile: "def handler(event, context): pass"}}
      Layers:
        - {vendor}
        - {ours}
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/worker
      Code: {{ZipFile: "def handler(event, context): pass"}}
      Layers:
        - {vendor}
"""

FIX = {
    "LG302": "Do not deploy: find out why the hashes differ, review the layer again and record the new hash only "
    "after review.",
    "LG304": "Check that the layer version exists and its publisher grants lambda:GetLayerVersion to your account; "
    "pin another reviewed version if it was deleted.",
    "LG501": "Grant lambda:GetLayerVersion to named accounts, or to Principal '*' with your OrganizationId.",
}


@dataclass
class Repo:
    root: Path
    vendor: Layer  # shared with the consumer by another account
    ours: Layer  # published by the consumer's own account (org.accounts)

    def policy(self, vendor_sha: str | None = None, ours_sha: str | None = None, extra: str = "") -> None:
        (self.root / ".layergate.yaml").write_text(
            "version: 1\n"
            f'org:\n  id: {ORG_ID}\n  accounts: ["{CONSUMER}"]\n'
            "layers:\n"
            f"  - arn: {self.vendor.arn}\n    sha256: {vendor_sha or self.vendor.sha256}\n"
            "    reviewed_by: alice\n    reviewed_at: 2026-11-01\n"
            f"  - arn: {self.ours.arn}\n    sha256: {ours_sha or self.ours.sha256}\n"
            "    reviewed_by: alice\n    reviewed_at: 2026-11-01\n" + extra
        )


@pytest.fixture
def repo(world: World, aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    vendor = world.publish("111111111111", "eu-west-1", world.unique("vendor"))
    world.share(vendor, principal=CONSUMER)
    ours = world.publish(CONSUMER, "eu-west-1", world.unique("ours"))
    world.share(ours, organization=ORG_ID, sid="org-only")
    (tmp_path / ".git").mkdir()
    (tmp_path / "template.yaml").write_text(TEMPLATE.format(vendor=vendor.arn, ours=ours.arn))
    monkeypatch.chdir(tmp_path)
    r = Repo(tmp_path, vendor, ours)
    r.policy()
    return r


def verify(world: World, *args: str) -> int:
    return main(["verify", "--endpoint-url", world.url, *args])


def findings(out: str) -> list[dict[str, object]]:
    doc = json.loads(out)
    return [{k: f[k] for k in ("rule", "severity", "file", "line", "column", "message", "arn", "consumer")}
            for f in doc["findings"]]


def test_matching_hashes_pass(world: World, repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert verify(world) == 0
    out, err = capsys.readouterr()
    assert out == "1 file (1 cloudformation), 3 layer references in 2 functions: 0 errors, 0 warnings, 0 notes, " \
                  "0 suppressed\n"
    assert err == "note: verify: compared 2 recorded layer versions with AWS\n"
    assert world.router is not None
    assert world.router.hits[("GetLayerVersion", repo.vendor.arn)] == 1  # two functions, one request
    assert world.router.hits[("GetLayerVersionPolicy", repo.ours.arn)] == 1
    assert world.router.hits[("GetLayerVersionPolicy", repo.vendor.arn)] == 0  # not the organization's


def test_hash_mismatch_is_lg302_at_every_use(world: World, repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    wrong = "0123456789abcdef" * 4
    repo.policy(vendor_sha=wrong.upper())
    assert verify(world, "--format", "json") == 1
    message = (f"uses {repo.vendor.arn}: AWS publishes SHA-256 {repo.vendor.sha256}, but .layergate.yaml line 6 "
               f"records {wrong}")
    assert findings(capsys.readouterr().out) == [
        {"rule": "LG302", "severity": "error", "file": "template.yaml", "line": 11, "column": 11,
         "message": f"function Api {message}", "arn": repo.vendor.arn, "consumer": "Api"},
        {"rule": "LG302", "severity": "error", "file": "template.yaml", "line": 21, "column": 11,
         "message": f"function Worker {message}", "arn": repo.vendor.arn, "consumer": "Worker"},
    ]


def test_text_output(world: World, repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.policy(ours_sha="f" * 64)
    assert verify(world, "template.yaml") == 1
    assert capsys.readouterr().out == (
        f"template.yaml:12:11: LG302 error  function Api uses {repo.ours.arn}: AWS publishes SHA-256 "
        f"{repo.ours.sha256}, but .layergate.yaml line 10 records {'f' * 64}\n"
        f"    help: {FIX['LG302']}\n"
        "1 file (1 cloudformation), 3 layer references in 2 functions: 1 error, 0 warnings, 0 notes, 0 suppressed\n"
    )


def test_deleted_and_no_longer_shared_versions_are_lg304(
    world: World, repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    world.delete(repo.ours)
    account, region = "111111111111", "eu-west-1"
    world.lambda_client(account, region).remove_layer_version_permission(
        LayerName=repo.vendor.arn.rsplit(":", 1)[0], VersionNumber=1, StatementId="share"
    )
    assert verify(world, "-f", "json") == 1
    denied = (
        f"AccessDeniedException: User: arn:aws:sts::{CONSUMER}:user/moto is not authorized to perform: "
        f"lambda:GetLayerVersion on resource: {repo.vendor.arn} because no resource-based policy allows the "
        "lambda:GetLayerVersion action"
    )
    assert findings(capsys.readouterr().out) == [
        {"rule": "LG304", "severity": "error", "file": "template.yaml", "line": 11, "column": 11,
         "message": f"function Api uses {repo.vendor.arn}, which AWS does not return to this caller: {denied}",
         "arn": repo.vendor.arn, "consumer": "Api"},
        {"rule": "LG304", "severity": "error", "file": "template.yaml", "line": 12, "column": 11,
         "message": f"function Api uses {repo.ours.arn}, which AWS does not return to this caller: "
                    "ResourceNotFoundException: Cannot find layer",
         "arn": repo.ours.arn, "consumer": "Api"},
        {"rule": "LG304", "severity": "error", "file": "template.yaml", "line": 21, "column": 11,
         "message": f"function Worker uses {repo.vendor.arn}, which AWS does not return to this caller: {denied}",
         "arn": repo.vendor.arn, "consumer": "Worker"},
    ]


def test_organization_layer_readable_by_every_account_is_lg501(
    world: World, repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    world.share(repo.ours, sid="everyone")
    assert verify(world, "-f", "json") == 1
    assert findings(capsys.readouterr().out) == [
        {"rule": "LG501", "severity": "error", "file": "template.yaml", "line": 12, "column": 11,
         "message": f"function Api uses {repo.ours.arn}, which account {CONSUMER} (org.accounts) lets every AWS "
                    "account use: statement 'everyone' grants Principal '*' without an organization condition",
         "arn": repo.ours.arn, "consumer": "Api"},
    ]


def test_organization_layer_policy_the_caller_cannot_read_is_a_note(
    world: World, repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = repo.root / ".layergate.yaml"
    policy.write_text(policy.read_text().replace(f'accounts: ["{CONSUMER}"]', f'accounts: ["{CONSUMER}", "111111111111"]'))
    assert verify(world) == 0
    assert capsys.readouterr().err == (
        "note: verify: compared 2 recorded layer versions with AWS\n"
        "note: could not read the layer version policy of 1 organization layer version, so LG501 was not checked "
        f"for it: {repo.vendor.arn} (AccessDeniedException)\n"
    )


def test_findings_are_suppressed_by_the_policy(world: World, repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.policy(vendor_sha="e" * 64, extra=(
        f"ignore:\n  - rule: hash-mismatch\n    arn: \"{repo.vendor.arn.rsplit(':', 1)[0]}:*\"\n"
        "    resource: Worker\n    reason: being re-reviewed\n"
    ))
    assert verify(world, "-f", "json") == 1
    out = capsys.readouterr().out
    assert [(f["rule"], f["consumer"]) for f in findings(out)] == [("LG302", "Api")]
    assert json.loads(out)["summary"]["suppressed"] == 1


def test_unrecorded_versions_are_not_compared(world: World, repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    (repo.root / ".layergate.yaml").write_text("version: 1\n")
    assert verify(world) == 0
    assert capsys.readouterr().err == (
        "note: verify: compared 0 recorded layer versions with AWS\n"
        "note: not compared: 2 referenced layer versions without a recorded SHA-256 (`layergate check` reports "
        "them as LG301; `layergate lock` records them)\n"
    )
    assert world.router is not None and world.router.hits[("GetLayerVersion", repo.vendor.arn)] == 0


def test_throttling_past_retries_is_one_line(
    world: World, repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    world.fault(repo.vendor, Fault(429, "TooManyRequestsException", "Rate exceeded"))
    try:
        assert verify(world) == 2
    finally:
        world.clear_faults()
    out, err = capsys.readouterr()
    assert (out, err) == ("", "layergate: error: throttled by AWS Lambda in eu-west-1 after 1 attempts "
                              "(TooManyRequestsException: Rate exceeded); wait and run again, or lower --jobs\n")
