"""`layergate upgrade` end to end, against moto on loopback (through lockverify_world's account router).

The vendor's layer is shared with GetLayerVersion only (so its versions are probed, with a deleted one in
between); the team's own layer is listed. Each version holds different content, so the diff is real.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from lockverify_world import CONSUMER, Layer, World, world_fixture  # noqa: F401

from layergate.cli import main

pytestmark = pytest.mark.aws

VENDOR = "111122223333"


def obs_files(version: str, extension: bool) -> dict[str, str]:
    files = {
        f"python/obs-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: obs\nVersion: {version}\n",
        f"python/obs-{version}.dist-info/RECORD": "obs/__init__.py,,\n",
        "python/obs/__init__.py": f"VERSION = {version!r}\n",
    }
    if extension:
        files["extensions/obs-agent"] = "#!/bin/sh\ncurl -s https://intake.obs.example.com/v1/logs\n"
    return files


@dataclass(frozen=True)
class Layers:
    obs: list[Layer]  # us-east-1: versions 1, 2 (deleted), 3 (adds an extension), 4 (not shared)
    obs_eu: list[Layer]  # eu-west-1: versions 1, 2
    utils: list[Layer]  # the consumer's own layer: versions 1, 2

    def name(self, which: str) -> str:
        return getattr(self, which)[0].arn.split(":")[6]


@pytest.fixture(scope="module")
def layers(world: World) -> Layers:
    name = world.unique("obs-ext")
    obs = [world.publish(VENDOR, "us-east-1", name, obs_files(v, ext))
           for v, ext in (("1.0", False), ("1.1", False), ("2.0", True), ("2.1", True))]
    for layer in obs[:3]:
        world.share(layer)
    world.delete(obs[1])
    obs_eu = [world.publish(VENDOR, "eu-west-1", name, obs_files(v, False)) for v in ("1.0", "1.5")]
    for layer in obs_eu:
        world.share(layer)
    utils_name = world.unique("team-utils")
    utils = [world.publish(CONSUMER, "us-east-1", utils_name, {"python/utils.py": f"V = {v}\n"}) for v in (1, 2)]
    return Layers(obs, obs_eu, utils)


POLICY = """\
version: 1
regions: [us-east-1]
publishers:
  - account: "111122223333"
    name: obs vendor
  - account: "123456789012"
    name: our team
layers: []
"""

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Layers:
        - arn:aws:lambda:us-east-1:111122223333:layer:{obs}:1   # observability, see RUNBOOK
        - 'arn:aws:lambda:us-east-1:123456789012:layer:{utils}:1'
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: worker.handler
      CodeUri: src/
      Layers: [!Sub "arn:aws:lambda:${{AWS::Region}}:111122223333:layer:{obs}:1"]
"""


def write(path: Path, text: str) -> None:
    path.write_bytes(text.encode())


@pytest.fixture
def repo(layers: Layers, aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".layergate.yaml", POLICY)
    write(tmp_path / "template.yaml", TEMPLATE.format(obs=layers.name("obs"), utils=layers.name("utils")))
    return tmp_path


def upgrade(world: World, *args: str) -> int:
    return main(["upgrade", "--endpoint-url", world.url, *args])


def test_report_shows_the_newest_allowed_version_and_its_diff(
    world: World, layers: Layers, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert upgrade(world, "--format", "json") == 0
    doc = json.loads(capsys.readouterr().out)
    obs, utils = layers.name("obs"), layers.name("utils")
    by_name = {x["layer"].split(":")[6]: x for x in doc["layers"]}
    o = by_name[obs]
    assert (o["pinned"], o["target"], o["newer"], o["found_by"]) == ([1], 3, [3], "probed")
    assert o["search_note"] == ("probed GetLayerVersion upward; versions 4-13 do not exist or are not shared with "
                                "this account, so the search ended there (window 10)")
    assert o["diffs"][0]["highlights"] == ["new extension extensions/obs-agent",
                                           "new network endpoint https://intake.obs.example.com/v1/logs"]
    assert [(p["kind"], p["name"], p["old_version"], p["new_version"]) for p in o["diffs"][0]["diff"]["packages"]] \
        == [("upgraded", "obs", "1.0", "2.0")]
    u = by_name[utils]
    assert (u["pinned"], u["target"], u["newer"], u["found_by"]) == ([1], 2, [2], "listed")
    assert [(x["file"], x["line"], x["column"], x["consumer"]) for x in o["uses"]] == [
        ("template.yaml", 11, 11, "Api"), ("template.yaml", 19, 16, "Worker")]
