"""layergate's layer lists against what the deploy tools produce from the same source.

- AWS SAM: the real aws-sam-translator transforms each SAM template (after the step ``sam package`` does:
  local CodeUri/ContentUri become S3 URIs); every generated AWS::Lambda::Function's Layers is read with
  CloudFormation's intrinsics.
- Serverless Framework: the real ``osls package`` (the maintained open-source v4 packager, from the npm
  registry) writes the CloudFormation it would deploy; its functions' Layers are read the same way.
- Terraform: the plans the real terraform makes (the committed fixture plans, which test_terraform_live
  regenerates, and one realistic configuration planned here), read from the plan's own after-values.

Each case compares every function's whole list (see tests/agreement.py); docs/agreement.md reports the results.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from agreement import REGION, CfnValues, Disagreement, compare, functions, layergate_lists
from integration_tools import in_ci, missing, node_binary, node_modules

from layergate.model import ResolutionKind
from layergate.sources import ParseOptions, cloudformation, serverless, terraform

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
REAL = FIXTURES / "agreement"
OPTIONS = ParseOptions(regions=(REGION,))
DOC = REPO / "docs" / "agreement.md"


def assert_documented(tool: str, case: str, lists: Mapping[str, list[Any] | None], found: list[Disagreement]) -> None:
    """docs/agreement.md's row for the case gives these functions, entries and disagreements."""
    rows = re.findall(r"^\| (\w+) \| ([^|]+?) \| (\d+) \| (\d+) \| (\d+) \|", DOC.read_text(encoding="utf-8"), re.M)
    documented = {(r[0], r[1]): tuple(int(n) for n in r[2:]) for r in rows}
    counted = (len(lists), sum(len(v) for v in lists.values() if v is not None), len(found))
    assert documented.get((tool, case)) == counted, f"update the {tool} {case} row of docs/agreement.md"

# ---------------------------------------------------------------- AWS SAM

SAM_CASES: dict[str, tuple[Path, dict[str, str]]] = {
    "examples/sam-app": (REPO / "examples" / "sam-app" / "template.yaml", {}),
    "fixtures/sam-app": (FIXTURES / "cloudformation" / "sam-app" / "template.yaml", {}),
    "powertools-insights": (REAL / "sam" / "powertools-insights" / "template.yaml", {}),
    "powertools-insights EnableInsights=false": (REAL / "sam" / "powertools-insights" / "template.yaml",
                                                 {"EnableInsights": "false"}),
    "layer-build": (REAL / "sam" / "layer-build" / "template.yaml", {}),
    "secrets-extension": (REAL / "sam" / "secrets-extension" / "template.yaml", {}),
}
INSIGHTS = "arn:aws:lambda:us-east-1:580247275435:layer:LambdaInsightsExtension:53"
POWERTOOLS = "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7"
# Deliberate: layergate checks both branches of an !If whatever the parameters (docs/cloudformation.md), so
# a layer used under another condition is still reviewed; it may check more than is deployed, never less.
SAM_EXPECTED = {
    "powertools-insights EnableInsights=false": [
        Disagreement("HelloWorldFunction", (("arn", POWERTOOLS),), (POWERTOOLS, INSIGHTS))],
}


def need_sam_translator() -> None:
    try:
        import samtranslator  # noqa: F401
    except ImportError:
        message = "aws-sam-translator is not installed (pip install -e '.[test]')"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)


class _NoManagedPolicies:
    """The translator asks IAM for managed policy ARNs only when a template names one by name; none does."""

    def load(self) -> dict[str, str]:
        return {}


def _as_packaged(template: dict[str, Any]) -> dict[str, Any]:
    """What `sam package` hands the transform: local code and layer content replaced by S3 URIs."""
    packaged = copy.deepcopy(template)
    holders = [r.get("Properties") or {} for r in (packaged.get("Resources") or {}).values()]
    holders.append((packaged.get("Globals") or {}).get("Function") or {})
    for props in holders:
        for key in ("CodeUri", "ContentUri"):
            if isinstance(props.get(key), str) and not props[key].startswith("s3://"):
                props[key] = f"s3://artifacts-bucket/{props[key].strip('/') or 'root'}.zip"
    return packaged


def sam_lists(path: Path, parameters: dict[str, str] | None = None) -> dict[str, list[tuple[str, str]]]:
    from samtranslator.translator.transform import transform
    from samtranslator.yaml_helper import yaml_parse

    source = yaml_parse(path.read_text(encoding="utf-8"))
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)  # the translator's pseudo parameters
    out = transform(_as_packaged(source), dict(parameters or {}), _NoManagedPolicies())
    # SAM renames each AWS::Serverless::LayerVersion to <id><10-hex content hash>; map back to the source id.
    written = [k for k, r in source["Resources"].items() if r.get("Type") == "AWS::Serverless::LayerVersion"]
    renamed = {k: w for k in out["Resources"] for w in written if re.fullmatch(re.escape(w) + "[0-9a-f]{10}", k)}
    return functions(out, CfnValues(out, parameters, layer_ids=renamed))


@pytest.mark.parametrize("case", sorted(SAM_CASES))
def test_sam_translator_agrees(case: str) -> None:
    need_sam_translator()
    path, parameters = SAM_CASES[case]
    ours = layergate_lists(tuple(cloudformation.parse(str(path), ParseOptions(regions=(REGION,),
                                                                               parameters=parameters))))
    tool = sam_lists(path, parameters)
    found = compare(tool, ours)
    assert found == SAM_EXPECTED.get(case, [])
    assert_documented("sam", case, tool, found)


def test_the_sam_comparison_sees_a_difference() -> None:
    """The harness itself: a function whose list layergate got wrong is reported, with both sides."""
    need_sam_translator()
    path, _ = SAM_CASES["layer-build"]
    tool = sam_lists(path)
    tool["LayerUser"] = [("arn", "arn:aws:lambda:us-east-1:111122223333:layer:other:1")]
    assert compare(tool, layergate_lists(tuple(cloudformation.parse(str(path), OPTIONS)))) == [
        Disagreement("LayerUser", (("arn", "arn:aws:lambda:us-east-1:111122223333:layer:other:1"),),
                     ("internal:MyLayer",))]


# ---------------------------------------------------------------- Serverless Framework (osls)

SLS_CASES = {
    "examples/serverless-app": (REPO / "examples" / "serverless-app", {"SMS_LAYER_VERSION": "4"}, "prod"),
    "node-layers": (REAL / "serverless" / "node-layers", {}, "dev"),
    "python-datadog": (REAL / "serverless" / "python-datadog", {}, "prod"),
}


def osls() -> list[str]:
    script = node_modules() / "osls" / "bin" / "serverless.js"
    if not script.exists():
        missing("osls (the Serverless Framework packager)")
    return [node_binary(), str(script)]


def _sls_logical_id(name: str) -> str:
    """Serverless's normalized name (lib/plugins/aws/lib/naming.js getNormalizedFunctionName)."""
    normalized = name.replace("-", "Dash").replace("_", "Underscore")
    return normalized[:1].upper() + normalized[1:]


def osls_package(service: Path, env: dict[str, str], stage: str, work: Path, endpoint: str) -> Path:
    """Run `osls package` on a copy of the service; the CloudFormation template it would deploy."""
    shutil.copytree(service, work, dirs_exist_ok=True)
    config = work / "serverless.yml"
    if not (work / "handler.js").exists():  # the example ships no code; packaging needs a file to zip
        (work / "handler.js").write_text("exports.handler = async () => ({});\n", encoding="utf-8")
    # osls 4 refuses `frameworkVersion: "3"`; the field only constrains the CLI version, not the output.
    config.write_text(re.sub(r"(?m)^frameworkVersion:.*\n", "", config.read_text(encoding="utf-8")), encoding="utf-8")
    isolated = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SLS_", "SERVERLESS_"))}
    isolated.update(env, HOME=str(work), AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                    AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
                    SLS_TELEMETRY_DISABLED="1", SLS_NOTIFICATIONS_MODE="off", CI="1",
                    # A service that packages a layer asks CloudFormation for the deployed stack (to keep
                    # an unchanged layer's version): moto on loopback answers that it does not exist.
                    AWS_ENDPOINT_URL=endpoint)
    done = subprocess.run([*osls(), "package", "--stage", stage], cwd=work, env=isolated,
                          capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return work / ".serverless" / "cloudformation-template-update-stack.json"


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(SLS_CASES))
def test_osls_package_agrees(case: str, tmp_path: Path, aws_endpoint: str) -> None:
    service, env, stage = SLS_CASES[case]
    packaged_path = osls_package(service, env, stage, tmp_path / "svc", aws_endpoint)
    packaged = json.loads(packaged_path.read_text(encoding="utf-8"))
    config = yaml.safe_load((service / "serverless.yml").read_text(encoding="utf-8"))
    layer_ids = {f"{_sls_logical_id(name)}LambdaLayer": f"layers.{name}" for name in config.get("layers") or {}}
    ours = layergate_lists(tuple(serverless.parse(str(service / "serverless.yml"),
                                                  ParseOptions(regions=(REGION,), stage=stage, env=env))))
    rename = {f"{_sls_logical_id(fn.removeprefix('functions.'))}LambdaFunction": fn for fn in ours}
    tool = functions(packaged, CfnValues(packaged, layer_ids=layer_ids))
    assert compare(tool, ours, rename) == []
    assert_documented("serverless", case, tool, [])
    # The packaged template is what docs/serverless.md tells users to scan when plugins add layers.
    assert compare(functions(packaged, CfnValues(packaged)),
                   layergate_lists(tuple(cloudformation.parse(str(packaged_path), OPTIONS)))) == []


# ---------------------------------------------------------------- Terraform


def plan_lists(plan: dict[str, Any]) -> dict[str, list[tuple[str, str]] | None]:
    """Each function's layers as terraform planned them; None when terraform knows the list only after apply.

    An element known only after apply (the ARN of a layer version this plan creates) is ``("after-apply", "")``;
    a known ARN that is a layer version this configuration manages is ``("internal", its address)``.
    """
    managed: dict[str, str] = {}
    for change in plan.get("resource_changes") or []:
        if change.get("type") == "aws_lambda_layer_version":
            for side in ("after", "before"):
                arn = (change["change"].get(side) or {}).get("arn")
                if isinstance(arn, str):
                    managed.setdefault(arn, change["address"])
    lists: dict[str, list[tuple[str, str]] | None] = {}
    for change in plan.get("resource_changes") or []:
        if change.get("type") != "aws_lambda_function" or change["change"]["actions"] == ["delete"]:
            continue
        after, unknown = change["change"].get("after") or {}, change["change"].get("after_unknown") or {}
        if unknown.get("layers") is True:
            lists[change["address"]] = None
            continue
        flags = unknown.get("layers") or []
        lists[change["address"]] = [
            ("after-apply", "") if i < len(flags) and flags[i]
            else ("internal", managed[v]) if v in managed else ("arn", v)
            for i, v in enumerate(after.get("layers") or [])]
    return lists


def assert_terraform_agrees(plan_path: Path, case: str) -> None:
    ours = layergate_lists(tuple(terraform.parse(str(plan_path), OPTIONS)))
    planned = plan_lists(json.loads(plan_path.read_text(encoding="utf-8")))
    assert set(ours) == set(planned), "layergate and terraform see the same functions"
    known = {fn: entries for fn, entries in planned.items() if entries is not None}
    assert compare(known, {fn: ours[fn] for fn in known}) == []
    for fn in (fn for fn, entries in planned.items() if entries is None):
        # terraform itself cannot say before apply; layergate must not pass the list off as all literals.
        assert any(r.resolution.kind is not ResolutionKind.LITERAL for r in ours[fn]), fn
    assert_documented("terraform", case, planned, [])


TF_FIXTURES = sorted(p.parent.name for p in (FIXTURES / "terraform").glob("*/plan.json"))


@pytest.mark.parametrize("case", TF_FIXTURES)
def test_terraform_fixture_plans_agree(case: str) -> None:
    assert_terraform_agrees(FIXTURES / "terraform" / case / "plan.json", case)


@pytest.mark.terraform
@pytest.mark.slow
def test_terraform_plans_the_real_world_configuration_as_layergate_reads_it(tmp_path: Path) -> None:
    from test_terraform_live import regenerate

    terraform_bin, mirror = regenerate.find_terraform(), regenerate.find_mirror()
    if terraform_bin is None or mirror is None:
        missing("terraform 1.11.4 with the hashicorp/aws provider mirror")
    work = tmp_path / "layer-resource"
    shutil.copytree(REAL / "terraform" / "layer-resource", work)
    (work / "plan.json").write_text(regenerate.run_terraform(str(work), terraform_bin, mirror, {}), encoding="utf-8")
    assert_terraform_agrees(work / "plan.json", "layer-resource")
