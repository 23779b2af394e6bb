"""The CloudFormation/SAM parser on realistic templates: every record compared whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from layergate.model import (
    Candidate,
    ContentSource,
    Function,
    InlineSuppression,
    LayerDef,
    LayerGrant,
    LayerRef,
    Location,
    Note,
    Resolution,
    ResolutionKind,
    Scan,
)
from layergate.sources import NotThisFormat, ParseOptions
from layergate.sources import cloudformation as cfn

FIXTURES = Path(__file__).parent / "fixtures" / "cloudformation"
ACCOUNT_HINT = ("the deploying account, which the repository does not name: list it under `deploy_accounts` in the "
                "policy (with `path:` when files deploy to different accounts)")
LITERAL = Resolution(ResolutionKind.LITERAL)
POWERTOOLS = "AWSLambdaPowertoolsPythonV3-python312-x86_64:7"

Row = tuple[object, ...]


def parse(name: str, **options: object) -> Scan:
    options.setdefault("root", str(FIXTURES))
    scans = cfn.parse(str(FIXTURES / name), ParseOptions(**options))  # type: ignore[arg-type]
    assert len(scans) == 1
    return scans[0]


def rows(scan: Scan) -> list[Row]:
    """Each reference as (consumer, line, column, path, position, expression, kind, detail, source, candidates)."""
    return [
        (r.consumer, r.location.line, r.location.column, r.location.path, r.position, r.expression,
         r.resolution.kind.value, r.resolution.detail, r.resolution.source,
         tuple((c.value, c.region) for c in r.candidates), r.layer_def)
        for r in scan.refs
    ]


def test_sam_app_globals_are_merged_first_and_an_intrinsic_list_replaces_them() -> None:
    scan = parse("sam-app/template.yaml", regions=("us-east-1", "cn-north-1"))
    file = str(FIXTURES / "sam-app/template.yaml")
    assert scan.format == "sam" and scan.file == file
    powertools = (
        (f"arn:aws:lambda:us-east-1:017000801446:layer:{POWERTOOLS}", "us-east-1"),
        (f"arn:aws-cn:lambda:cn-north-1:017000801446:layer:{POWERTOOLS}", "cn-north-1"),
    )
    sub = f"!Sub arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:017000801446:layer:{POWERTOOLS}"
    extra = "parameter", "ExtraLayers", "default"
    assert rows(scan) == [
        ("ChargeFunction", 19, 9, "Globals/Function/Layers/0", 0, sub, "literal", "", "", powertools, None),
        ("ChargeFunction", 20, 9, "Globals/Function/Layers/1", 1, "!Ref CommonLayer", "internal", "CommonLayer", "",
         (), "CommonLayer"),
        ("ChargeFunction", 56, 11, "Resources/ChargeFunction/Properties/Layers/0", 2,
         "arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:58", "literal", "", "",
         (("arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:58", None),), None),
        # `Layers: !Ref ExtraLayers` is an intrinsic: SAM lets it replace the globals.
        # The ARNs are written in the parameter's default, so that is where the entries point.
        ("RefundFunction", 12, 14, "Parameters/ExtraLayers/Default", 0, "!Ref ExtraLayers", *extra,
         (("arn:aws:lambda:us-east-1:111122223333:layer:audit:4", None),), None),
        ("RefundFunction", 12, 14, "Parameters/ExtraLayers/Default", 1, "!Ref ExtraLayers", *extra,
         (("arn:aws:lambda:us-east-1:111122223333:layer:crypto:2", None),), None),
        ("ReportFunction", 19, 9, "Globals/Function/Layers/0", 0, sub, "literal", "", "", powertools, None),
        ("ReportFunction", 20, 9, "Globals/Function/Layers/1", 1, "!Ref CommonLayer", "internal", "CommonLayer", "",
         (), "CommonLayer"),
        # AWS::Lambda::Function takes no SAM globals; the image function has no layers at all.
        ("PlainFunction", 88, 11, "Resources/PlainFunction/Properties/Layers/0", 0, "!Ref PinnedLayer", "internal",
         "PinnedLayer", "", (), "PinnedLayer"),
    ]
    assert scan.functions == tuple(
        Function(name, Location(file, line, 3, f"Resources/{name}"))
        for name, line in (("ChargeFunction", 44), ("RefundFunction", 58), ("ReportFunction", 65),
                           ("ImageFunction", 71), ("PlainFunction", 79))
    )
    assert scan.layer_defs == (
        LayerDef("CommonLayer", "payments-common-dev", Location(file, 23, 3, "Resources/CommonLayer"),
                 ContentSource("local", "layers/common/", None, str(FIXTURES / "sam-app/layers/common"))),
        LayerDef("PinnedLayer", "PinnedLayer", Location(file, 30, 3, "Resources/PinnedLayer"),
                 ContentSource("s3", "s3://payments-artifacts/layers/pinned.zip", "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY")),
        LayerDef("SplitLayer", "payments-split", Location(file, 36, 3, "Resources/SplitLayer"),
                 ContentSource("s3", "s3://payments-artifacts/layers/split.zip")),
    )
    assert scan.suppressions == (
        InlineSuppression("ChargeFunction", ("LG301",), "",
                          Location(file, 49, 13, "Resources/ChargeFunction/Metadata/layergate/ignore/0")),
        InlineSuppression("ChargeFunction", ("publisher-not-allowed",),
                          "Datadog is reviewed by the platform team (ticket SEC-142)",
                          Location(file, 50, 13, "Resources/ChargeFunction/Metadata/layergate/ignore/1")),
    )
    assert scan.grants == () and scan.notes == ()


def test_local_content_outside_the_repository_root_has_no_local_path(tmp_path: Path) -> None:
    scan = parse("sam-app/template.yaml", root=str(tmp_path))
    assert scan.layer_defs[0].content == ContentSource("local", "layers/common/", None, None)


def test_cloudformation_json_with_positions() -> None:
    scan = parse("cfn-json/platform-layers.json", regions=("us-east-1", "eu-west-1"))
    file = str(FIXTURES / "cfn-json/platform-layers.json")
    assert scan.format == "cloudformation"
    dd = "arn:aws:lambda:{}:464622532012:layer:Datadog-Extension:58"
    assert rows(scan) == [
        ("Worker", 46, 11, "Resources/Worker/Properties/Layers/0", 0,
         '{"Fn::GetAtt": ["ObservabilityLayer", "LayerVersionArn"]}', "internal", "ObservabilityLayer", "", (),
         "ObservabilityLayer"),
        # The version, the one part not written in the entry, comes from the parameter's default.
        ("Worker", 6, 53, "Parameters/DatadogVersion/Default", 1,
         '{"Fn::Sub": "arn:aws:lambda:${AWS::Region}:464622532012:layer:Datadog-Extension:${DatadogVersion}"}',
         "parameter", "DatadogVersion", "default",
         ((dd.format("us-east-1"), "us-east-1"), (dd.format("eu-west-1"), "eu-west-1")), None),
        ("Worker", 48, 11, "Resources/Worker/Properties/Layers/2", 2,
         '{"Fn::Join": [":", ["arn:aws:lambda:us-east-1:580247275435:layer", "LambdaInsightsExtension", "53"]]}',
         "literal", "", "", (("arn:aws:lambda:us-east-1:580247275435:layer:LambdaInsightsExtension:53", None),),
         None),
    ]
    assert scan.layer_defs == (
        LayerDef("ObservabilityLayer", "observability-prod", Location(file, 9, 5, "Resources/ObservabilityLayer"),
                 ContentSource("s3", "s3://platform-artifacts/layers/observability.zip",
                               "Jg1v6ZhYk3Qm0oPv9sW2xY4z.AbCdEf")),
    )
    assert scan.grants == (
        LayerGrant("ObservabilityLayer", "*", "o-a1b2c3d4e5",
                   Location(file, 21, 5, "Resources/ObservabilityLayerOrgPermission"), "ObservabilityLayerOrgPermission"),
        LayerGrant("ObservabilityLayer", "210987654321", None,
                   Location(file, 30, 5, "Resources/ObservabilityLayerAccountPermission"), "ObservabilityLayerAccountPermission"),
    )
    assert scan.functions == (Function("Worker", Location(file, 38, 5, "Resources/Worker")),)


def test_cdk_find_in_map_gives_one_candidate_per_region() -> None:
    scan = parse("cdk-like/InsightsStack.template.json", regions=("us-east-1", "cn-north-1"))
    insights = '{"Fn::FindInMap": ["LambdaInsightsVersions1x0x229x0", {"Ref": "AWS::Region"}, "arn"]}'
    assert rows(scan)[:3] == [
        ("Handler886CB40B", 56, 6, "Resources/Handler886CB40B/Properties/Layers/0", 0,
         '{"Ref": "DepsLayerBA7A5D1F"}', "internal", "DepsLayerBA7A5D1F", "", (), "DepsLayerBA7A5D1F"),
        # One reference per mapping value the deploy regions pick, each at its value.
        ("Handler886CB40B", 5, 12, "Mappings/LambdaInsightsVersions1x0x229x0/us-east-1/arn", 1, insights, "literal",
         "", "", (("arn:aws:lambda:us-east-1:580247275435:layer:LambdaInsightsExtension:38", "us-east-1"),), None),
        ("Handler886CB40B", 11, 12, "Mappings/LambdaInsightsVersions1x0x229x0/cn-north-1/arn", 1, insights,
         "literal", "", "",
         (("arn:aws-cn:lambda:cn-north-1:488211338238:layer:LambdaInsightsExtension:32", "cn-north-1"),), None),
    ]
    # The ADOT mapping has no China entry: that region's value is unknown, the other one is still checked.
    # The unknown part is reported at the entry, the known value at the mapping value it comes from.
    adot = scan.refs[3:5]
    assert [(r.location.line, r.resolution, r.candidates) for r in adot] == [
        (58, Resolution(ResolutionKind.UNKNOWN,
                        "Fn::FindInMap: mapping AdotLambdaLayerPythonSdkLayerVersion has no key cn-north-1"), ()),
        (16, LITERAL,
         (Candidate("arn:aws:lambda:us-east-1:901920570463:layer:aws-otel-python-amd64-ver-1-24-0:1", "us-east-1"),)),
    ]


def test_find_in_map_over_the_region_without_regions_is_unknown() -> None:
    scan = parse("cdk-like/InsightsStack.template.json")
    reason = "AWS::Region depends on the deploy region, which is not known (set `regions` in the policy or pass --region)"
    assert [(r.resolution, r.candidates) for r in scan.refs[1:]] == [
        (Resolution(ResolutionKind.UNKNOWN, reason), ()),
        (Resolution(ResolutionKind.UNKNOWN, reason), ()),
    ]


def test_conditions_take_every_branch_and_no_value_drops_the_entry() -> None:
    scan = parse("conditions/template.yaml")
    base = "Resources/ApiFunction/Properties/Layers"
    pt = "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsTypeScriptV2:{}"
    assert rows(scan) == [
        # Each value is reported where it is written: the account from the mapping, each branch of an !If,
        # the item !Select picks. A value built from two such places stays at the entry (base/2).
        ("ApiFunction", 20, 11, "Mappings/Vendor/Account/Id", 0,
         "!If [TracingOn, !Sub [arn:aws:lambda:us-east-1:${Account}:layer:Datadog-Extension-ARM:58, "
         "{Account: !FindInMap [Vendor, Account, Id]}], !Ref AWS::NoValue]", "literal", "", "",
         (("arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension-ARM:58", None),), None),
        ("ApiFunction", 37, 23, f"{base}/1", 1, f"!If [IsArm, {pt.format(12)}, {pt.format(11)}]", "literal", "", "",
         ((pt.format(12), None),), None),
        ("ApiFunction", 37, 105, f"{base}/1", 1, f"!If [IsArm, {pt.format(12)}, {pt.format(11)}]", "literal", "",
         "", ((pt.format(11), None),), None),
        ("ApiFunction", 38, 11, f"{base}/2", 2,
         "!Join [:, [arn:aws:lambda:us-east-1, !FindInMap [Vendor, Account, Id], layer:Datadog-Node20-x, "
         "!Select [1, !Split [:, !Ref LayerSuffix]]]]", "parameter", "LayerSuffix", "default",
         (("arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Node20-x:12", None),), None),
        ("ApiFunction", 44, 24, f"{base}/3", 3,
         "!Select [0, [arn:aws:lambda:us-east-1:111122223333:layer:first:1, "
         "arn:aws:lambda:us-east-1:111122223333:layer:second:1]]", "literal", "", "",
         (("arn:aws:lambda:us-east-1:111122223333:layer:first:1", None),), None),
        # Fn::If over the whole list: the entries of the true branch; the AWS::NoValue branch adds none.
        ("WorkerFunction", 57, 13, "Resources/WorkerFunction/Properties/Layers/Fn::If/1/0", 0,
         "arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Node20-x:112", "literal", "", "",
         (("arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Node20-x:112", None),), None),
        ("WorkerFunction", 58, 13, "Resources/WorkerFunction/Properties/Layers/Fn::If/1/1", 1,
         "arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:58", "literal", "", "",
         (("arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:58", None),), None),
    ]


def test_values_from_other_stacks_are_unknown_with_the_reason() -> None:
    scan = parse("nested/template.yaml", regions=("us-east-1",))
    consumer = "Resources/Consumer/Properties/Layers"
    publisher = "Resources/Publisher/Properties/Layers"
    assert [(r.consumer, r.location.line, r.location.path, r.expression, r.resolution, r.candidates)
            for r in scan.refs] == [
        ("Consumer", 28, f"{consumer}/0", "!GetAtt LayersApp.Outputs.LayerVersionArn",
         Resolution(ResolutionKind.UNKNOWN, "output LayerVersionArn of nested stack LayersApp "
                                            "(AWS::Serverless::Application) is defined in another template"), ()),
        ("Consumer", 29, f"{consumer}/1", "!GetAtt LayersStack.Outputs.SharedLayerArn",
         Resolution(ResolutionKind.UNKNOWN, "output SharedLayerArn of nested stack LayersStack "
                                            "(AWS::CloudFormation::Stack) is defined in another template"), ()),
        ("Consumer", 30, f"{consumer}/2", "!ImportValue platform-TracingLayerArn",
         Resolution(ResolutionKind.UNKNOWN,
                    "Fn::ImportValue platform-TracingLayerArn: the value is exported by another stack"), ()),
        ("Consumer", 31, f"{consumer}/3", "{Fn::ImportValue: !Sub ${AWS::StackName}-Deps}",
         Resolution(ResolutionKind.UNKNOWN,
                    "Fn::ImportValue !Sub ${AWS::StackName}-Deps: the value is exported by another stack"), ()),
        ("Consumer", 32, f"{consumer}/4", "!GetAtt Queue.Arn",
         Resolution(ResolutionKind.UNKNOWN,
                    "Fn::GetAtt Queue.Arn: attributes of AWS::SQS::Queue resources are known only after deploy"), ()),
        ("Publisher", 41, f"{publisher}/0", "!Ref Queue",
         Resolution(ResolutionKind.UNKNOWN, "Ref to Queue (AWS::SQS::Queue), which is not a layer version"), ()),
        ("Publisher", 42, f"{publisher}/1",
         "!Sub arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:layer:own-layer:3",
         Resolution(ResolutionKind.UNKNOWN, f"AWS::AccountId is {ACCOUNT_HINT}"), ()),
        ("Publisher", 43, f"{publisher}/2", "{Fn::Transform: {Name: LayerPicker, Parameters: {Kind: tracing}}}",
         Resolution(ResolutionKind.UNKNOWN, "Fn::Transform: macro LayerPicker computes this value at deploy time"),
         ()),
    ]


def test_layer_version_permissions() -> None:
    scan = parse("permissions/template.yaml")
    file = str(FIXTURES / "permissions/template.yaml")
    assert scan.grants == (
        LayerGrant("SharedLayer", "*", None, Location(file, 20, 3, "Resources/PublicPermission"), "PublicPermission"),
        LayerGrant("SharedLayer", "*", "o-a1b2c3d4e5", Location(file, 27, 3, "Resources/OrgPermission"),
                   "OrgPermission"),
        LayerGrant("SharedLayer", "arn:aws:iam::444455556666:root", None,
                   Location(file, 35, 3, "Resources/PartnerPermission"), "PartnerPermission"),
        LayerGrant("arn:aws:lambda:us-east-1:123456789012:layer:legacy:7", "*",
                   "<unknown: parameter OrgId has no default and no value was given>",
                   Location(file, 45, 3, "Resources/UnknownOrgPermission"), "UnknownOrgPermission"),
        LayerGrant("SharedLayer",
                   f"<unknown: AWS::AccountId is {ACCOUNT_HINT}>", None,
                   Location(file, 53, 3, "Resources/OwnAccountPermission"), "OwnAccountPermission"),
    )
    assert scan.suppressions == (
        InlineSuppression("PartnerPermission", ("external-sharing",), "",
                          Location(file, 39, 18, "Resources/PartnerPermission/Metadata/layergate/ignore/0")),
    )
    assert parse("permissions/template.yaml", parameters={"OrgId": "o-zz9zz9zz9z"}).grants[3].organization_id == (
        "o-zz9zz9zz9z")


def test_packaged_serverless_output_is_cloudformation() -> None:
    name = "serverless-output/.serverless/cloudformation-template-update-stack.json"
    assert cfn.detect(str(FIXTURES / name), "")
    scan = parse(name)
    assert [(r.consumer, r.location.line, r.expression, r.resolution, r.layer_def) for r in scan.refs] == [
        ("HelloLambdaFunction", 15, "arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Node20-x:112", LITERAL,
         None),
        ("HelloLambdaFunction", 16, '{"Ref": "UtilsLambdaLayer"}',
         Resolution(ResolutionKind.INTERNAL, "UtilsLambdaLayer"), "UtilsLambdaLayer"),
    ]


@pytest.mark.parametrize(
    ("name", "head", "expected"),
    [
        ("template.yaml", "AWSTemplateFormatVersion: '2010-09-09'\n", True),
        ("stack.template", "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n", True),
        ("infra/app", "Transform: AWS::Serverless-2016-10-31\n", True),
        ("big.yml", "Parameters:\n  A:\n    Type: String\n", True),  # Resources may start after 8 KB
        ("stack.json", '{\n  "Resources": {\n    "Fn": {\n      "Type": "AWS::Lambda::Function"', True),
        ("min.json", '{"Resources":{"Fn":{"Type":"AWS::Lambda::Function"}}}', True),
        ("docker-compose.yml", "services:\n  web:\n    image: nginx\n", False),
        ("workflow.yaml", "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n", False),
        ("package.json", '{"name": "x", "version": "1.0.0"}', False),
        ("notes.txt", "AWSTemplateFormatVersion: '2010-09-09'\n", False),
        ("serverless.yml", "service: x\nresources:\n  Resources:\n    A:\n      Type: AWS::S3::Bucket\n", False),
    ],
)
def test_detect_sniffs_content_not_names(name: str, head: str, expected: bool) -> None:
    assert cfn.detect(name, head) is expected


@pytest.mark.parametrize(
    "text",
    [
        "Parameters:\n  A:\n    Type: String\n",  # no resources, no version: not a template
        "Resources:\n  Thing:\n    Type: Custom::Thing\n",
        "- a\n- b\n",
        "just text\n",
        '{"Resources": {"A": {"Kind": "x"}}}',
    ],
)
def test_documents_that_are_not_templates_are_skipped_quietly(tmp_path: Path, text: str) -> None:
    path = tmp_path / ("t.json" if text.startswith("{") else "t.yaml")
    path.write_text(text)
    with pytest.raises(NotThisFormat):
        cfn.parse(str(path), ParseOptions())


def test_macros_and_foreach_are_noted(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "Transform: [AWS::Serverless-2016-10-31, DatadogServerless]\n"
        "Resources:\n"
        "  Fn::ForEach::Workers:\n"
        "    - Name\n"
        "    - [A, B]\n"
        "    - Worker${Name}:\n"
        "        Type: AWS::Lambda::Function\n"
        "  Real:\n"
        "    Type: AWS::Serverless::Function\n"
    )
    scan = cfn.parse(str(path), ParseOptions())[0]
    file = str(path)
    assert scan.format == "sam"
    assert scan.notes == (
        Note("plugin-injected-layers", Location(file, 1, 41, "Transform"),
             "transform DatadogServerless runs at deploy time and may add or change layers that layergate cannot "
             "see", "DatadogServerless"),
        Note("plugin-injected-layers", Location(file, 3, 3, "Resources/Fn::ForEach::Workers"),
             "Fn::ForEach::Workers generates resources that layergate does not expand; their layers are not "
             "checked", "Fn::ForEach::Workers"),
    )
    assert scan.functions == (Function("Real", Location(file, 8, 3, "Resources/Real")),)
    assert scan.refs == ()


def test_scan_template_node_for_a_serverless_resources_section(tmp_path: Path) -> None:
    from layergate.yamlnodes import get, parse_yaml

    text = (
        "service: app\n"
        "resources:\n"
        "  Resources:\n"
        "    Extra:\n"
        "      Type: AWS::Lambda::Function\n"
        "      Properties:\n"
        "        Layers: [!Ref DdLayer]\n"
        "  Parameters:\n"
        "    DdLayer: {Type: String}\n"
    )
    root = parse_yaml(text, "serverless.yml")
    assert root is not None
    section = get(root, "resources")
    assert section is not None
    scan = cfn.scan_template_node(
        section, "serverless.yml", ParseOptions(), format_name="serverless", resources_only=True,
        parameters={"DdLayer": "arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:58"},
        parameters_source="serverless.yml",
    )
    assert scan.format == "serverless"
    assert scan.refs == (
        LayerRef("Extra", Location("serverless.yml", 7, 18, "Resources/Extra/Properties/Layers/0"), "!Ref DdLayer",
                 Resolution(ResolutionKind.PARAMETER, "DdLayer", "serverless.yml"),
                 (Candidate("arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:58"),)),
    )
    # A fragment is not required to look like a template; the command line still wins over the caller.
    empty = parse_yaml("Outputs: {}\n", "f.yml")
    assert empty is not None
    assert cfn.scan_template_node(empty, "f.yml", ParseOptions(), resources_only=True).refs == ()
    overridden = cfn.scan_template_node(
        section, "serverless.yml", ParseOptions(parameters={"DdLayer": "arn:x"}), resources_only=True,
        parameters={"DdLayer": "arn:y"},
    )
    assert overridden.refs[0].candidates == (Candidate("arn:x"),)
    assert overridden.refs[0].resolution.source == "command line"
