"""Layer version ARNs as inputs of inspect and diff, against moto in server mode on loopback.

moto answers ``Content.Location`` with an ``s3://`` URL nobody can download; the lock/verify test world
(``lockverify_world``) puts a small router in front of moto that rewrites it to a loopback server holding
the published zip, the way a presigned S3 URL would serve it. Everything else is real HTTP: GetLayerVersion
through botocore, the download through urllib, the hash check in layergate.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from layer_builder import review_layer, write_review_layer
from lockverify_world import CONSUMER, World, world_fixture  # noqa: F401

from layergate.cli import main

pytestmark = pytest.mark.aws


def publish(world: World, name: str, data: bytes, account: str = CONSUMER) -> str:
    answer = world.lambda_client(account, "us-east-1").publish_layer_version(
        LayerName=name, Content={"ZipFile": data}, CompatibleRuntimes=["python3.12"]
    )
    arn = str(answer["LayerVersionArn"])
    assert world.zips is not None
    world.zips.contents[world.zips.path_for(arn)] = data
    return arn


@pytest.fixture
def zips(tmp_path: Path) -> tuple[bytes, bytes]:
    return (write_review_layer(tmp_path / "v1.zip", 1).read_bytes(),
            write_review_layer(tmp_path / "v2.zip", 2).read_bytes())


@pytest.fixture
def workdir(tmp_path: Path, aws_env: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)  # policy discovery stops here
    monkeypatch.chdir(root)
    return root


def run(capsys: pytest.CaptureFixture[str], world: World, *args: str) -> tuple[int, str, str]:
    code = main([*args, "--endpoint-url", world.url])
    out, err = capsys.readouterr()
    return code, out, err


def test_inspect_an_arn_checked_against_the_published_hash(world: World, workdir: Path, zips: tuple[bytes, bytes],
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    arn = publish(world, world.unique("vendor"), zips[0])
    code, out, err = run(capsys, world, "inspect", arn)
    assert (code, err) == (0, "")
    assert out.startswith(f"Layer {arn}\n  sha256 {hashlib.sha256(zips[0]).hexdigest()} (zip)\n  18 files, ")
    assert "  python  requests 2.31.0                                 python/requests-2.31.0.dist-info\n" in out


def test_a_zip_that_is_not_what_aws_published_is_not_inspected(world: World, workdir: Path, zips: tuple[bytes, bytes],
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    arn = publish(world, world.unique("vendor"), zips[0])
    assert world.zips is not None
    world.zips.contents[world.zips.path_for(arn)] = zips[1][: len(zips[0])].ljust(len(zips[0]), b"\0")
    code, out, err = run(capsys, world, "inspect", arn)
    served = hashlib.sha256(world.zips.contents[world.zips.path_for(arn)]).hexdigest()
    assert (code, out) == (2, "")
    assert err == (f"layergate: error: {arn}: the downloaded zip has SHA-256 {served}, not the published "
                   f"{hashlib.sha256(zips[0]).hexdigest()}; not inspecting it\n")


def test_the_recorded_hash_wins_over_the_published_one(world: World, workdir: Path, zips: tuple[bytes, bytes],
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    arn = publish(world, world.unique("vendor"), zips[1])
    reviewed = hashlib.sha256(zips[0]).hexdigest()
    (workdir / ".layergate.yaml").write_text(
        f"version: 1\nlayers:\n  - arn: {arn}\n    sha256: {reviewed}\n    reviewed_by: alice\n"
        "    reviewed_at: 2026-11-02\n"
    )
    code, out, err = run(capsys, world, "inspect", arn)
    assert (code, out) == (2, "")
    assert err == (f"layergate: error: {arn}: AWS now publishes CodeSha256 {hashlib.sha256(zips[1]).hexdigest()}, "
                   f"not the recorded {reviewed}: this is not the reviewed version; not inspecting it\n")
    # Recorded and published agree: inspected.
    (workdir / ".layergate.yaml").write_text(
        f"version: 1\nlayers:\n  - arn: {arn}\n    sha256: {hashlib.sha256(zips[1]).hexdigest()}\n")
    assert run(capsys, world, "inspect", arn)[0] == 1  # v2 holds a symlink: a problem of the layer


def test_diff_two_published_versions(world: World, workdir: Path, zips: tuple[bytes, bytes],
                                     capsys: pytest.CaptureFixture[str]) -> None:
    name = world.unique("vendor")
    old, new = publish(world, name, zips[0]), publish(world, name, zips[1])
    assert (old.rsplit(":", 1)[1], new.rsplit(":", 1)[1]) == ("1", "2")
    code, out, err = run(capsys, world, "diff", old, new, "--format", "markdown")
    assert (code, err) == (1, "")
    assert out.startswith(f"### layergate diff: `{old}` → `{new}`\n\n**1 package added, 1 package removed, ")


def test_diff_a_published_version_against_a_local_build(world: World, workdir: Path, zips: tuple[bytes, bytes],
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    arn = publish(world, world.unique("vendor"), zips[0])
    local = workdir / "build.zip"
    local.write_bytes(zips[0])
    code, out, _ = run(capsys, world, "diff", arn, str(local))
    assert (code, out) == (0, f"OLD {arn}\nNEW {local}\nSummary: identical: no file differs\n")
    assert len(review_layer(1)) == 18


def test_a_layer_not_shared_with_the_caller(world: World, workdir: Path, zips: tuple[bytes, bytes],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    arn = publish(world, world.unique("private"), zips[0], account="222222222222")
    code, out, err = run(capsys, world, "inspect", arn)
    assert (code, out) == (2, "")
    assert err.startswith(f"layergate: error: GetLayerVersion {arn}: AccessDeniedException: ")


@pytest.mark.parametrize(("arn", "message"), [
    ("arn:aws:lambda:us-east-1:123456789012:layer:vendor",
     "arn:aws:lambda:us-east-1:123456789012:layer:vendor: a layer version ARN is needed (ending in :<version>)"),
    ("arn:aws:lambda:us-east-1:12345:layer:vendor:1",
     "arn:aws:lambda:us-east-1:12345:layer:vendor:1: account '12345' is not 12 digits"),
])
def test_malformed_arns(world: World, workdir: Path, capsys: pytest.CaptureFixture[str], arn: str, message: str) -> None:
    code, out, err = run(capsys, world, "inspect", arn)
    assert (code, out) == (2, "")
    assert err == f"layergate: error: {message}\n"
