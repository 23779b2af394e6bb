"""`upgrade --apply`'s rewrite, byte for byte, on templates copied unchanged from public repositories.

``fixtures/upgrade/real/README.md`` says where each file comes from (the SAM translator's own test
templates and the CloudFormation JSON it writes, the Powertools examples, a Terraform file that starts
with a BOM) and under which license. ``after`` is the whole expected result.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from lockverify_world import Layer, World, world_fixture  # noqa: F401

from layergate.arn import LayerArn
from layergate.cli import main
from layergate.rewrite.files import candidates, write_all
from layergate.rewrite.versions import Key, Move, Refusal, rewrite

REAL = Path(__file__).parent / "fixtures" / "upgrade" / "real"
POWERTOOLS = "arn:aws:lambda:{}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:3"
DATADOG = "arn:aws:lambda:{}:464622532012:layer:{}"
CORP = "arn:aws:lambda:us-east-1:123456789101:layer:{}:1"
INSIGHTS = "arn:aws:lambda:{}:580247275435:layer:LambdaInsightsExtension:21"
DEPLOY_REGIONS = ("us-east-1", "eu-west-1")


def moves(*, powertools_eu: int = 7) -> list[Move]:
    out = [Move(LayerArn.parse(POWERTOOLS.format("us-east-1")), 7),
           Move(LayerArn.parse(POWERTOOLS.format("eu-west-1")), powertools_eu)]
    out += [Move(LayerArn.parse(DATADOG.format(region, old)), new) for region in DEPLOY_REGIONS
            for old, new in (("Datadog-Python312:78", 80), ("Datadog-Extension:45", 67))]
    # The SAM translator's layers are used in us-east-1 only (their literal ARNs say so).
    out += [Move(LayerArn.parse(CORP.format(name)), new) for name, new in (("CorpXLayer", 4), ("layer3", 2),
                                                                          ("a", 2), ("c", 2))]
    # The map in data.tf names each region's ARN; two regions move, each to its own newest version.
    out += [Move(LayerArn.parse(INSIGHTS.format("us-east-1")), 38), Move(LayerArn.parse(INSIGHTS.format("eu-west-1")), 40)]
    return out


def referenced(moved: list[Move]) -> dict[Key, frozenset[str]]:
    """The regions where the scan saw each version used: where a move is given for it."""
    out: dict[Key, set[str]] = {}
    for m in moved:
        out.setdefault(m.key, set()).add(m.old.region)
    return {k: frozenset(v) for k, v in out.items()}


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    shutil.copytree(REAL / "before", tmp_path / "repo")
    return tmp_path / "repo"


def apply(repo: Path, moved: list[Move]) -> tuple[Refusal, ...]:
    done = rewrite(candidates([str(repo)], [], [], []), moved, referenced(moved))
    write_all([(e.path, e.original, e.new) for e in done.edits], command="upgrade")
    return done.refusals


def test_every_real_template_is_rewritten_byte_exact(repo: Path) -> None:
    assert apply(repo, moves()) == ()
    assert tree(repo) == tree(REAL / "after")


def test_the_fixtures_differ_only_in_version_digits() -> None:
    """A guard on the fixtures themselves: ``after`` is ``before`` with digits changed, nothing else."""
    before, after = tree(REAL / "before"), tree(REAL / "after")
    assert before.keys() == after.keys()
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {
        "mcma/data.tf", "powertools/logger/template.yaml", "powertools/metrics_datadog/template.yaml",
        "powertools/serverless.yml", "powertools/tracer/template.yaml", "powertools/windows-checkout/template.yaml",
        "sam-translator/function_with_global_layers.json", "sam-translator/function_with_global_layers.yaml",
        "sam-translator/function_with_layers.json", "sam-translator/function_with_layers.yaml",
        "sam-translator/function_with_many_layers.json", "sam-translator/function_with_many_layers.yaml",
    }
    for name in changed:
        old, new = before[name], after[name]
        assert old.translate(None, b"0123456789") == new.translate(None, b"0123456789"), name


def test_bom_and_crlf_survive(repo: Path) -> None:
    apply(repo, moves())
    tf = (repo / "mcma" / "data.tf").read_bytes()
    assert tf.startswith(b"\xef\xbb\xbfdata ") and b"\r" not in tf
    crlf = (repo / "powertools" / "windows-checkout" / "template.yaml").read_bytes()
    assert crlf.count(b"\r\n") == crlf.count(b"\n") == 24


def test_an_arn_in_the_deploying_account_is_not_taken_for_another_account_s_layer(repo: Path) -> None:
    """``${AWS::AccountId}:layer:CorpXLayer:1`` is whichever account deploys the stack: not moved with
    123456789101's CorpXLayer (check reports it as LG103 until it resolves)."""
    apply(repo, moves())
    text = (repo / "sam-translator" / "function_with_layers.yaml").read_text()
    assert "- !Sub arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:layer:CorpXLayer:1\n" in text
    assert "- arn:aws:lambda:us-east-1:123456789101:layer:CorpXLayer:4\n" in text


def test_a_region_variable_is_refused_when_the_regions_move_apart(repo: Path) -> None:
    refusals = apply(repo, moves(powertools_eu=5))
    why = ("017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:3 is used in several regions that do "
           "not all move to the same version (eu-west-1 -> 5, us-east-1 -> 7); pass --to, or write the ARN per region")
    sub = "arn:aws:lambda:${AWS::Region}:" + why
    assert [str(r) for r in refusals] == [
        f"{repo}/powertools/logger/template.yaml:17:108: {sub}",
        f"{repo}/powertools/metrics_datadog/template.yaml:23:108: {sub}",
        f"{repo}/powertools/serverless.yml:13:100: arn:aws:lambda:${{aws:region}}:{why}",
        f"{repo}/powertools/tracer/template.yaml:16:108: {sub}",
        f"{repo}/powertools/windows-checkout/template.yaml:17:108: {sub}",
    ]
    # Everything else still moves exactly as in ``after``.
    expected = tree(REAL / "after")
    for name, data in tree(repo).items():
        if "powertools" not in name or name.endswith("metrics_datadog/template.yaml"):
            continue
        assert data == (REAL / "before" / name).read_bytes(), name
    datadog = (repo / "powertools" / "metrics_datadog" / "template.yaml").read_bytes()
    assert datadog == expected["powertools/metrics_datadog/template.yaml"].replace(
        b"python312-x86_64:7", b"python312-x86_64:3")


# --- end to end: `layergate upgrade --apply` on the Powertools examples, against moto on loopback ---------

PT_NAME = "AWSLambdaPowertoolsPythonV3-python312-x86_64"
PT_FILES = ("powertools/logger/template.yaml", "powertools/tracer/template.yaml",
            "powertools/windows-checkout/template.yaml", "powertools/serverless.yml")
PT_POLICY = """\
version: 1
regions: [us-east-1, eu-west-1]
publishers:
  - account: "017000801446"
    name: Powertools for AWS Lambda (Python)
layers: []
"""


@pytest.fixture(scope="module")
def powertools(world: World) -> tuple[str, dict[str, list[Layer]]]:
    """Versions 1 to 7 of the Powertools layer in both regions, each with its own content, shared as AWS does.

    The shared test endpoint is used by other tests too, so the layer gets a name of its own; the templates
    are the real ones with only that name changed."""
    name = world.unique("AWSLambdaPowertoolsPythonV3")
    published: dict[str, list[Layer]] = {}
    for region in DEPLOY_REGIONS:
        published[region] = [world.publish("017000801446", region, name,
                                           {"python/aws_lambda_powertools/__init__.py": f"VERSION = '3.{v}.0'\n"})
                             for v in range(1, 8)]
        for layer in published[region]:
            world.share(layer)
    return name, published


@pytest.mark.aws
def test_upgrade_apply_on_the_real_examples_end_to_end(
    world: World, powertools: tuple[str, dict[str, list[Layer]]], aws_env: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    name, published = powertools
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".layergate.yaml").write_text(PT_POLICY)
    for rel in PT_FILES:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes((REAL / "before" / rel).read_bytes().replace(PT_NAME.encode(), name.encode()))

    assert main(["upgrade", "--endpoint-url", world.url, "--apply", "powertools"]) == 0

    for rel in PT_FILES:
        assert (tmp_path / rel).read_bytes() == (REAL / "after" / rel).read_bytes().replace(
            PT_NAME.encode(), name.encode()), rel
    # Columns are those of the real file shifted by the name's length; the publish date is today's.
    shift = len(name) - len(PT_NAME)
    out = re.sub(r"published \d{4}-\d{2}-\d{2}", "published DATE", capsys.readouterr().out.replace(name, PT_NAME))
    arn = f"017000801446:layer:{PT_NAME}"
    sha = {r: f"sha256 {published[r][6].sha256}  ({len(published[r][6].zip)} bytes)" for r in DEPLOY_REGIONS}
    probed = ("  probed GetLayerVersion upward; versions 8-17 do not exist or are not shared with this account, so the "
              "search ended there (window 10)")
    sam = ("powertools/logger/template.yaml:17:9 (LoggerLambdaHandlerExample), powertools/tracer/template.yaml:16:9 "
           "(CaptureLambdaHandlerExample), powertools/windows-checkout/template.yaml:17:9 (LoggerLambdaHandlerExample)")
    module = {v: hashlib.sha256(f"VERSION = '3.{v}.0'\n".encode()).hexdigest()[:12] for v in (3, 7)}

    def diff(region: str) -> list[str]:
        return [f"    OLD arn:aws:lambda:{region}:{arn}:3", f"    NEW arn:aws:lambda:{region}:{arn}:7",
                "    Summary: 1 file changed", "", "    Other files (1)",
                f"      changed  python/aws_lambda_powertools/__init__.py  sha256 {module[3]} -> {module[7]}, "
                "18 -> 18 bytes", ""]

    assert out.splitlines() == [
        f"arn:aws:lambda:us-east-1:{arn}  3 -> 7",
        f"  used at powertools/serverless.yml:13:7 (functions.powertools), {sam}",
        "  published DATE; found by probing GetLayerVersion",
        probed,
        *diff("us-east-1"),
        f"arn:aws:lambda:eu-west-1:{arn}  3 -> 7",
        f"  used at {sam}",
        "  published DATE; found by probing GetLayerVersion",
        probed,
        *diff("eu-west-1"),
        f"changed powertools/logger/template.yaml:17:{108 + shift}  3 -> 7  ({PT_NAME})",
        f"changed powertools/serverless.yml:13:{100 + shift}  3 -> 7  ({PT_NAME})",
        f"changed powertools/tracer/template.yaml:16:{108 + shift}  3 -> 7  ({PT_NAME})",
        f"changed powertools/windows-checkout/template.yaml:17:{108 + shift}  3 -> 7  ({PT_NAME})",
        f"recorded  arn:aws:lambda:us-east-1:{arn}:7  {sha['us-east-1']}",
        "  extension: false (the new version holds no extensions/ entry)",
        f"recorded  arn:aws:lambda:eu-west-1:{arn}:7  {sha['eu-west-1']}",
        "  extension: false (the new version holds no extensions/ entry)",
        "",
        "upgrade: 2 to upgrade, 0 held back, 0 up to date",  # one per region
    ]
    # Recorded unreviewed, as lock would: check now fails only for want of a reviewer.
    policy = re.sub(r'"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"', '"NOW"', (tmp_path / ".layergate.yaml").read_text())
    assert policy == PT_POLICY.replace("layers: []\n", "layers:\n") + "".join(
        f"  - arn: {published[r][6].arn}\n    sha256: {published[r][6].sha256}\n    code_size: {len(published[r][6].zip)}\n"
        '    recorded_at: "NOW"\n    extension: false\n' for r in DEPLOY_REGIONS)
    assert main(["check", "--format", "json", "powertools"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert sorted({(f["rule"], f["file"]) for f in findings}) == [("LG301", rel) for rel in sorted(PT_FILES)]
