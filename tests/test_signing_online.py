"""`layergate lock` records and `layergate verify` checks what signed a layer version (LG309), end to end:
the real CLI, a CloudFormation template, moto on loopback behind the front that adds the signing fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lockverify_world import CONSUMER, Layer, World, world_fixture  # noqa: F401

from layergate.cli import main

pytestmark = pytest.mark.aws

PUBLISHER = "444455556666"  # an internal publisher: the platform team's account
PROFILE = f"arn:aws:signer:eu-west-1:{PUBLISHER}:/signing-profiles/LayerSigning/a1b2c3d4e5"
JOB = f"arn:aws:signer:eu-west-1:{PUBLISHER}:/signing-jobs/1f2e3d4c-0000-4000-8000-000000000001"
TEMPLATE = """\
Resources:
  Api:
    Type: AWS::Lambda::Function
    Properties: {{Handler: app.handler, Role: "arn:aws:iam::123456789012:role/api", Layers: [{arn}]}}
"""

def setup(world: World, root: Path, *, sign_with: str | None, profiles: str = "[LayerSigning]") -> Layer:
    layer = world.publish(PUBLISHER, "eu-west-1", world.unique("platform-utils"))
    world.share(layer, principal=CONSUMER)
    if sign_with is not None:
        world.sign(layer, sign_with, JOB)
    (root / ".git").mkdir()
    (root / "template.yaml").write_text(TEMPLATE.format(arn=layer.arn))
    (root / ".layergate.yaml").write_text(
        "version: 1\npublishers:\n"
        f'  - account: "{PUBLISHER}"\n    name: platform-team\n    internal: true\n    signing_profiles: {profiles}\n'
        "layers: []\n")
    return layer


def run(world: World, command: str, *args: str) -> int:
    return main([command, "--endpoint-url", world.url, *args])


def findings(out: str) -> list[tuple[object, ...]]:
    return [(f["rule"], f["file"], f["line"], f["column"], f["message"]) for f in json.loads(out)["findings"]]


@pytest.fixture
def root(aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_lock_records_the_signature_and_verify_passes(world: World, root: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    layer = setup(world, root, sign_with=PROFILE)
    assert run(world, "lock") == 0
    text = (root / ".layergate.yaml").read_text()
    assert f"    signing_profile: {PROFILE}\n    signing_job: {JOB}\n" in text
    capsys.readouterr()
    assert run(world, "verify", "--format", "json") == 0
    assert findings(capsys.readouterr().out) == []
    assert f"arn: {layer.arn}" in text


def test_unsigned_layer_is_lg309(world: World, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    layer = setup(world, root, sign_with=None)
    assert run(world, "verify", "--format", "json") == 1
    assert findings(capsys.readouterr().out) == [
        ("LG309", "template.yaml", 4, 93, f"function Api uses {layer.arn} from platform-team, which AWS reports as "
         "not signed (no SigningProfileVersionArn)"),
    ]


def test_layer_signed_by_another_profile_is_lg309(world: World, root: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    laptop = f"arn:aws:signer:eu-west-1:{PUBLISHER}:/signing-profiles/Laptop/0a0b0c0d0e"
    layer = setup(world, root, sign_with=laptop)
    assert run(world, "verify", "--format", "json") == 1
    assert findings(capsys.readouterr().out) == [
        ("LG309", "template.yaml", 4, 93, f"function Api uses {layer.arn} from platform-team, signed by {laptop}, "
         "which the policy does not list (signing_profiles: LayerSigning)"),
    ]


def test_signed_by_another_version_than_recorded_is_lg309(world: World, root: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    layer = setup(world, root, sign_with=PROFILE)
    assert run(world, "lock") == 0
    newer = PROFILE.rsplit("/", 1)[0] + "/f9e8d7c6b5"
    world.sign(layer, newer, JOB)
    capsys.readouterr()
    assert run(world, "verify", "--format", "json") == 1
    assert findings(capsys.readouterr().out) == [
        ("LG309", "template.yaml", 4, 93, f"function Api uses {layer.arn} from platform-team, signed by {newer}, "
         f"but .layergate.yaml line 8 records signing profile {PROFILE}"),
    ]
