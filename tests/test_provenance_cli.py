"""`verify --provenance`, `inspect --provenance`: the real CLI, moto on loopback, real Sigstore bundles."""

from __future__ import annotations

import json
import shutil
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from lockverify_world import CONSUMER, ORG_ID, Layer, World, world_fixture  # noqa: F401
from provenance_world import signed_zip

from layergate.cli import main

FIX = Path(__file__).parent / "fixtures" / "provenance"
PYPI = FIX / "pypi_attestation_models-0.0.4a2.tar.gz"
NPM2 = FIX / "sigstore-2.0.0.tgz"
TOB = "trailofbits/pypi-attestation-models"

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
        - {arn}
"""
LG = {
    "LG306": "Attest the layer zip in its build pipeline (actions/attest-build-provenance) and keep the bundle where "
    "the policy's provenance.attestation, --attestation or the zip's folder says.",
}


@dataclass
class Repo:
    root: Path
    layer: Layer

    def policy(self, repository: str = TOB, attestation: str = "attestations/{name}-{version}.sigstore.json") -> None:
        (self.root / ".layergate.yaml").write_text(
            "version: 1\n"
            f'org:\n  id: {ORG_ID}\n  accounts: ["{CONSUMER}"]\n'
            f'publishers:\n  - account: "{CONSUMER}"\n    internal: true\n'
            f"    provenance:\n      repository: {repository}\n      workflow: .github/workflows/release.yml\n"
            f"      attestation: {json.dumps(attestation)}\n"
            "layers:\n"
            f"  - arn: {self.layer.arn}\n    sha256: {self.layer.sha256}\n"
            "    reviewed_by: alice\n    reviewed_at: 2026-11-01\n"
        )

    def keep(self, bundle: Path) -> Path:
        name, version = self.layer.arn.split(":")[6:8]
        target = self.root / "attestations" / f"{name}-{version}.sigstore.json"
        target.parent.mkdir(exist_ok=True)
        shutil.copy(bundle, target)
        return target


def _repo(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes) -> Repo:
    layer = world.publish(CONSUMER, "eu-west-1", world.unique("built"), data=data)
    (tmp_path / ".git").mkdir()
    (tmp_path / "template.yaml").write_text(TEMPLATE.format(arn=layer.arn))
    monkeypatch.chdir(tmp_path)
    repo = Repo(tmp_path, layer)
    repo.policy()
    return repo


def verify(world: World, *args: str) -> int:
    return main(["verify", "--endpoint-url", world.url, "--provenance", "--format", "json", *args])


def findings(out: str) -> list[tuple[object, ...]]:
    return [tuple(f[k] for k in ("rule", "file", "line", "column", "message")) for f in json.loads(out)["findings"]]


@pytest.mark.aws
def test_valid_attestation_passes(world: World, aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    repo = _repo(world, tmp_path, monkeypatch, PYPI.read_bytes())
    repo.keep(Path(f"{PYPI}.sigstore.json"))
    assert verify(world) == 0
    out, err = capsys.readouterr()
    assert findings(out) == []
    assert "note: verify: checked the build provenance of 1 internal layer version\n" in err


@pytest.mark.aws
def test_one_byte_changed_is_lg308_and_another_repository_lg307(
    world: World, aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = bytearray(PYPI.read_bytes())
    data[100] ^= 1
    repo = _repo(world, tmp_path, monkeypatch, bytes(data))
    kept = repo.keep(Path(f"{PYPI}.sigstore.json"))
    repo.policy(repository="acme/layers")
    assert verify(world) == 1
    shown = kept.relative_to(tmp_path)
    assert findings(capsys.readouterr().out) == [
        ("LG307", "template.yaml", 11, 11, f"function Api uses {repo.layer.arn}, which was not built where the policy "
         f"expects: attestation {shown} says, by its signing certificate, repository {TOB}, expected acme/layers"),
        ("LG308", "template.yaml", 11, 11, f"function Api uses {repo.layer.arn}, which has an attestation of another "
         f"artifact: attestation {shown} attests pypi_attestation_models-0.0.4a2.tar.gz sha256:c9709ce6fd5b67b5..., "
         f"but the layer zip's SHA-256 is {repo.layer.sha256}"),
    ]


@pytest.mark.aws
def test_missing_and_unverifiable_attestations_are_lg306(
    world: World, aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _repo(world, tmp_path, monkeypatch, NPM2.read_bytes())
    assert verify(world) == 1
    name, version = repo.layer.arn.split(":")[6:8]
    doc = json.loads(capsys.readouterr().out)
    assert [(f["rule"], f["message"], f["fix"]) for f in doc["findings"]] == [
        ("LG306", f"function Api uses {repo.layer.arn}, which has no attestation (looked for "
         f"attestations/{name}-{version}.sigstore.json)", LG["LG306"])]
    npm = str(NPM2) + ".sigstore.json"
    assert verify(world, "--attestation", npm) == 1
    assert findings(capsys.readouterr().out) == [
        ("LG306", "template.yaml", 11, 11, f"function Api uses {repo.layer.arn}, which has no valid attestation: "
         f"attestation {npm} does not verify offline: sigstore: Integrated time only supported for "
         "dsse/hashedrekord 0.0.1 types")]


@pytest.fixture
def bundle_server(tmp_path: Path) -> Iterator[str]:
    served = tmp_path / "served"
    served.mkdir()
    shutil.copy(f"{PYPI}.sigstore.json", served / "bundle.json")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(served)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.aws
def test_url_pattern_in_the_policy(world: World, aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str], bundle_server: str) -> None:
    repo = _repo(world, tmp_path, monkeypatch, PYPI.read_bytes())
    repo.policy(attestation=f"{bundle_server}/bundle.json")
    assert verify(world) == 0
    assert findings(capsys.readouterr().out) == []
    repo.policy(attestation=f"{bundle_server}/{{name}}.json")
    assert verify(world) == 1
    assert [f[0] for f in findings(capsys.readouterr().out)] == ["LG306"]


@pytest.mark.aws
def test_s3_pattern_in_the_policy_reads_a_private_bucket(
    world: World, aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import boto3

    repo = _repo(world, tmp_path, monkeypatch, PYPI.read_bytes())
    name, version = repo.layer.arn.split(":")[6:8]
    bucket = world.unique("attestations").lower()
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=world.moto_url,
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key=f"{name}-{version}.sigstore.json", Body=Path(f"{PYPI}.sigstore.json").read_bytes())
    repo.policy(attestation=f"s3://{bucket}/{{name}}-{{version}}.sigstore.json")
    assert verify(world) == 0
    assert findings(capsys.readouterr().out) == []
    # lock records what the bundle in the bucket says
    assert main(["lock", "--endpoint-url", world.url, "--provenance", "--update", repo.layer.arn]) == 0
    capsys.readouterr()
    assert f"provenance: {{repository: {TOB}," in (tmp_path / ".layergate.yaml").read_text()
    # No such object: LG306 naming the place; a place that is not an object: LG306 saying why.
    repo.policy(attestation=f"s3://{bucket}/missing/{{name}}.json")
    assert verify(world) == 1
    assert findings(capsys.readouterr().out) == [
        ("LG306", "template.yaml", 11, 11, f"function Api uses {repo.layer.arn}, which has no attestation (looked for "
         f"s3://{bucket}/missing/{name}.json)")]
    repo.policy(attestation="s3://not-a-key")
    assert verify(world) == 1
    assert findings(capsys.readouterr().out) == [
        ("LG306", "template.yaml", 11, 11, f"function Api uses {repo.layer.arn}, which has no readable attestation: "
         "s3://not-a-key: not an S3 object: write s3://bucket/key")]


def test_attestation_file_that_does_not_exist_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["verify", "--attestation", "nope.json", str(tmp_path)]) == 2
    assert capsys.readouterr().err == "layergate: error: nope.json: --attestation: no such file\n"


# -- inspect --provenance on a local zip, key-signed DSSE (a key generated here) --------------------------


def test_inspect_local_zip_with_a_key_signed_envelope_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    signed_zip(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["inspect", "--provenance", "layer.zip"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[3] == ("  provenance verified: built from acme/layers@0123456789ab by workflow "
                        ".github/workflows/layer.yml (refs/heads/main) (attestation layer.zip.dsse.json)")
    assert main(["inspect", "--provenance", "--format", "json", "layer.zip"]) == 0
    assert json.loads(capsys.readouterr().out)["provenance"] == [lines[3].removeprefix("  provenance ")]


def test_inspect_local_zip_failures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    layer, envelope, _ = signed_zip(tmp_path, repository="evil/layers")
    monkeypatch.chdir(tmp_path)
    assert main(["inspect", "--provenance", "layer.zip"]) == 1
    assert capsys.readouterr().out.splitlines()[3] == (
        "  provenance LG307 error  layer.zip was not built where the policy expects: attestation "
        "layer.zip.dsse.json says, by its provenance (signed with layer.pub), repository evil/layers, "
        "expected acme/layers")
    layer.write_bytes(layer.read_bytes() + b"\0")
    assert main(["inspect", "--provenance", "layer.zip"]) == 1
    assert "  provenance LG308 error  layer.zip has an attestation of another artifact" in capsys.readouterr().out
    envelope.unlink()
    assert main(["inspect", "--provenance", "layer.zip"]) == 1
    assert capsys.readouterr().out.splitlines()[3] == (
        "  provenance LG306 error  layer.zip has no attestation (looked for nowhere: give --attestation FILE or "
        "set the publisher's provenance.attestation)")
    assert main(["inspect", "--attestation", "nope.json", "layer.zip"]) == 2
    assert capsys.readouterr().err == "layergate: error: nope.json: --attestation: no such file\n"


@pytest.mark.aws
def test_lock_records_the_build_and_inspect_shows_it(
    world: World, aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _repo(world, tmp_path, monkeypatch, PYPI.read_bytes())
    kept = repo.keep(Path(f"{PYPI}.sigstore.json"))
    assert main(["lock", "--endpoint-url", world.url, "--provenance", "-q"]) == 0
    built = (f"built from {TOB}@153c9a3f5c15 by workflow .github/workflows/release.yml (refs/tags/v0.0.4a2)")
    assert capsys.readouterr().out == f"recorded  {repo.layer.arn}  provenance: {built}\n"
    text = (tmp_path / ".layergate.yaml").read_text()
    assert text.endswith(
        f"    reviewed_at: 2026-11-01\n    provenance: {{repository: {TOB}, commit: "
        '"153c9a3f5c152ef5405cba227676534658acde27", workflow: ".github/workflows/release.yml", '
        "ref: refs/tags/v0.0.4a2, "
        "attestation_sha256: faf6ebd0a6573479d34ffd0610eba529b155a1cebf643f50d30308daaa675994}\n")
    assert main(["lock", "--endpoint-url", world.url, "--provenance", "-q"]) == 0  # a re-run is a no-op
    assert capsys.readouterr().out == ""
    assert (tmp_path / ".layergate.yaml").read_text() == text
    repo.policy(repository="acme/layers")
    assert main(["lock", "--endpoint-url", world.url, "--provenance", "-q"]) == 1
    assert capsys.readouterr().out.splitlines()[0] == (
        f"error: refusing to record {repo.layer.arn} (used by Api at template.yaml:11:11): it was not built where "
        f"the policy expects: attestation {kept.relative_to(tmp_path)} says, by its signing certificate, "
        f"repository {TOB}, expected acme/layers (LG307)")


@pytest.mark.aws
def test_inspect_and_diff_show_the_recorded_build(
    world: World, aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old = world.publish(CONSUMER, "eu-west-1", world.unique("shown"))
    new = world.publish(CONSUMER, "eu-west-1", world.unique("shown"), files={"python/mod.py": "X = 2\n"})
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".layergate.yaml").write_text(
        f"version: 1\nlayers:\n  - arn: {old.arn}\n    sha256: {old.sha256}\n"
        "    provenance: {repository: acme/layers, commit: 0123456789abcdef0123456789abcdef01234567, "
        "workflow: .github/workflows/layer.yml, ref: refs/heads/main}\n")
    built = "built from acme/layers@0123456789ab by workflow .github/workflows/layer.yml (refs/heads/main)"
    assert main(["inspect", "--endpoint-url", world.url, old.arn]) == 0
    assert capsys.readouterr().out.splitlines()[3] == f"  provenance recorded: {built}"
    assert main(["diff", "--endpoint-url", world.url, old.arn, new.arn]) == 1
    assert capsys.readouterr().out.splitlines()[:2] == [f"OLD {old.arn}  ({built})", f"NEW {new.arn}"]
    assert main(["diff", "--endpoint-url", world.url, "--format", "json", old.arn, new.arn]) == 1
    assert json.loads(capsys.readouterr().out)["provenance"] == {"old": built, "new": None}


def test_without_the_sigstore_library_provenance_is_a_clear_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    signed_zip(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "sigstore", None)  # what an environment without the extra sees
    assert main(["inspect", "--provenance", "layer.zip"]) == 2
    assert capsys.readouterr().err == ("layergate: error: --provenance needs the sigstore library (sigstore is not "
                                       "installed): pip install 'layergate[provenance]'\n")
