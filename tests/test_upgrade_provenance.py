"""`upgrade` and build provenance: the pinned version's recorded build, the new version's attestation verified
with --provenance (a real PyPI Sigstore bundle; its tarball stands in for the new layer zip), moto on loopback."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from lockverify_world import CONSUMER, ORG_ID, Layer, World, world_fixture  # noqa: F401
from test_provenance_cli import TEMPLATE

from layergate.cli import main

pytestmark = pytest.mark.aws

FIX = Path(__file__).parent / "fixtures" / "provenance"
PYPI = FIX / "pypi_attestation_models-0.0.4a2.tar.gz"
TOB = "trailofbits/pypi-attestation-models"
OLD_BUILT = "built from acme/layers@0123456789ab by workflow .github/workflows/release.yml (refs/heads/main)"
NEW_BUILT = f"built from {TOB}@153c9a3f5c15 by workflow .github/workflows/release.yml (refs/tags/v0.0.4a2)"


@dataclass
class Repo:
    root: Path
    old: Layer
    new: Layer

    def policy(self, repository: str = TOB) -> str:
        text = (
            "version: 1\n"
            f'org:\n  id: {ORG_ID}\n  accounts: ["{CONSUMER}"]\n'
            f'publishers:\n  - account: "{CONSUMER}"\n    internal: true\n'
            f"    provenance:\n      repository: {repository}\n      workflow: .github/workflows/release.yml\n"
            '      attestation: "attestations/{name}-{version}.sigstore.json"\n'
            "layers:\n"
            f"  - arn: {self.old.arn}\n    sha256: {self.old.sha256}\n    reviewed_by: alice\n"
            "    reviewed_at: 2026-11-01\n"
            "    provenance: {repository: acme/layers, commit: 0123456789abcdef0123456789abcdef01234567, "
            "workflow: .github/workflows/release.yml, ref: refs/heads/main}\n"
        )
        (self.root / ".layergate.yaml").write_text(text)
        return text

    @property
    def bundle(self) -> Path:
        name, version = self.new.arn.split(":")[6:8]
        return self.root / "attestations" / f"{name}-{version}.sigstore.json"


def _repo(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, new_data: bytes) -> Repo:
    name = world.unique("attested")
    old = world.publish(CONSUMER, "eu-west-1", name)
    new = world.publish(CONSUMER, "eu-west-1", name, data=new_data)
    (tmp_path / ".git").mkdir()
    (tmp_path / "template.yaml").write_text(TEMPLATE.format(arn=old.arn))
    monkeypatch.chdir(tmp_path)
    repo = Repo(tmp_path, old, new)
    repo.policy()
    repo.bundle.parent.mkdir()
    shutil.copy(f"{PYPI}.sigstore.json", repo.bundle)
    return repo


def upgrade(world: World, *args: str) -> int:
    return main(["upgrade", "--endpoint-url", world.url, "--no-diff", *args])


def test_the_pinned_build_is_shown_and_the_new_attestation_verified(
    world: World, aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _repo(world, tmp_path, monkeypatch, PYPI.read_bytes())
    layer, old_v, new_v = repo.old.arn.rsplit(":", 1)[0], repo.old.arn.rsplit(":", 1)[1], repo.new.arn.rsplit(":", 1)[1]
    bundle = repo.bundle.relative_to(tmp_path)
    assert upgrade(world) == 0  # without --provenance: only what lock recorded
    out = capsys.readouterr().out
    assert out.splitlines()[:3] == [f"{layer}  {old_v} -> {new_v}", "  used at template.yaml:11:11 (Api)",
                                    f"  pinned {old_v}: {OLD_BUILT}"]
    assert upgrade(world, "--provenance") == 0
    out = capsys.readouterr().out
    assert out.splitlines()[:4] == [f"{layer}  {old_v} -> {new_v}", "  used at template.yaml:11:11 (Api)",
                                    f"  pinned {old_v}: {OLD_BUILT}",
                                    f"  new {new_v}: verified: {NEW_BUILT} (attestation {bundle})"]
    assert upgrade(world, "--provenance", "--format", "json") == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["layers"][0]["provenance"] == {
        "pinned": [{"arn": repo.old.arn, "recorded": True, "repository": "acme/layers",
                    "commit": "0123456789abcdef0123456789abcdef01234567", "workflow": ".github/workflows/release.yml",
                    "ref": "refs/heads/main", "attestation_sha256": None, "text": OLD_BUILT}],
        "new": {"arn": repo.new.arn, "verified": True, "attestation": str(bundle),
                "built_from": {"repository": TOB, "commit": "153c9a3f5c152ef5405cba227676534658acde27",
                               "workflow": ".github/workflows/release.yml", "ref": "refs/tags/v0.0.4a2",
                               "attestation_sha256": "faf6ebd0a6573479d34ffd0610eba529b155a1cebf643f50d30308daaa675994"},
                "text": NEW_BUILT, "problems": []},
    }
    assert upgrade(world, "--provenance", "--format", "markdown") == 0
    md = capsys.readouterr().out
    name = layer.split(":")[6]
    assert md[md.index("### Build provenance"):].splitlines()[:4] == [
        "### Build provenance", "", f"- `{name}` (eu-west-1) pinned {old_v}: {OLD_BUILT}",
        f"- `{name}` (eu-west-1) new {new_v}: verified: {NEW_BUILT} (attestation {bundle})"]


def test_apply_records_the_verified_build_on_the_new_entry(
    world: World, aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _repo(world, tmp_path, monkeypatch, PYPI.read_bytes())
    before = (tmp_path / ".layergate.yaml").read_text()
    assert upgrade(world, "--provenance", "--apply") == 0
    out = capsys.readouterr().out
    assert f"  provenance: {NEW_BUILT}" in out.splitlines()
    assert (tmp_path / "template.yaml").read_text() == TEMPLATE.format(arn=repo.new.arn)
    after = (tmp_path / ".layergate.yaml").read_text()
    recorded_at = after.split("recorded_at: ")[1].split("\n")[0]
    assert after == before + (
        f"  - arn: {repo.new.arn}\n    sha256: {repo.new.sha256}\n    code_size: {len(repo.new.zip)}\n"
        f"    recorded_at: {recorded_at}\n"
        f"    provenance: {{repository: {TOB}, commit: \"153c9a3f5c152ef5405cba227676534658acde27\", "
        'workflow: ".github/workflows/release.yml", ref: refs/tags/v0.0.4a2, '
        "attestation_sha256: faf6ebd0a6573479d34ffd0610eba529b155a1cebf643f50d30308daaa675994}\n")
    # --no-diff (the attested tarball is not a zip to diff): whether it is an extension is left to the reviewer.
    assert ("  extension: not determined (--no-diff: its content was not read): recorded without extension and "
            "reviewed_by; set extension: true or false after reading its content") in out.splitlines()


@pytest.mark.parametrize("case", ["one byte changed", "another repository", "no attestation"])
def test_a_failing_attestation_holds_the_upgrade_back(
    case: str, world: World, aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    data = PYPI.read_bytes()
    repo = _repo(world, tmp_path, monkeypatch, data + b"\n" if case == "one byte changed" else data)
    bundle = repo.bundle.relative_to(tmp_path)
    if case == "another repository":
        repo.policy(repository="acme/layers")
    if case == "no attestation":
        repo.bundle.unlink()
    policy, template = (tmp_path / ".layergate.yaml").read_text(), (tmp_path / "template.yaml").read_text()
    layer, old_v, new_v = repo.old.arn.rsplit(":", 1)[0], repo.old.arn.rsplit(":", 1)[1], repo.new.arn.rsplit(":", 1)[1]
    assert upgrade(world, "--provenance", "--apply") == 1  # as lock --provenance refusing to record it
    sha = repo.new.sha256
    problem = {
        "one byte changed": ("LG308", f"has an attestation of another artifact: attestation {bundle} attests "
                             "pypi_attestation_models-0.0.4a2.tar.gz sha256:"
                             f"{_subject()[:16]}..., but the layer zip's SHA-256 is {sha}"),
        "another repository": ("LG307", f"was not built where the policy expects: attestation {bundle} says, by its "
                               f"signing certificate, repository {TOB}, expected acme/layers"),
        "no attestation": ("LG306", f"has no attestation (looked for {bundle})"),
    }[case]
    assert capsys.readouterr().out == (
        f"{layer}  {old_v} (stays)\n"
        "  used at template.yaml:11:11 (Api)\n"
        f"  pinned {old_v}: {OLD_BUILT}\n"
        f"  new {new_v}: {problem[0]} {problem[1]}\n"
        f"  skipped {new_v}: it {problem[1]} ({problem[0]})\n"
        f"  held: version {new_v} fails its build provenance check (--provenance), so nothing moves\n"
        "\n"
        "upgrade: 0 to upgrade, 1 held back, 0 up to date\n")
    assert (tmp_path / ".layergate.yaml").read_text() == policy
    assert (tmp_path / "template.yaml").read_text() == template


def test_an_internal_pinned_version_without_a_record_says_so(
    world: World, aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _repo(world, tmp_path, monkeypatch, PYPI.read_bytes())
    policy = tmp_path / ".layergate.yaml"
    policy.write_text("".join(line for line in repo.policy().splitlines(keepends=True)
                              if not line.startswith("    provenance: {")))
    assert upgrade(world, "--format", "json") == 0
    assert json.loads(capsys.readouterr().out)["layers"][0]["provenance"] == {
        "pinned": [{"arn": repo.old.arn, "recorded": False, "text": "no provenance recorded"}], "new": None}


def _subject() -> str:
    import hashlib

    return hashlib.sha256(PYPI.read_bytes()).hexdigest()
