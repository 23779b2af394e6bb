"""CDK cloud assemblies, end to end through the CLI, on an assembly synthesized by the real aws-cdk-lib.

tests/fixtures/cdk/regenerate.sh rebuilds cdk.out from app/app.js: an environment-agnostic stack (regional
AWS layers through Fn::FindInMap over AWS::Region), a nested stack, and a pipeline-style Stage (a nested
assembly) whose stack is bound to eu-west-1.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from layergate.model import ContentSource
from layergate.sources import ParseOptions, cdk

FIXTURE = Path(__file__).parent / "fixtures" / "cdk" / "cdk.out"

POLICY = """\
version: 1
regions: [us-east-1, eu-west-1]
publishers:
  - vendor: datadog
  - vendor: lambda-insights
  - vendor: aws-parameters-secrets
layers:
  - arn: arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:56
    sha256: 3f1e2d7c9a0b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5
    reviewed_by: alice
    reviewed_at: 2026-11-02
    extension: true
"""


@pytest.fixture
def assembly(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "cdk.out")
    (tmp_path / ".layergate.yaml").write_text(POLICY)
    return tmp_path


def run_check(cwd: Path, *args: str) -> tuple[int, list[dict[str, object]], str]:
    proc = subprocess.run(
        [sys.executable, "-m", "layergate", "check", "--format", "json", "--today", "2026-11-30", *args],
        cwd=cwd, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"},
    )
    doc = json.loads(proc.stdout) if proc.stdout else {}
    return proc.returncode, doc.get("findings", []), proc.stderr


def brief(findings: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return [(f["rule"], f["file"], f["line"], f["column"], f["context"], f["message"]) for f in findings]


def test_detects_assembly_directory_only_with_manifest(tmp_path: Path) -> None:
    assert cdk.detect_dir(str(FIXTURE))
    (tmp_path / "manifest.json").write_text('{"name": "web app", "icons": []}')
    assert not cdk.detect_dir(str(tmp_path))


def test_stacks_nested_stacks_and_nested_assemblies_are_read() -> None:
    scans = cdk.parse(str(FIXTURE), ParseOptions(regions=("us-east-1",)))
    assert [(os.path.relpath(s.file, FIXTURE), s.format, s.regions) for s in scans] == [
        ("assembly-Prod/ProdApi2466CF1F.template.json", "cdk", ("eu-west-1",)),
        ("assembly-Prod/ProdApiWorkers751BB0CE.nested.template.json", "cdk", ("eu-west-1",)),
        ("ApiStack.template.json", "cdk", ()),
        ("ApiStackWorkers91BFE359.nested.template.json", "cdk", ()),
    ]
    functions = [(f.id, f.location.context) for s in scans for f in s.functions]
    assert functions == [
        ("Handler886CB40B", "/Prod/Api/Handler/Resource"),
        ("Worker11F36D0F", "/Prod/Api/Workers/Worker/Resource"),
        ("Handler886CB40B", "/ApiStack/Handler/Resource"),
        ("Worker11F36D0F", "/ApiStack/Workers/Worker/Resource"),
    ]


def test_find_in_map_over_regions_resolves_per_region_to_the_catalog_account() -> None:
    scans = cdk.parse(str(FIXTURE), ParseOptions(regions=("us-east-1", "ap-southeast-4")))
    api = next(s for s in scans if s.file.endswith("ApiStack.template.json"))
    insights = [r for r in api.refs if "Cloudwatch" in r.expression]
    assert [(r.location.line, r.location.path, c.region, c.value) for r in insights for c in r.candidates] == [
        (255, "Mappings/CloudwatchlambdainsightsversionMap/us-east-1/1x0x229x0xx86x64", "us-east-1",
         "arn:aws:lambda:us-east-1:580247275435:layer:LambdaInsightsExtension:38"),
        (207, "Mappings/CloudwatchlambdainsightsversionMap/ap-southeast-4/1x0x229x0xx86x64", "ap-southeast-4",
         "arn:aws:lambda:ap-southeast-4:158895979263:layer:LambdaInsightsExtension:5"),
    ]


def test_layer_assets_are_local_content_not_a_mutable_s3_key() -> None:
    asset = "asset.37c1a4d0e559d015ce9179239bfaa3dfb864af35aa1427e45850641a11e9fb0a"
    scans = cdk.parse(str(FIXTURE), ParseOptions(regions=("us-east-1",)))
    contents = [(os.path.relpath(s.file, FIXTURE), d.id, d.content) for s in scans for d in s.layer_defs]
    assert contents == [
        ("assembly-Prod/ProdApi2466CF1F.template.json", "DepsLayerA0D7F79A",
         ContentSource(kind="local", uri=f"../{asset}", local_path=str(FIXTURE / asset))),
        ("ApiStack.template.json", "DepsLayerA0D7F79A",
         ContentSource(kind="local", uri=asset, local_path=str(FIXTURE / asset))),
    ]


def test_findings_name_template_line_and_construct_path(assembly: Path) -> None:
    status, findings, _ = run_check(assembly, "cdk.out")
    assert status == 1
    got = [f for f in brief(findings) if f[0] in ("LG105", "LG201", "LG501")]
    sentry = "arn:aws:lambda:eu-west-1:943013980633:layer:SentryNodeServerlessSDKv10:5"
    datadog = "arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:56"
    assert got == [
        ("LG501", "cdk.out/ApiStack.template.json", 23, 3, "/ApiStack/DepsLayer/Everyone",
         "layer DepsLayerA0D7F79A is shared by DepsLayerEveryoneE65C34C2 with principal '*' and no OrganizationId: "
         "every AWS account can "
         "download and use it"),
        # The environment-agnostic stack deploys to every policy region; a us-east-1 literal breaks eu-west-1.
        ("LG105", "cdk.out/ApiStack.template.json", 106, 6, "/ApiStack/Handler/Resource",
         f"function Handler886CB40B uses {datadog} from 464622532012 (Datadog), a layer in us-east-1, but the "
         "function deploys to eu-west-1; Lambda only loads layers from the function's own region"),
        ("LG105", "cdk.out/ApiStackWorkers91BFE359.nested.template.json", 45, 6, "/ApiStack/Workers/Worker/Resource",
         f"function Worker11F36D0F uses {sentry} from 943013980633 (Sentry), a layer in eu-west-1, but the "
         "function deploys to us-east-1; Lambda only loads layers from the function's own region"),
        ("LG201", "cdk.out/ApiStackWorkers91BFE359.nested.template.json", 45, 6, "/ApiStack/Workers/Worker/Resource",
         f"function Worker11F36D0F uses {sentry} from 943013980633 (Sentry): no publishers entry allows this account"),
        ("LG501", "cdk.out/assembly-Prod/ProdApi2466CF1F.template.json", 21, 3, "/Prod/Api/DepsLayer/Everyone",
         "layer DepsLayerA0D7F79A is shared by DepsLayerEveryoneE65C34C2 with principal '*' and no OrganizationId: "
         "every AWS account can "
         "download and use it"),
        # The Stage's stack is bound to eu-west-1: only that region counts, so the eu-west-1 Sentry layer fits.
        ("LG105", "cdk.out/assembly-Prod/ProdApi2466CF1F.template.json", 104, 6, "/Prod/Api/Handler/Resource",
         f"function Handler886CB40B uses {datadog} from 464622532012 (Datadog), a layer in us-east-1, but the "
         "function deploys to eu-west-1; Lambda only loads layers from the function's own region"),
        ("LG201", "cdk.out/assembly-Prod/ProdApiWorkers751BB0CE.nested.template.json", 45, 6,
         "/Prod/Api/Workers/Worker/Resource",
         f"function Worker11F36D0F uses {sentry} from 943013980633 (Sentry): no publishers entry allows this account"),
    ]


def test_directory_walks_skip_cdk_out_by_default(assembly: Path) -> None:
    status, findings, stderr = run_check(assembly, ".")
    assert (status, findings) == (0, [])
    assert "no CloudFormation, SAM, Serverless, Terraform plan or CDK input found" in stderr


def test_manifest_pointing_outside_the_assembly_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "cdk.out").mkdir()
    (tmp_path / "cdk.out" / "manifest.json").write_text(json.dumps({
        "version": "55.0.0",
        "artifacts": {"S": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "../../etc/t.json"}}},
    }))
    proc = subprocess.run([sys.executable, "-m", "layergate", "check", "cdk.out"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        "layergate: error: cdk.out/manifest.json: '../../etc/t.json' points outside the cloud assembly")


def test_a_stack_bound_to_an_account_resolves_the_account_id_to_it(tmp_path: Path) -> None:
    template = {"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Layers": [
        {"Fn::Sub": "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:layer:tracing:4"}]}}}}
    (tmp_path / "Api.template.json").write_text(json.dumps(template, indent=1))
    (tmp_path / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {"Api": {
        "type": "aws:cloudformation:stack", "environment": "aws://123456789012/eu-west-1",
        "properties": {"templateFile": "Api.template.json"}}}}))
    # The stack's own account wins over the policy's deploy accounts for other files.
    (scan,) = cdk.parse(str(tmp_path), ParseOptions(deploy_accounts=((None, ("111122223333",)),)))
    assert [(r.location.line, r.resolution.kind.value, [(c.value, c.region) for c in r.candidates])
            for r in scan.refs] == [
        (7, "literal", [("arn:aws:lambda:eu-west-1:123456789012:layer:tracing:4", "eu-west-1")]),
    ]
