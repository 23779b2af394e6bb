"""`layergate fix` end to end, against moto on loopback (SSM straight to moto, Lambda through the account router).

The team's own layers can be listed, so their newest version is found; the vendor's layer is shared with
GetLayerVersion only, so an unversioned ARN of it cannot be pinned and is listed with AWS's reason. Every
rewritten file is compared whole, byte for byte (comments, quoting, CRLF, BOM).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from lockverify_world import CONSUMER, World, world_fixture  # noqa: F401

from layergate.cli import main

pytestmark = pytest.mark.aws

VENDOR = "111122223333"
TF_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "terraform" / "data_source"


@dataclass(frozen=True)
class Names:
    utils: str  # ours, us-east-1: versions 1..3; eu-west-1: version 1
    obs: str  # ours, us-east-1 and eu-west-1: versions 1..2 in both
    vendor: str  # the vendor's, shared, not listable
    gap: str  # the vendor's: versions 1..5 shared, 3 and 4 deleted
    hidden: str  # the vendor's: version 1, not shared with the consumer
    tools: str  # ours, us-east-1: versions 1..2 (the Terraform data source)
    ssm: str  # prefix of the SSM parameters


@pytest.fixture(scope="module")
def names(world: World) -> Names:
    n = Names(world.unique("utils"), world.unique("obs"), world.unique("vendor"), world.unique("gap"),
              world.unique("hidden"), world.unique("tools"), "/" + world.unique("fix"))
    for _ in range(3):
        world.publish(CONSUMER, "us-east-1", n.utils)
    world.publish(CONSUMER, "eu-west-1", n.utils)
    for region in ("us-east-1", "eu-west-1"):
        for _ in range(2):
            world.publish(CONSUMER, region, n.obs)
    world.share(world.publish(VENDOR, "us-east-1", n.vendor))
    gap = [world.publish(VENDOR, "us-east-1", n.gap) for _ in range(5)]
    for layer in gap:
        world.share(layer)
    world.delete(gap[2])
    world.delete(gap[3])
    world.publish(VENDOR, "us-east-1", n.hidden)
    for _ in range(2):
        world.publish(CONSUMER, "us-east-1", n.tools)
    for region in ("us-east-1", "eu-west-1"):
        ssm = boto3.client("ssm", region_name=region, endpoint_url=world.moto_url,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        ssm.put_parameter(Name=f"{n.ssm}/utils", Type="String",
                          Value=f"arn:aws:lambda:us-east-1:{CONSUMER}:layer:{n.utils}:2")
        ssm.put_parameter(Name=f"{n.ssm}/obs-latest", Type="String",
                          Value=f"arn:aws:lambda:us-east-1:{CONSUMER}:layer:{n.obs}")
        ssm.put_parameter(Name=f"{n.ssm}/regional", Type="String",
                          Value=f"arn:aws:lambda:{region}:{CONSUMER}:layer:{n.obs}:1")
    return n


def run(capsys: pytest.CaptureFixture[str], world: World, *args: str) -> tuple[int, str, str]:
    code = main(["fix", *args, "--endpoint-url", world.url, "--ssm-endpoint-url", world.moto_url])
    out, err = capsys.readouterr()
    return code, out, err


def fill(text: str, n: Names) -> str:
    return (text.replace("VENDOR_ACCT", VENDOR).replace("GAP", n.gap).replace("HIDDEN", n.hidden)
            .replace("UTILS", n.utils).replace("OBS", n.obs).replace("VENDOR", n.vendor)
            .replace("SSM/", n.ssm + "/").replace("ACCT", CONSUMER))


YAML = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  UtilsLayer:
    Type: AWS::SSM::Parameter::Value<String>
    Default: SSM/utils   # the platform team's current version
Resources:
  Api:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::ACCT:role/lambda
      Code: {ZipFile: "def handler(e, c): pass"}
      Layers:
        - !Ref UtilsLayer   # from Parameter Store
        - "{{resolve:ssm:SSM/obs-latest}}"
        - arn:aws:lambda:us-east-1:ACCT:layer:UTILS  # unversioned
        - !Sub arn:aws:lambda:${AWS::Region}:ACCT:layer:OBS
  Worker:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.12, Handler: a.b, Role: arn:aws:iam::ACCT:role/lambda, Code: {ZipFile: x}, Layers: [!Ref UtilsLayer, 'arn:aws:lambda:us-east-1:VENDOR_ACCT:layer:VENDOR', "{{resolve:ssm:SSM/regional}}"]}
"""

YAML_FIXED = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  UtilsLayer:
    Type: AWS::SSM::Parameter::Value<String>
    Default: SSM/utils   # the platform team's current version
Resources:
  Api:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::ACCT:role/lambda
      Code: {ZipFile: "def handler(e, c): pass"}
      Layers:
        - arn:aws:lambda:us-east-1:ACCT:layer:UTILS:2   # from Parameter Store
        - "arn:aws:lambda:us-east-1:ACCT:layer:OBS:2"
        - arn:aws:lambda:us-east-1:ACCT:layer:UTILS:3  # unversioned
        - !Sub arn:aws:lambda:${AWS::Region}:ACCT:layer:OBS:2
  Worker:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.12, Handler: a.b, Role: arn:aws:iam::ACCT:role/lambda, Code: {ZipFile: x}, Layers: [arn:aws:lambda:us-east-1:ACCT:layer:UTILS:2, 'arn:aws:lambda:us-east-1:VENDOR_ACCT:layer:VENDOR:1', "{{resolve:ssm:SSM/regional}}"]}
"""


def columns(line: str, *needles: str) -> list[int]:
    """1-based columns of each needle in ``line`` (names vary in length between runs)."""
    return [line.index(n) + 1 for n in needles]


def cfn(text: str, n: Names) -> str:
    return fill(text, n)


def test_cloudformation_yaml_block_and_flow(capsys: pytest.CaptureFixture[str], world: World, names: Names,
                                             tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws_env: str) -> None:
    monkeypatch.chdir(tmp_path)
    Path("template.yaml").write_text(cfn(YAML, names), encoding="utf-8")
    code, out, err = run(capsys, world, "template.yaml", "--region", "us-east-1", "--region", "eu-west-1")
    assert Path("template.yaml").read_text(encoding="utf-8") == cfn(YAML_FIXED, names)
    u, o, v = names.utils, names.obs, names.vendor
    c1, c2, c3 = columns(cfn(YAML, names).splitlines()[20], "!Ref", "'arn", '"{{')
    assert out == cfn(f"""\
template.yaml:15:11: fixed LG101: !Ref UtilsLayer -> arn:aws:lambda:us-east-1:ACCT:layer:{u}:2
template.yaml:16:11: fixed LG101: {{{{resolve:ssm:SSM/obs-latest}}}} -> arn:aws:lambda:us-east-1:ACCT:layer:{o}:2
template.yaml:17:11: fixed LG102: arn:aws:lambda:us-east-1:ACCT:layer:{u} -> arn:aws:lambda:us-east-1:ACCT:layer:{u}:3
template.yaml:18:11: fixed LG102: !Sub arn:aws:lambda:${{AWS::Region}}:ACCT:layer:{o} -> version 2 in every region (eu-west-1, us-east-1)
template.yaml:21:{c1}: fixed LG101: !Ref UtilsLayer -> arn:aws:lambda:us-east-1:ACCT:layer:{u}:2
template.yaml:21:{c2}: fixed LG102: arn:aws:lambda:us-east-1:VENDOR_ACCT:layer:{v} -> \
arn:aws:lambda:us-east-1:VENDOR_ACCT:layer:{v}:1 (found by probing GetLayerVersion upward from version 1 \
(ListLayerVersions: AccessDeniedException); versions 2-11 do not exist or are not shared with this account, so the \
search ended there (window 10))
template.yaml:21:{c3}: not fixed LG101: {{{{resolve:ssm:SSM/regional}}}}: SSM parameter SSM/regional resolves \
differently per region (eu-west-1: arn:aws:lambda:eu-west-1:ACCT:layer:{o}:1, us-east-1: \
arn:aws:lambda:us-east-1:ACCT:layer:{o}:1); one literal cannot say both: write the ARN per region (a Mappings \
entry keyed by region)
""", names)
    assert err.splitlines()[-1] == "fix: 6 fixed, 1 not fixed; 1 file written"
    assert code == 1


def test_a_join_of_literal_pieces_gets_the_version_at_the_end_of_its_last_piece(
    capsys: pytest.CaptureFixture[str], world: World, names: Names, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, aws_env: str
) -> None:
    monkeypatch.chdir(tmp_path)
    text = fill("""\
Resources:
  Api:
    Type: AWS::Lambda::Function
    Properties:
      Layers:
        - !Join [":", ["arn:aws:lambda", !Ref "AWS::Region", "ACCT", "layer", "UTILS"]]  # newest
        - !Join [":", [arn:aws:lambda, us-east-1, ACCT, layer, UTILS]]
""", names)
    Path("template.yaml").write_text(text, encoding="utf-8")
    code, out, _ = run(capsys, world, "template.yaml", "--region", "us-east-1")
    assert Path("template.yaml").read_text(encoding="utf-8") == text.replace(
        f'"{names.utils}"]]  #', f'"{names.utils}:3"]]  #').replace(f"{names.utils}]]", f"{names.utils}:3]]")
    u, a = names.utils, CONSUMER
    assert out == f"""\
template.yaml:6:11: fixed LG102: !Join [:, [arn:aws:lambda, !Ref AWS::Region, {a}, layer, {u}]] -> \
arn:aws:lambda:us-east-1:{a}:layer:{u}:3
template.yaml:7:11: fixed LG102: !Join [:, [arn:aws:lambda, us-east-1, {a}, layer, {u}]] -> \
arn:aws:lambda:us-east-1:{a}:layer:{u}:3
"""
    assert code == 0


VENDORS = """\
Resources:
  Api:
    Type: AWS::Lambda::Function
    Properties:
      Layers:
        - arn:aws:lambda:us-east-1:VENDOR_ACCT:layer:GAP   # the vendor's, newest at deploy time
        - arn:aws:lambda:us-east-1:VENDOR_ACCT:layer:HIDDEN
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Layers: [arn:aws:lambda:us-east-1:VENDOR_ACCT:layer:GAP:2]
  Batch:
    Type: AWS::Lambda::Function
    Properties:
      Layers: ["arn:aws:lambda:us-east-1:VENDOR_ACCT:layer:GAP"]
"""


def test_another_accounts_layer_is_probed_from_the_highest_version_known_locally(
    capsys: pytest.CaptureFixture[str], world: World, names: Names, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, aws_env: str
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("template.yaml").write_text(fill(VENDORS, names), encoding="utf-8")
    assert world.router is not None
    hits, layer = world.router.hits, f"arn:aws:lambda:us-east-1:{VENDOR}:layer:{names.gap}"
    before = {n: hits[("GetLayerVersion", f"{layer}:{n}")] for n in range(1, 16)}
    code, out, err = run(capsys, world, "template.yaml", "--region", "us-east-1")
    assert Path("template.yaml").read_text(encoding="utf-8") == fill(VENDORS.replace(
        ":GAP   #", ":GAP:5   #").replace(':GAP"]', ':GAP:5"]'), names)
    assert out == fill("""\
template.yaml:6:11: fixed LG102: arn:aws:lambda:us-east-1:VENDOR_ACCT:layer:GAP -> \
arn:aws:lambda:us-east-1:VENDOR_ACCT:layer:GAP:5 (found by probing GetLayerVersion upward from version 2 \
(ListLayerVersions: AccessDeniedException); versions 6-15 do not exist or are not shared with this account, so the \
search ended there (window 10))
template.yaml:7:11: not fixed LG102: arn:aws:lambda:us-east-1:VENDOR_ACCT:layer:HIDDEN: ListLayerVersions \
arn:aws:lambda:us-east-1:VENDOR_ACCT:layer:HIDDEN: AccessDeniedException, and probing GetLayerVersion upward from \
version 1 found no version shared with this account within 10 consecutive versions: pin the version its publisher \
documents by hand
template.yaml:15:16: fixed LG102: arn:aws:lambda:us-east-1:VENDOR_ACCT:layer:GAP -> \
arn:aws:lambda:us-east-1:VENDOR_ACCT:layer:GAP:5 (found by probing GetLayerVersion upward from version 2 \
(ListLayerVersions: AccessDeniedException); versions 6-15 do not exist or are not shared with this account, so the \
search ended there (window 10))
""", names)
    assert err.splitlines()[-1] == "fix: 2 fixed, 1 not fixed; 1 file written"
    assert code == 1
    # Two references, one probe: from the pinned 2 (not from 1), past the deleted 3 and 4, then the window.
    after = {n: hits[("GetLayerVersion", f"{layer}:{n}")] - before[n] for n in range(1, 16)}
    assert after == {1: 0, **{n: 1 for n in range(2, 16)}}


def test_probing_starts_at_the_version_the_policy_records(
    capsys: pytest.CaptureFixture[str], world: World, names: Names, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, aws_env: str
) -> None:
    monkeypatch.chdir(tmp_path)
    Path(".git").mkdir()
    Path(".layergate.yaml").write_text(f"version: 1\nlayers:\n  - arn: arn:aws:lambda:us-east-1:{VENDOR}:layer:"
                                       f"{names.gap}:5\n    sha256: {'0' * 64}\n", encoding="utf-8")
    Path("template.yaml").write_text(fill(VENDORS, names).replace("GAP:2", "GAP"), encoding="utf-8")
    code, out, _ = run(capsys, world, "template.yaml", "--region", "us-east-1")
    assert out.splitlines()[0] == fill(
        "template.yaml:6:11: fixed LG102: arn:aws:lambda:us-east-1:VENDOR_ACCT:layer:GAP -> "
        "arn:aws:lambda:us-east-1:VENDOR_ACCT:layer:GAP:5 (found by probing GetLayerVersion upward from version 5 "
        "(ListLayerVersions: AccessDeniedException); versions 6-15 do not exist or are not shared with this "
        "account, so the search ended there (window 10))", names)
    assert code == 1


JSON = (
    '\ufeff{\r\n'
    '  "Parameters": {\r\n'
    '    "UtilsArn": {"Type": "String", "Default": "arn:aws:lambda:us-east-1:ACCT:layer:UTILS"},\r\n'
    '    "Obs": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "SSM/obs-latest"}\r\n'
    '  },\r\n'
    '  "Resources": {\r\n'
    '    "Api": {\r\n'
    '      "Type": "AWS::Serverless::Function",\r\n'
    '      "Properties": {\r\n'
    '        "Runtime": "python3.12", "Handler": "app.handler", "CodeUri": "src/",\r\n'
    '        "Layers": [\r\n'
    '          {"Ref": "UtilsArn"},\r\n'
    '          {"Ref": "Obs"},\r\n'
    '          {"Fn::Sub": "arn:aws:lambda:${AWS::Region}:ACCT:layer:UTILS"}\r\n'
    '        ]\r\n'
    '      }\r\n'
    '    }\r\n'
    '  },\r\n'
    '  "Transform": "AWS::Serverless-2016-10-31"\r\n'
    '}\r\n'
)


def test_sam_json_with_bom_and_crlf(capsys: pytest.CaptureFixture[str], world: World, names: Names,
                                    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws_env: str) -> None:
    monkeypatch.chdir(tmp_path)
    Path("template.json").write_bytes(fill(JSON, names).encode("utf-8"))
    code, out, err = run(capsys, world, "template.json", "--region", "us-east-1", "--region", "eu-west-1")
    expected = (fill(JSON, names)
                .replace(f"layer:{names.utils}\"}},\r\n    \"Obs\"", f"layer:{names.utils}:3\"}},\r\n    \"Obs\"")
                .replace('{"Ref": "Obs"}', f'"arn:aws:lambda:us-east-1:{CONSUMER}:layer:{names.obs}:2"'))
    assert Path("template.json").read_bytes() == expected.encode("utf-8")
    u, o = names.utils, names.obs
    assert out == fill(f"""\
template.json:3:47: fixed LG102: {{"Ref": "UtilsArn"}} -> arn:aws:lambda:us-east-1:ACCT:layer:{u}:3
template.json:13:11: fixed LG101: {{"Ref": "Obs"}} -> arn:aws:lambda:us-east-1:ACCT:layer:{o}:2
template.json:14:11: not fixed LG102: {{"Fn::Sub": "arn:aws:lambda:${{AWS::Region}}:ACCT:layer:{u}"}}: the newest version \
differs per region (eu-west-1: 1, us-east-1: 3); one ARN cannot say both: write the ARN per region (a Mappings \
entry keyed by region)
""", names)
    assert (code, err.splitlines()[-1]) == (1, "fix: 2 fixed, 1 not fixed; 1 file written")


SLS = """\
service: api
provider:
  name: aws
  region: us-east-1
functions:
  hello:
    handler: handler.hello
    layers:
      - ${ssm:SSM/utils}  # pinned by the platform team
      - 'arn:aws:lambda:us-east-1:ACCT:layer:OBS'
      - ${env:EXTRA_LAYER}
"""


def test_serverless_dry_run_prints_the_diff_and_writes_nothing(
        capsys: pytest.CaptureFixture[str], world: World, names: Names, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, aws_env: str) -> None:
    monkeypatch.chdir(tmp_path)
    Path("serverless.yml").write_text(fill(SLS, names), encoding="utf-8")
    code, out, err = run(capsys, world, "--dry-run")
    assert Path("serverless.yml").read_text(encoding="utf-8") == fill(SLS, names)
    u, o = names.utils, names.obs
    assert out == fill(f"""\
--- a/serverless.yml
+++ b/serverless.yml
@@ -6,6 +6,6 @@
   hello:
     handler: handler.hello
     layers:
-      - ${{ssm:SSM/utils}}  # pinned by the platform team
-      - 'arn:aws:lambda:us-east-1:ACCT:layer:{o}'
+      - arn:aws:lambda:us-east-1:ACCT:layer:{u}:2  # pinned by the platform team
+      - 'arn:aws:lambda:us-east-1:ACCT:layer:{o}:2'
       - ${{env:EXTRA_LAYER}}
""", names)
    assert err.splitlines()[-4:] == fill(f"""\
serverless.yml:9:9: fixed LG101: ${{ssm:SSM/utils}} -> arn:aws:lambda:us-east-1:ACCT:layer:{u}:2
serverless.yml:10:9: fixed LG102: arn:aws:lambda:us-east-1:ACCT:layer:{o} -> arn:aws:lambda:us-east-1:ACCT:layer:{o}:2
serverless.yml:11:9: not fixed LG101: ${{env:EXTRA_LAYER}}: ${{env:EXTRA_LAYER}}: environment variable EXTRA_LAYER \
of the deploy (not given with --env); layergate cannot invert this expression
fix: 2 fixed, 1 not fixed; dry run: 1 file not written
""", names).splitlines()
    assert code == 1


def test_terraform_data_source_gets_a_version(capsys: pytest.CaptureFixture[str], world: World, names: Names,
                                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws_env: str) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("main.tf", "providers.tf", "plan.json"):
        text = (TF_FIXTURE / name).read_text(encoding="utf-8")
        Path(name).write_text(text.replace("vendor-tools", names.tools), encoding="utf-8")
    original = Path("main.tf").read_text(encoding="utf-8")
    code, out, err = run(capsys, world, "plan.json")
    assert Path("main.tf").read_text(encoding="utf-8") == original.replace(
        'data "aws_lambda_layer_version" "latest" {\n  layer_name = var.vendor_layer\n',
        'data "aws_lambda_layer_version" "latest" {\n  layer_name = var.vendor_layer\n  version    = 2\n')
    assert out == f"""\
main.tf:22:20: fixed LG101: data.aws_lambda_layer_version.latest.arn -> arn:aws:lambda:us-east-1:{CONSUMER}:layer:{names.tools}:2
main.tf:52:20: not fixed LG101: data.aws_lambda_layer_version.own.arn: data.aws_lambda_layer_version.own reads a \
layer that is not known before apply; pin it by hand
"""
    assert (code, err.splitlines()[-1]) == (1, "fix: 1 fixed, 1 not fixed; 1 file written")
    assert shutil.which("terraform") is None or _fmt_clean(Path("main.tf"))


TF_SSM_FIXTURE = TF_FIXTURE.parent / "ssm_parameter"


def test_terraform_ssm_parameter_reference_becomes_the_arn_it_holds(
        capsys: pytest.CaptureFixture[str], world: World, names: Names, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, aws_env: str) -> None:
    """A plain data.aws_ssm_parameter reference in a function's layers list is replaced by the version ARN the
    parameter holds today; a local, a function call, a computed ARN and an unversioned value are refused."""
    monkeypatch.chdir(tmp_path)
    prefix = f"{names.ssm}/tf"
    for name in ("main.tf", "providers.tf", "plan.json"):
        text = (TF_SSM_FIXTURE / name).read_text(encoding="utf-8")
        Path(name).write_text(text.replace("/platform/layers", prefix), encoding="utf-8")
    tools = f"arn:aws:lambda:us-east-1:{CONSUMER}:layer:{names.tools}"
    ssm = boto3.client("ssm", region_name="us-east-1", endpoint_url=world.moto_url,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    ssm.put_parameter(Name=f"{prefix}/powertools/latest", Type="String", Value=f"{tools}:2")
    ssm.put_parameter(Name=f"{prefix}/base", Type="String", Value=tools)
    original = Path("main.tf").read_text(encoding="utf-8")
    code, out, err = run(capsys, world, "plan.json")
    assert Path("main.tf").read_text(encoding="utf-8") == original.replace(
        "  layers        = [data.aws_ssm_parameter.powertools.value]\n",
        f'  layers        = ["{tools}:2"]\n').replace(
        "  layers        = [data.aws_ssm_parameter.powertools.insecure_value]\n",
        f'  layers        = ["{tools}:2"]\n')
    powertools = "data.aws_ssm_parameter.powertools"
    argument = ("is an argument of an expression (a function call or a split list), not an element of the layers"
                " list: write the layer version ARNs there by hand")
    split = f"main.tf:69:37: not fixed LG101: data.aws_ssm_parameter.stack.insecure_value: \
data.aws_ssm_parameter.stack.insecure_value {argument}\n"
    assert out == f"""\
main.tf:24:33: not fixed LG101: {powertools}.value: the value comes through local.common_layers, which may feed \
other functions: write the layer version ARN in the function's layers list by hand
main.tf:33:20: fixed LG101: {powertools}.value -> {tools}:2 ({powertools} may now be unused)
main.tf:42:20: fixed LG101: {powertools}.insecure_value -> {tools}:2 ({powertools} may now be unused)
main.tf:51:33: not fixed LG101: {powertools}.value: {powertools}.value {argument}
{split}{split}main.tf:78:20: not fixed LG101: data.aws_ssm_parameter.base.insecure_value: SSM parameter {prefix}/base in \
us-east-1 holds {tools} without a version: there is no exact version to pin; write the reviewed layer version ARN \
in the layers list
main.tf:87:23: not fixed LG101: data.aws_ssm_parameter.base.insecure_value: the layer ARN is computed from \
data.aws_ssm_parameter.base; layergate cannot invert this expression
"""
    assert (code, err.splitlines()[-1]) == (1, "fix: 2 fixed, 6 not fixed; 1 file written")
    assert shutil.which("terraform") is None or _fmt_clean(Path("main.tf"))


def _fmt_clean(path: Path) -> bool:
    import subprocess

    done = subprocess.run(["terraform", "fmt", "-check", str(path)], capture_output=True, check=False)
    return done.returncode == 0


ONE = """\
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Layers: [arn:aws:lambda:us-east-1:ACCT:layer:UTILS]   # same ARN in both files
"""


def two_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, names: Names) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("a.yaml", "b.yaml"):
        Path(name).write_text(fill(ONE, names), encoding="utf-8")


def test_an_arn_repeated_in_several_files_is_fixed_in_each(
        capsys: pytest.CaptureFixture[str], world: World, names: Names, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, aws_env: str) -> None:
    two_files(tmp_path, monkeypatch, names)
    code, out, err = run(capsys, world, ".")
    u = names.utils
    fixed = fill(ONE, names).replace(f"layer:{u}]", f"layer:{u}:3]")
    assert [Path(n).read_text(encoding="utf-8") for n in ("a.yaml", "b.yaml")] == [fixed, fixed]
    assert out == "".join(
        f"{n}:5:16: fixed LG102: arn:aws:lambda:us-east-1:{CONSUMER}:layer:{u} -> "
        f"arn:aws:lambda:us-east-1:{CONSUMER}:layer:{u}:3\n" for n in ("a.yaml", "b.yaml"))
    assert (code, err.splitlines()[-1]) == (0, "fix: 2 fixed, 0 not fixed; 2 files written")


def test_a_write_that_fails_puts_back_the_files_already_written(
        capsys: pytest.CaptureFixture[str], world: World, names: Names, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, aws_env: str) -> None:
    import os

    two_files(tmp_path, monkeypatch, names)
    real_replace = os.replace

    def replace(src: str, dst: str) -> None:  # the disk fills up when the second file is written
        if dst.endswith("b.yaml"):
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr("layergate.atomicfile.os.replace", replace)
    code, _out, err = run(capsys, world, ".")
    assert [Path(n).read_text(encoding="utf-8") for n in ("a.yaml", "b.yaml")] == [fill(ONE, names)] * 2
    assert (code, err) == (2, "layergate: error: b.yaml: cannot write: No space left on device\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml", "b.yaml"]


MISSING = """\
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Layers:
        - "{{resolve:ssm:SSM/nothing-here}}"
"""


def test_a_missing_parameter_and_an_unknown_region_are_reasons(
        capsys: pytest.CaptureFixture[str], world: World, names: Names, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, aws_env: str) -> None:
    monkeypatch.chdir(tmp_path)
    Path("template.yaml").write_text(fill(MISSING, names), encoding="utf-8")
    code, out, _err = run(capsys, world, "template.yaml", "--region", "us-east-1")
    said = fill("{{resolve:ssm:SSM/nothing-here}}", names)
    assert out == (f"template.yaml:6:11: not fixed LG101: {said}: GetParameter {names.ssm}/nothing-here in "
                   f"us-east-1: ParameterNotFound: Parameter {names.ssm}/nothing-here not found.\n")
    assert code == 1
    code, out, _err = run(capsys, world, "template.yaml")
    assert out == (f"template.yaml:6:11: not fixed LG101: {said}: SSM parameter {names.ssm}/nothing-here is read "
                   "in the deploy region, which is not known: pass --region or set regions in the policy\n")
    assert code == 1
    assert Path("template.yaml").read_text(encoding="utf-8") == fill(MISSING, names)


def test_lock_records_the_pinned_versions_in_the_same_write(
        capsys: pytest.CaptureFixture[str], world: World, names: Names, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, aws_env: str) -> None:
    import base64
    import re

    two_files(tmp_path, monkeypatch, names)
    Path(".layergate.yaml").write_text("version: 1\nregions: [us-east-1]\nlayers: []\n", encoding="utf-8")
    arn = f"arn:aws:lambda:us-east-1:{CONSUMER}:layer:{names.utils}:3"
    published = world.lambda_client(CONSUMER, "us-east-1").get_layer_version(LayerName=names.utils, VersionNumber=3)
    sha256 = base64.b64decode(published["Content"]["CodeSha256"]).hex()
    size = published["Content"]["CodeSize"]
    code, out, err = run(capsys, world, ".", "--lock")
    policy = re.sub(r"recorded_at: \S+", "recorded_at: <now>", Path(".layergate.yaml").read_text(encoding="utf-8"))
    assert policy == (f"version: 1\nregions: [us-east-1]\nlayers:\n  - arn: {arn}\n    sha256: {sha256}\n"
                      f"    code_size: {size}\n    recorded_at: <now>\n    extension: false\n")
    assert out.splitlines()[-1] == f"recorded  {arn}  sha256 {sha256}  ({size:,} bytes)"
    assert (code, err.splitlines()[-1]) == (0, "fix: 2 fixed, 0 not fixed; 3 files written")


def test_a_layer_whose_versions_are_all_gone_stays_a_refusal(
    capsys: pytest.CaptureFixture[str], world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws_env: str
) -> None:
    monkeypatch.chdir(tmp_path)
    gone = world.unique("gone")
    world.delete(world.publish(CONSUMER, "us-east-1", gone))
    text = f"Resources:\n  Api:\n    Type: AWS::Lambda::Function\n    Properties:\n      Layers:\n" \
           f"        - arn:aws:lambda:us-east-1:{CONSUMER}:layer:{gone}\n"
    Path("template.yaml").write_text(text, encoding="utf-8")
    code, out, _ = run(capsys, world, "template.yaml", "--region", "us-east-1")
    arn = f"arn:aws:lambda:us-east-1:{CONSUMER}:layer:{gone}"
    assert out == (f"template.yaml:6:11: not fixed LG102: {arn}: ListLayerVersions {arn}: no version listed, and "
                   "probing GetLayerVersion upward from version 1 found no version shared with this account within "
                   "10 consecutive versions: pin the version its publisher documents by hand\n")
    assert code == 1
    assert Path("template.yaml").read_text(encoding="utf-8") == text


# The Powertools for AWS Lambda (Python) documentation's CloudFormation example, "Using SSM Parameter Store"
# (https://docs.aws.amazon.com/powertools/python/latest/getting-started/install/#using-ssm-parameter-store), in a
# template with the two parameters it names.
POWERTOOLS_DOCS = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Architecture:
    Type: String
    Default: x86_64
  PythonVersion:
    Type: String
    Default: python3.13
Resources:
    MyFunction:
      Type: AWS::Lambda::Function
      Properties:
        Layers:
          - !Sub "{{resolve:ssm:/aws/service/powertools/python/${Architecture}/${PythonVersion}/latest}}"
"""


def test_a_sub_around_a_dynamic_reference_is_not_inverted(
        capsys: pytest.CaptureFixture[str], world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        aws_env: str) -> None:
    monkeypatch.chdir(tmp_path)
    Path("template.yaml").write_text(POWERTOOLS_DOCS, encoding="utf-8")
    code, out, err = run(capsys, world, "template.yaml", "--region", "eu-west-1")
    name = "/aws/service/powertools/python/x86_64/python3.13/latest"
    assert (out, err) == (
        "template.yaml:14:13: not fixed LG101: !Sub {{resolve:ssm:/aws/service/powertools/python/${Architecture}/"
        f"${{PythonVersion}}/latest}}}}: {{{{resolve:ssm:{name}}}}} reads SSM parameter {name} at deploy time "
        "(whatever its latest version holds); the SSM value is only part of the expression, which layergate "
        "cannot invert\n", "fix: 0 fixed, 1 not fixed; nothing to write\n")
    assert code == 1
    assert Path("template.yaml").read_text(encoding="utf-8") == POWERTOOLS_DOCS
