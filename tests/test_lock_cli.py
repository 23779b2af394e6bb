"""`layergate lock` end to end: the real CLI, a CloudFormation template, moto on loopback."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO, free_port
from lockverify_world import CONSUMER, Fault, Layer, World, world_fixture  # noqa: F401

from layergate.cli import main

pytestmark = pytest.mark.aws

POLICY = """\
# Layer policy for the payments service.
version: 1
regions: [eu-west-1, us-west-2]   # where Api deploys

publishers:
  - account: "111111111111"
    name: tools-team   # keep in sync with the platform wiki

layers:   # reviewed layer versions
  # earlier review, kept as it was
  - arn: arn:aws:lambda:eu-west-1:111111111111:layer:legacy:3
    sha256: {legacy}
    reviewed_by: alice
    reviewed_at: 2026-10-01

# never deploy community layers
deny:
  - arn: "arn:aws:lambda:*:*:layer:Klayers-*:*"
    reason: community layers
"""

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
        - !Sub arn:aws:lambda:${{AWS::Region}}:111111111111:layer:{tools}:1
        - arn:aws:lambda:us-east-1:{own_account}:layer:{own}:1
"""
TIME = re.compile(r'recorded_at: "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"')


@dataclass
class Repo:
    root: Path
    tools_eu: Layer
    tools_us: Layer
    own: Layer

    @property
    def policy(self) -> Path:
        return self.root / ".layergate.yaml"


def entry(layer: Layer, extra: str = "") -> str:
    return (
        f"  - arn: {layer.arn}\n    sha256: {layer.sha256}\n    code_size: {len(layer.zip)}\n"
        f'    recorded_at: "<time>"\n    extension: false\n{extra}'
    )


@pytest.fixture
def repo(world: World, aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    # The template's !Sub names one version for both regions: publish until both regions start at 1
    # (the moto server is shared by the whole session, so a name is retried rather than assumed fresh).
    for _ in range(5):
        tools, own = world.unique("tools"), world.unique("own")
        eu = world.publish("111111111111", "eu-west-1", tools, {"python/tools.py": "REGION = 'eu'\n"})
        us = world.publish("111111111111", "us-west-2", tools, {"python/tools.py": "REGION = 'us'\n"})
        if eu.arn.endswith(":1") and us.arn.endswith(":1"):
            break
    else:
        pytest.fail(f"moto numbered fresh layers {eu.arn} and {us.arn}")
    for layer in (eu, us):
        world.share(layer, principal=CONSUMER)
    mine = world.publish(CONSUMER, "us-east-1", own)
    (tmp_path / ".git").mkdir()
    (tmp_path / "template.yaml").write_text(TEMPLATE.format(tools=tools, own=own, own_account=CONSUMER))
    (tmp_path / ".layergate.yaml").write_text(POLICY.format(legacy="0" * 63 + "1"))
    monkeypatch.chdir(tmp_path)
    return Repo(tmp_path, eu, us, mine)


def lock(world: World, *args: str) -> int:
    return main(["lock", "--endpoint-url", world.url, *args])


def with_entries(repo: Repo, block: str) -> str:
    """The original policy with ``block`` inserted after the last layers: entry, and nothing else changed."""
    text = POLICY.format(legacy="0" * 63 + "1")
    anchor = "    reviewed_at: 2026-10-01\n"
    return text.replace(anchor, anchor + block)


def read_policy(repo: Repo) -> str:
    return TIME.sub('recorded_at: "<time>"', repo.policy.read_text())


def test_first_lock_records_each_version_in_its_own_region(
    world: World, repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert lock(world) == 0
    out, err = capsys.readouterr()
    assert out == "".join(
        f"recorded  {x.arn}  sha256 {x.sha256}  ({len(x.zip):,} bytes)\n" for x in (repo.tools_eu, repo.tools_us, repo.own)
    )
    assert err == (
        "lock: 3 recorded, 0 updated, 0 unchanged, 0 errors; .layergate.yaml written\n"
        "note: recorded without reviewed_by: LG301 fails for these layer versions until someone has reviewed each "
        "one and filled in reviewed_by and reviewed_at\n"
    )
    assert repo.tools_eu.sha256 != repo.tools_us.sha256
    assert read_policy(repo) == with_entries(repo, entry(repo.tools_eu) + entry(repo.tools_us) + entry(repo.own))


def test_relock_is_a_no_op_and_reads_each_arn_once(
    world: World, repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert lock(world) == 0
    written = repo.policy.read_bytes()
    stat_before = os.stat(repo.policy)
    capsys.readouterr()
    assert lock(world) == 0
    out, err = capsys.readouterr()
    assert (out, err) == ("", "lock: 0 recorded, 0 updated, 3 unchanged, 0 errors; nothing to write\n")
    assert repo.policy.read_bytes() == written
    assert os.stat(repo.policy).st_mtime_ns == stat_before.st_mtime_ns
    assert world.router is not None
    assert [world.router.hits[("GetLayerVersion", x.arn)] for x in (repo.tools_eu, repo.tools_us, repo.own)] == [2, 2, 2]


def test_reviewer_fills_in_the_review(world: World, repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert lock(world, "--reviewer", "Bob O'Neil", "--today", "2026-12-01", "template.yaml") == 0
    review = "    reviewed_by: \"Bob O'Neil\"\n    reviewed_at: 2026-12-01\n"
    assert read_policy(repo) == with_entries(
        repo, entry(repo.tools_eu, review) + entry(repo.tools_us, review) + entry(repo.own, review)
    )
    assert capsys.readouterr().err == "lock: 3 recorded, 0 updated, 0 unchanged, 0 errors; .layergate.yaml written\n"


def test_recorded_vs_published_mismatch_is_reported_and_kept(
    world: World, repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = "ab" * 32
    original = POLICY.format(legacy="0" * 63 + "1").replace(
        "layers:   # reviewed layer versions\n",
        f"layers:   # reviewed layer versions\n  - arn: {repo.tools_us.arn}\n    sha256: {wrong}\n"
        "    reviewed_by: carol\n    reviewed_at: 2026-11-20\n",
    )
    repo.policy.write_text(original)
    assert lock(world) == 1
    out, _err = capsys.readouterr()
    assert out == (
        f"recorded  {repo.tools_eu.arn}  sha256 {repo.tools_eu.sha256}  ({len(repo.tools_eu.zip):,} bytes)\n"
        f"recorded  {repo.own.arn}  sha256 {repo.own.sha256}  ({len(repo.own.zip):,} bytes)\n"
        f"error: checksum mismatch for {repo.tools_us.arn} (used by Api at template.yaml:11:11)\n"
        f"  recorded in .layergate.yaml line 10: {wrong}\n"
        f"  published by AWS now:                {repo.tools_us.sha256}\n"
        "  This layer version no longer holds what was reviewed; lock never replaces a recorded hash.\n"
        f"  After reviewing it again: layergate lock --update {repo.tools_us.arn}\n"
    )
    after = read_policy(repo)
    assert f"sha256: {wrong}\n    reviewed_by: carol\n" in after

    assert lock(world, "--update", repo.tools_us.arn) == 0
    out, err = capsys.readouterr()
    assert out == (
        f"updated   {repo.tools_us.arn}\n"
        f"  old sha256 {wrong}  (.layergate.yaml line 10)\n"
        f"  new sha256 {repo.tools_us.sha256}  (published by AWS now, {len(repo.tools_us.zip):,} bytes)\n"
        "  reviewed_by and reviewed_at removed: the new content has not been reviewed\n"
    )
    assert err.startswith("lock: 0 recorded, 1 updated, 2 unchanged, 0 errors; .layergate.yaml written\n")
    assert read_policy(repo) == after.replace(
        f"    sha256: {wrong}\n    reviewed_by: carol\n    reviewed_at: 2026-11-20\n",
        f'    sha256: {repo.tools_us.sha256}\n    code_size: {len(repo.tools_us.zip)}\n    recorded_at: "<time>"\n'
        "    extension: false\n",
    )


def test_download_hash_mismatch_refuses_to_record(
    world: World, repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert world.zips is not None
    tampered = b"PK\x05\x06" + b"\x00" * 18
    world.zips.contents[world.zips.path_for(repo.tools_us.arn)] = tampered
    assert lock(world, "--download") == 1
    out, _err = capsys.readouterr()
    assert out == (
        f"recorded  {repo.tools_eu.arn}  sha256 {repo.tools_eu.sha256}  ({len(repo.tools_eu.zip):,} bytes)\n"
        f"recorded  {repo.own.arn}  sha256 {repo.own.sha256}  ({len(repo.own.zip):,} bytes)\n"
        f"error: refusing to record {repo.tools_us.arn}: the downloaded zip does not match the CodeSha256 AWS reports\n"
        f"  CodeSha256 from AWS: {repo.tools_us.sha256}  ({len(repo.tools_us.zip):,} bytes)\n"
        f"  downloaded zip:      {hashlib.sha256(tampered).hexdigest()}  (22 bytes)\n"
    )
    assert read_policy(repo) == with_entries(repo, entry(repo.tools_eu) + entry(repo.own))
    assert world.zips.requests[world.zips.path_for(repo.own.arn)] == 1


def test_deleted_and_not_shared_versions_are_not_recorded(
    world: World, repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    world.delete(repo.own)
    private = world.publish("222222222222", "eu-west-1", world.unique("private"))
    template = repo.root / "template.yaml"
    template.write_text(template.read_text() + f"        - {private.arn}\n")
    assert lock(world) == 1
    out, _err = capsys.readouterr()
    assert out == (
        f"recorded  {repo.tools_eu.arn}  sha256 {repo.tools_eu.sha256}  ({len(repo.tools_eu.zip):,} bytes)\n"
        f"recorded  {repo.tools_us.arn}  sha256 {repo.tools_us.sha256}  ({len(repo.tools_us.zip):,} bytes)\n"
        f"error: cannot read {repo.own.arn} (used by Api at template.yaml:12:11): "
        "ResourceNotFoundException: Cannot find layer\n"
        f"error: cannot read {private.arn} (used by Api at template.yaml:13:11): AccessDeniedException: "
        f"User: arn:aws:sts::{CONSUMER}:user/moto is not authorized to perform: lambda:GetLayerVersion on resource: "
        f"{private.arn} because no resource-based policy allows the lambda:GetLayerVersion action\n"
    )
    assert read_policy(repo) == with_entries(repo, entry(repo.tools_eu) + entry(repo.tools_us))


def test_dry_run_prints_a_diff_and_writes_nothing(
    world: World, repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    before = repo.policy.read_bytes()
    assert lock(world, "--dry-run", "--quiet") == 0
    out, err = capsys.readouterr()
    assert repo.policy.read_bytes() == before
    added = "".join("+" + line + "\n" for line in (entry(repo.tools_eu) + entry(repo.tools_us) + entry(repo.own)).splitlines())
    assert TIME.sub('recorded_at: "<time>"', out) == (
        "--- .layergate.yaml\n+++ .layergate.yaml\n@@ -12,6 +12,21 @@\n"
        "     sha256: 0000000000000000000000000000000000000000000000000000000000000001\n"
        "     reviewed_by: alice\n     reviewed_at: 2026-10-01\n" + added + " \n # never deploy community layers\n deny:\n"
    )
    assert err == "".join(
        f"recorded  {x.arn}  sha256 {x.sha256}  ({len(x.zip):,} bytes)\n" for x in (repo.tools_eu, repo.tools_us, repo.own)
    )


def test_a_run_that_fails_part_way_writes_nothing(
    world: World, repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    before = repo.policy.read_bytes()
    world.fault(repo.tools_us, Fault(429, "TooManyRequestsException", "Rate exceeded", delay=0.3))
    try:
        assert lock(world) == 2
    finally:
        world.clear_faults()
    out, err = capsys.readouterr()
    assert (out, err) == ("", "layergate: error: throttled by AWS Lambda in us-west-2 after 1 attempts "
                              "(TooManyRequestsException: Rate exceeded); wait and run again, or lower --jobs\n")
    assert repo.policy.read_bytes() == before


def test_an_interrupted_run_leaves_the_file_unchanged(world: World, repo: Repo) -> None:
    before = repo.policy.read_bytes()
    world.fault(repo.own, Fault(delay=20))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "layergate", "lock", "--endpoint-url", world.url, "--jobs", "1"],
        cwd=repo.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert world.router is not None
        deadline = time.monotonic() + 30
        while world.router.hits[("GetLayerVersion", repo.own.arn)] == 0:
            assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        interrupted = time.monotonic()
        out, err = proc.communicate(timeout=40)
        # The request in flight is held for 20 s; Ctrl-C must not wait for it.
        assert time.monotonic() - interrupted < 5
    finally:
        world.clear_faults()
        if proc.poll() is None:
            proc.kill()
    assert (proc.returncode, out, err) == (130, "", "layergate: interrupted\n")
    assert repo.policy.read_bytes() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--update", "arn:aws:lambda:us-east-1:123456789012:layer:nowhere:9"],
         "--update: arn:aws:lambda:us-east-1:123456789012:layer:nowhere:9 is neither referenced under . nor in "
         ".layergate.yaml"),
        (["--reviewer", " "], "--reviewer: give the name of the person who reviewed the layers"),
    ],
)
def test_usage_errors(world: World, repo: Repo, capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    assert lock(world, *args) == 2
    assert capsys.readouterr().err == f"layergate: error: {message}\n"


def test_without_a_policy_file(world: World, repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.policy.unlink()
    assert lock(world) == 2
    assert capsys.readouterr().err == (
        "layergate: error: no .layergate.yaml found: lock works on the policy file's layers: list; create one with "
        "`layergate init` (or a file holding 'version: 1'), or pass --policy FILE\n"
    )


def test_unreachable_endpoint(repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    url = f"http://127.0.0.1:{free_port()}"
    assert main(["lock", "--endpoint-url", url]) == 2
    assert capsys.readouterr().err == f"layergate: error: AWS endpoint unreachable: {url} (Connection refused)\n"


def test_check_never_imports_boto3(repo: Repo) -> None:
    code = (
        "import sys; from layergate.cli import main; status = main(['check', '-q', '.']); "
        "print(status, sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'ruamel')))"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", code], cwd=repo.root, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.stderr == ""
    assert done.stdout.splitlines()[-1] == "1 []"  # LG301 for the unrecorded layers, and no boto3


def test_an_arn_whose_partition_contradicts_its_region_is_not_asked(
    world: World, repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = "arn:aws:lambda:cn-north-1:111111111111:layer:tools:1"
    template = repo.root / "template.yaml"
    template.write_text(template.read_text() + f"        - {bad}\n")
    assert lock(world, "--quiet") == 1
    out, _err = capsys.readouterr()
    assert out.splitlines()[-1] == (
        f"error: cannot read {bad} (used by Api at template.yaml:13:11): its partition 'aws' does not match "
        "region cn-north-1 (partition 'aws-cn')"
    )
    assert world.router is not None and world.router.hits[("GetLayerVersion", bad)] == 0


def test_extension_flag_comes_from_the_catalog(world: World, repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    datadog = world.publish("464622532012", "us-east-1", "Datadog-Extension", {"extensions/datadog-agent": "x"})
    world.share(datadog)
    template = repo.root / "template.yaml"
    template.write_text(template.read_text() + f"        - {datadog.arn}\n")
    assert lock(world, "--quiet") == 0
    assert read_policy(repo) == with_entries(
        repo,
        entry(repo.tools_eu) + entry(repo.tools_us) + entry(repo.own)
        + entry(datadog).replace("extension: false", "extension: true"),
    )


def test_jobs_must_be_a_small_positive_number(world: World, repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        lock(world, "--jobs", "0")
    assert exited.value.code == 2
    assert capsys.readouterr().err.endswith(
        "layergate lock: error: argument --jobs: expected a number of requests from 1 to 64, got '0'\n"
    )
