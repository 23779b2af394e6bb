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



def scrub(text: str, layers: Layers) -> str:
    """The output with the run's unique layer names, today's date and timestamps as placeholders."""
    import datetime as dt
    import re

    text = text.replace(layers.name("obs"), "OBS").replace(layers.name("utils"), "UTILS")
    text = text.replace(dt.datetime.now(dt.UTC).date().isoformat(), "TODAY")
    return re.sub(r'"TODAYT\d\d:\d\d:\d\dZ"', '"NOW"', text)


def test_text_report_in_full(world: World, layers: Layers, repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert upgrade(world, "--no-diff") == 0
    out = scrub(capsys.readouterr().out, layers)
    assert out == """\
arn:aws:lambda:us-east-1:111122223333:layer:OBS  1 -> 3
  used at template.yaml:11:11 (Api), template.yaml:19:16 (Worker)
  published TODAY; found by probing GetLayerVersion
  probed GetLayerVersion upward; versions 4-13 do not exist or are not shared with this account, so the search \
ended there (window 10)

arn:aws:lambda:us-east-1:123456789012:layer:UTILS  1 -> 2
  used at template.yaml:12:11 (Api)
  published TODAY; found by ListLayerVersions

upgrade: 2 to upgrade, 0 held back, 0 up to date
"""


def digits_at(layers: Layers, line: int, which: str) -> str:
    """``line:column`` of the version digits of ``which`` on TEMPLATE's ``line`` (names vary in length)."""
    text = TEMPLATE.format(obs=layers.name("obs"), utils=layers.name("utils")).splitlines()[line - 1]
    name = layers.name(which)
    return f"{line}:{text.index(name + ':') + len(name) + 2}"


def expected_template(layers: Layers, obs: int, utils: int) -> str:
    return TEMPLATE.format(obs=layers.name("obs"), utils=layers.name("utils")).replace(
        f"{layers.name('obs')}:1", f"{layers.name('obs')}:{obs}").replace(
        f"{layers.name('utils')}:1", f"{layers.name('utils')}:{utils}")


def recorded(layer: Layer, review: str = "", extension: bool | None = None) -> str:
    flag = "" if extension is None else f"    extension: {str(extension).lower()}\n"
    return (f"  - arn: {layer.arn}\n    sha256: {layer.sha256}\n    code_size: {len(layer.zip)}\n"
            f'    recorded_at: "NOW"\n{flag}{review}')


NOT_DETERMINED = ("  extension: not determined (--no-diff: its content was not read): recorded without extension "
                  "and reviewed_by; set extension: true or false after reading its content")


def test_apply_rewrites_every_reference_and_records_the_new_versions_unreviewed(
    world: World, layers: Layers, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert upgrade(world, "--apply", "--no-diff") == 0
    out = scrub(capsys.readouterr().out, layers)
    obs, utils = layers.obs[2], layers.utils[1]
    assert out.splitlines()[-9:] == [
        f"changed template.yaml:{digits_at(layers, 11, 'obs')}  1 -> 3  (OBS)",
        f"changed template.yaml:{digits_at(layers, 12, 'utils')}  1 -> 2  (UTILS)",
        f"changed template.yaml:{digits_at(layers, 19, 'obs')}  1 -> 3  (OBS)",
        f"recorded  {scrub(obs.arn, layers)}  sha256 {obs.sha256}  ({len(obs.zip)} bytes)",
        NOT_DETERMINED,
        f"recorded  {scrub(utils.arn, layers)}  sha256 {utils.sha256}  ({len(utils.zip)} bytes)",
        NOT_DETERMINED,
        "",
        "upgrade: 2 to upgrade, 0 held back, 0 up to date",
    ]
    assert (repo / "template.yaml").read_bytes() == expected_template(layers, 3, 2).encode()
    policy = scrub((repo / ".layergate.yaml").read_text(), layers)
    assert policy == POLICY.replace("layers: []\n", "layers:\n") + scrub(
        recorded(layers.obs[2]) + recorded(layers.utils[1]), layers)
    # Recorded but not reviewed: check keeps failing with LG301 until someone signs off.
    assert main(["check", "--format", "json", "."]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert sorted({f["rule"] for f in doc["findings"]}) == ["LG301"]


def test_reviewer_signs_the_new_versions_and_the_extension_flag_comes_from_their_content(
    world: World, layers: Layers, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert upgrade(world, "--apply", "--reviewer", "alice") == 0
    out = scrub(capsys.readouterr().out, layers)
    obs, utils = layers.obs[2], layers.utils[1]
    assert out == f"""\
arn:aws:lambda:us-east-1:111122223333:layer:OBS  1 -> 3
  used at template.yaml:11:11 (Api), template.yaml:19:16 (Worker)
  published TODAY; found by probing GetLayerVersion
  probed GetLayerVersion upward; versions 4-13 do not exist or are not shared with this account, so the search \
ended there (window 10)
  ** new extension extensions/obs-agent
  ** new network endpoint https://intake.obs.example.com/v1/logs
    OLD arn:aws:lambda:us-east-1:111122223333:layer:OBS:1
    NEW arn:aws:lambda:us-east-1:111122223333:layer:OBS:3
    Summary: 1 package upgraded, 1 endpoint added, 1 extension added

    Packages (1)
      upgraded  python  obs  1.0 -> 2.0  5 files changed

    Network endpoints (1)
      added  https://intake.obs.example.com/v1/logs  extensions/obs-agent

    Extensions (1)
      added  extensions/obs-agent  script run by /bin/sh; 57 bytes

arn:aws:lambda:us-east-1:123456789012:layer:UTILS  1 -> 2
  used at template.yaml:12:11 (Api)
  published TODAY; found by ListLayerVersions
    OLD arn:aws:lambda:us-east-1:123456789012:layer:UTILS:1
    NEW arn:aws:lambda:us-east-1:123456789012:layer:UTILS:2
    Summary: 1 file changed

    Other files (1)
      changed  python/utils.py  sha256 e6fe8f9b85cf -> 8e34d513cc42, 6 -> 6 bytes

changed template.yaml:{digits_at(layers, 11, 'obs')}  1 -> 3  (OBS)
changed template.yaml:{digits_at(layers, 12, 'utils')}  1 -> 2  (UTILS)
changed template.yaml:{digits_at(layers, 19, 'obs')}  1 -> 3  (OBS)
recorded  {scrub(obs.arn, layers)}  sha256 {obs.sha256}  ({len(obs.zip)} bytes)
  extension: true (the new version holds extensions/obs-agent)
recorded  {scrub(utils.arn, layers)}  sha256 {utils.sha256}  ({len(utils.zip)} bytes)
  extension: false (the new version holds no extensions/ entry)

upgrade: 2 to upgrade, 0 held back, 0 up to date
"""
    policy = scrub((repo / ".layergate.yaml").read_text(), layers)
    review = "    reviewed_by: alice\n    reviewed_at: TODAY\n"
    assert policy == POLICY.replace("layers: []\n", "layers:\n") + scrub(
        recorded(obs, review, extension=True) + recorded(utils, review, extension=False), layers)
    assert main(["check", "."]) == 0
    capsys.readouterr()


def test_without_the_content_the_extension_flag_is_not_guessed_and_the_review_is_left_out(
    world: World, layers: Layers, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert upgrade(world, "--apply", "--no-diff", "--reviewer", "alice") == 0
    out = scrub(capsys.readouterr().out, layers)
    assert out.count(NOT_DETERMINED + "\n") == 2
    policy = scrub((repo / ".layergate.yaml").read_text(), layers)
    assert policy == POLICY.replace("layers: []\n", "layers:\n") + scrub(
        recorded(layers.obs[2]) + recorded(layers.utils[1]), layers)
    assert main(["check", "."]) == 1  # LG301: nobody has signed off what was not read
    assert "LG301" in capsys.readouterr().out


def test_the_pull_request_body_says_which_flags_come_from_content(
    world: World, layers: Layers, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert upgrade(world, "--format", "markdown") == 0
    body = scrub(capsys.readouterr().out, layers)
    assert body.endswith("""\
---
The new versions are recorded in the policy with their SHA-256 but without `reviewed_by`: `layergate check` fails \
with LG301 until a reviewer has read the changes above and filled in `reviewed_by` and `reviewed_at` for each one.
A new version whose content holds an extension (an entry directly under `extensions/`) is recorded with \
`extension: true`: read what the extension does before signing off (LG401).
""")
    assert upgrade(world, "--format", "markdown", "--no-diff") == 0
    body = scrub(capsys.readouterr().out, layers)
    assert body.endswith("""\
The content of `OBS` (us-east-1), `UTILS` (us-east-1) was not read, so whether it is an extension could not be \
determined: its entry is recorded without `extension` and without `reviewed_by`; set both after reading its content.
""")


def test_dry_run_prints_the_diff_of_every_file_and_writes_nothing(
    world: World, layers: Layers, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {p.name: p.read_bytes() for p in repo.iterdir() if p.is_file()}
    assert upgrade(world, "--dry-run", "--no-diff") == 0
    out = scrub(capsys.readouterr().out, layers)
    assert {p.name: p.read_bytes() for p in repo.iterdir() if p.is_file()} == before
    assert out.startswith("""\
--- a/template.yaml
+++ b/template.yaml
@@ -8,12 +8,12 @@
       Handler: app.handler
       CodeUri: src/
       Layers:
-        - arn:aws:lambda:us-east-1:111122223333:layer:OBS:1   # observability, see RUNBOOK
-        - 'arn:aws:lambda:us-east-1:123456789012:layer:UTILS:1'
+        - arn:aws:lambda:us-east-1:111122223333:layer:OBS:3   # observability, see RUNBOOK
+        - 'arn:aws:lambda:us-east-1:123456789012:layer:UTILS:2'
   Worker:
     Type: AWS::Serverless::Function
     Properties:
       Runtime: python3.12
       Handler: worker.handler
       CodeUri: src/
-      Layers: [!Sub "arn:aws:lambda:${AWS::Region}:111122223333:layer:OBS:1"]
+      Layers: [!Sub "arn:aws:lambda:${AWS::Region}:111122223333:layer:OBS:3"]
--- .layergate.yaml
+++ .layergate.yaml
@@ -5,4 +5,12 @@
""")
    assert f"would change template.yaml:{digits_at(layers, 19, 'obs')}  1 -> 3  (OBS)\n" in out


def with_policy(repo: Path, extra: str) -> None:
    write(repo / ".layergate.yaml", POLICY + extra)


def held(doc: dict[str, object], layers: Layers, which: str) -> tuple[object, ...]:
    for x in doc["layers"]:  # type: ignore[attr-defined]
        if x["layer"].split(":")[6] == layers.name(which):
            return (x["target"], x["skipped"], x["held"])
    raise AssertionError(which)


def test_cooldown_holds_back_versions_published_too_recently(
    world: World, layers: Layers, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import datetime as dt

    with_policy(repo, "upgrade:\n  cooldown_days: 7\n")
    assert upgrade(world, "--format", "json", "--no-diff") == 0
    doc = json.loads(capsys.readouterr().out)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert held(doc, layers, "obs") == (
        None, [f"3: published {today}, inside the 7-day cooldown (upgrade.cooldown_days)"],
        "every newer version was skipped")
    assert doc["summary"] == "upgrade: 0 to upgrade, 2 held back, 0 up to date"


def test_ignore_skips_named_versions_or_a_whole_layer(
    world: World, layers: Layers, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_policy(repo, f"""\
upgrade:
  ignore:
    - layer: "{layers.name('obs')}"
      versions: [3]
      reason: breaks cold start
    - layer: "*:123456789012:layer:*"
""")
    assert upgrade(world, "--format", "json", "--no-diff") == 0
    doc = json.loads(capsys.readouterr().out)
    assert held(doc, layers, "obs") == (
        None, ["3: ignored by upgrade.ignore at .layergate.yaml:11:7: breaks cold start"],
        "every newer version was skipped")
    assert held(doc, layers, "utils") == (None, [], "upgrade.ignore at .layergate.yaml:14:7 ignores this layer")


def test_a_publisher_the_policy_does_not_allow_is_never_proposed(
    world: World, layers: Layers, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo / ".layergate.yaml", POLICY.replace('  - account: "111122223333"\n    name: obs vendor\n', ""))
    assert upgrade(world, "--format", "json", "--no-diff") == 0
    doc = json.loads(capsys.readouterr().out)
    target, skipped, why = held(doc, layers, "obs")
    assert (target, skipped) == (None, [])
    assert isinstance(why, str) and why.startswith("LG201: ")


def test_layer_and_to_limit_what_moves(world: World, layers: Layers, repo: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert upgrade(world, "--apply", "--no-diff", "--layer", layers.name("utils"), "--to", "2") == 0
    capsys.readouterr()
    assert (repo / "template.yaml").read_bytes() == expected_template(layers, 1, 2).encode()
    assert upgrade(world, "--format", "json", "--no-diff", "--to", "7") == 0
    doc = json.loads(capsys.readouterr().out)
    assert held(doc, layers, "obs") == (None, [], "--to 7: no version 7 above 1 was found")


def test_each_region_moves_to_its_own_latest(world: World, layers: Layers, repo: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    obs = layers.name("obs")
    write(repo / ".layergate.yaml", POLICY.replace("regions: [us-east-1]", "regions: [us-east-1, eu-west-1]"))
    write(repo / "eu.yaml", f"""\
Resources:
  EuApi:
    Type: AWS::Lambda::Function
    Properties:
      Layers:
        - arn:aws:lambda:eu-west-1:111122223333:layer:{obs}:1
        - arn:aws:lambda:us-east-1:111122223333:layer:{obs}:1
""")
    (repo / "template.yaml").unlink()
    assert upgrade(world, "--apply", "--no-diff") == 0
    capsys.readouterr()
    assert (repo / "eu.yaml").read_text().splitlines()[-2:] == [
        f"        - arn:aws:lambda:eu-west-1:111122223333:layer:{obs}:2",
        f"        - arn:aws:lambda:us-east-1:111122223333:layer:{obs}:3"]


def test_a_region_variable_serving_regions_that_move_differently_is_refused(
    world: World, layers: Layers, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo / ".layergate.yaml", POLICY.replace("regions: [us-east-1]", "regions: [us-east-1, eu-west-1]"))
    before = (repo / "template.yaml").read_bytes()
    assert upgrade(world, "--apply", "--no-diff") == 1
    out = scrub(capsys.readouterr().out, layers)
    assert (f"cannot rewrite template.yaml:{digits_at(layers, 19, 'obs')}: "
            "arn:aws:lambda:${AWS::Region}:111122223333:layer:OBS:1 is used "
            "in several regions that do not all move to the same version (eu-west-1 -> 2, us-east-1 -> 3); pass "
            "--to, or write the ARN per region\n") in out
    # The layer some reference of which cannot move does not move at all; the others do.
    assert (repo / "template.yaml").read_bytes() == before.replace(
        f"{layers.name('utils')}:1".encode(), f"{layers.name('utils')}:2".encode())


def test_a_version_that_cannot_be_recorded_changes_nothing(
    world: World, layers: Layers, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = POLICY.replace("layers: []\n", f"layers:\n  - arn: {layers.utils[1].arn}\n    sha256: {'0' * 64}\n")
    write(repo / ".layergate.yaml", policy)
    before = {p.name: p.read_bytes() for p in repo.iterdir() if p.is_file()}
    assert upgrade(world, "--apply", "--no-diff") == 1
    out = capsys.readouterr().out
    assert f"error: checksum mismatch for {layers.utils[1].arn}\n" in out
    assert {p.name: p.read_bytes() for p in repo.iterdir() if p.is_file()} == before


def test_a_write_failing_half_way_puts_back_what_was_written(
    world: World, layers: Layers, repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from layergate import atomicfile
    from layergate.errors import PolicyError

    write(repo / "other.yaml", f"Layers: [arn:aws:lambda:us-east-1:123456789012:layer:{layers.name('utils')}:1]\n")
    before = {p.name: p.read_bytes() for p in repo.iterdir() if p.is_file()}
    real, calls = atomicfile.replace_if_unchanged, []

    def failing_second(path: str, original: bytes, data: bytes, *, command: str = "lock") -> None:
        calls.append(path)
        if len(calls) == 2:
            raise PolicyError("cannot write: No space left on device", path)
        real(path, original, data, command=command)

    monkeypatch.setattr(atomicfile, "replace_if_unchanged", failing_second)
    assert upgrade(world, "--apply", "--no-diff") == 2
    assert "No space left on device" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in repo.iterdir() if p.is_file()} == before


def test_a_cdk_assembly_is_reported_as_change_the_source(
    world: World, layers: Layers, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    utils = layers.utils[0].arn
    out_dir = repo / "cdk.out"
    out_dir.mkdir()
    write(out_dir / "manifest.json", json.dumps({"version": "36.0.0", "artifacts": {"App": {
        "type": "aws:cloudformation:stack", "environment": "aws://123456789012/us-east-1",
        "properties": {"templateFile": "App.template.json"}}}}))
    template = json.dumps({"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {
        "Runtime": "python3.12", "Handler": "i.h", "Role": "arn:aws:iam::123456789012:role/r",
        "Code": {"ZipFile": "x"}, "Layers": [utils]}}}}, indent=1)
    write(out_dir / "App.template.json", template)
    (repo / "template.yaml").unlink()
    assert upgrade(world, "--apply", "--no-diff", "cdk.out") == 0
    out = scrub(capsys.readouterr().out, layers)
    assert ("not rewritten cdk.out/App.template.json: generated by cdk synth: change the version in the CDK "
            "app's source and synthesize again\n") in out
    assert (out_dir / "App.template.json").read_text() == template


def test_an_aws_error_stops_the_run_with_one_line_and_writes_nothing(
    world: World, layers: Layers, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from lockverify_world import Fault

    before = {p.name: p.read_bytes() for p in repo.iterdir() if p.is_file()}
    world.fault(layers.obs[2], Fault(403, "ExpiredTokenException", "The security token included in the request "
                                                                   "is expired"))
    try:
        assert upgrade(world, "--apply", "--no-diff") == 2
    finally:
        world.clear_faults()
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("layergate: error: ") and "expired" in err, err
    assert {p.name: p.read_bytes() for p in repo.iterdir() if p.is_file()} == before


def test_each_layer_is_searched_once_however_many_references_name_it(
    world: World, layers: Layers, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert world.router is not None
    hits = world.router.hits
    obs_layer = layers.obs[0].arn.rsplit(":", 1)[0]
    before = {n: hits[("GetLayerVersion", f"{obs_layer}:{n}")] for n in range(2, 15)}
    listed = hits[("ListLayerVersions", layers.utils[0].arn.rsplit(":", 1)[0])]
    assert upgrade(world, "--no-diff") == 0  # obs:1 is named twice (Api, Worker), utils:1 once
    capsys.readouterr()
    after = {n: hits[("GetLayerVersion", f"{obs_layer}:{n}")] - before[n] for n in range(2, 15)}
    assert after == {**{n: 1 for n in range(2, 14)}, 14: 0}  # 2 (deleted), 3, then the window 4-13
    assert hits[("ListLayerVersions", layers.utils[0].arn.rsplit(":", 1)[0])] - listed == 1


def test_a_join_with_the_version_as_its_own_piece_moves(world: World, layers: Layers, repo: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    utils = layers.name("utils")
    text = f"""\
Resources:
  Api:
    Type: AWS::Lambda::Function
    Properties:
      Layers:
        - !Join [":", ["arn:aws:lambda", !Ref "AWS::Region", "123456789012", "layer", "{utils}", 1]]  # team utils
"""
    (repo / "template.yaml").unlink()
    write(repo / "join.yaml", text)
    assert upgrade(world, "--apply", "--no-diff", "--layer", utils) == 0
    out = scrub(capsys.readouterr().out, layers)
    assert f"changed join.yaml:6:{text.splitlines()[5].index(', 1]') + 3}  1 -> 2  (UTILS)\n" in out
    assert (repo / "join.yaml").read_text() == text.replace(", 1]]", ", 2]]")
