"""Intrinsic functions in a Layers entry: the resolution and the candidates each one gives."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from layergate.model import Candidate, LayerRef, Location, Resolution, ResolutionKind
from layergate.sources import ParseOptions
from layergate.sources import cloudformation as cfn
from layergate.sources.cfn_pseudo import partition_of

LITERAL = ResolutionKind.LITERAL
PARAMETER = ResolutionKind.PARAMETER
INTERNAL = ResolutionKind.INTERNAL
DYNAMIC = ResolutionKind.DYNAMIC
UNKNOWN = ResolutionKind.UNKNOWN

ARN = "arn:aws:lambda:us-east-1:111122223333:layer:{}"

HEAD = """\
AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Version: {Type: String, Default: "7"}
  NoDefault: {Type: String}
  Names: {Type: CommaDelimitedList, Default: "alpha,beta"}
  Index: {Type: Number, Default: "1"}
  LayersCsv: {Type: String, Default: "arn:aws:lambda:us-east-1:111122223333:layer:a:1,arn:aws:lambda:us-east-1:111122223333:layer:b:2"}
  DdArn: {Type: "AWS::SSM::Parameter::Value<String>", Default: /layers/datadog}
  DdList: {Type: "AWS::SSM::Parameter::Value<List<String>>"}
Conditions:
  Yes: !Equals [a, a]
Mappings:
  Accounts:
    Vendor: {Id: "464622532012"}
  Regional:
    us-east-1: {Arn: "arn:aws:lambda:us-east-1:111122223333:layer:r:1"}
    eu-west-1: {Arn: "arn:aws:lambda:eu-west-1:111122223333:layer:r:1"}
Resources:
  Layer:
    Type: AWS::Lambda::LayerVersion
    Properties: {Content: {S3Bucket: b, S3Key: k, S3ObjectVersion: "1"}}
  Other:
    Type: AWS::Lambda::LayerVersion
    Properties: {Content: {S3Bucket: b, S3Key: k2, S3ObjectVersion: "1"}}
  Bucket:
    Type: AWS::S3::Bucket
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Layers:
"""


def entry_refs(tmp_path: Path, expression: str, regions: tuple[str, ...] = ()) -> list[tuple[object, ...]]:
    path = tmp_path / "t.yaml"
    path.write_text(HEAD + textwrap.indent(f"- {expression}\n", " " * 8))
    scan = cfn.parse(str(path), ParseOptions(regions=regions))[0]
    return [(r.resolution, tuple((c.value, c.region) for c in r.candidates), r.layer_def) for r in scan.refs]


def one(kind: ResolutionKind, detail: str = "", source: str = "", candidates: tuple[tuple[str, str | None], ...] = (),
        layer_def: str | None = None) -> list[tuple[object, ...]]:
    return [(Resolution(kind, detail, source), candidates, layer_def)]


CASES = [
    ("literal", ARN.format("x:1"), one(LITERAL, candidates=((ARN.format("x:1"), None),))),
    ("sub escape", "!Sub arn:aws:lambda:us-east-1:111122223333:layer:x-${!Literal}:1",
     one(LITERAL, candidates=((ARN.format("x-${Literal}:1"), None),))),
    ("sub parameter", "!Sub arn:aws:lambda:us-east-1:111122223333:layer:x:${Version}",
     one(PARAMETER, "Version", "default", ((ARN.format("x:7"), None),))),
    ("sub variables", "!Sub ['arn:aws:lambda:us-east-1:${Acct}:layer:x:${V}', "
                      "{Acct: !FindInMap [Accounts, Vendor, Id], V: !Select [1, !Ref Names]}]",
     one(PARAMETER, "Names", "default", (("arn:aws:lambda:us-east-1:464622532012:layer:x:beta", None),))),
    ("sub whole layer", "!Sub ${Layer}", one(INTERNAL, "Layer", layer_def="Layer")),
    ("sub layer attribute", "!Sub ${Layer.LayerVersionArn}", one(INTERNAL, "Layer", layer_def="Layer")),
    ("sub builds on a layer", "!Sub ${Layer}-copy",
     one(UNKNOWN, "the ARN of layer Layer is known only after deploy, so a string built from it cannot be checked")),
    ("sub list parameter", "!Sub x-${Names}", one(UNKNOWN, "a list where a string is expected")),
    ("sub no value", "!Sub x-${AWS::NoValue}", one(UNKNOWN, "AWS::NoValue where a string is expected")),
    ("get att list form", "!GetAtt [Layer, LayerVersionArn]", one(INTERNAL, "Layer", layer_def="Layer")),
    ("get att missing", "!GetAtt Nope.LayerVersionArn",
     one(UNKNOWN, "Fn::GetAtt Nope.LayerVersionArn: Nope is not defined in this template")),
    ("get att other attribute", "!GetAtt Layer.Arn",
     one(UNKNOWN, "Fn::GetAtt Layer.Arn: attributes of AWS::Lambda::LayerVersion resources are known only after "
                  "deploy")),
    ("ref missing", "!Ref MissingLayer", one(UNKNOWN, "Ref to MissingLayer, which this template does not define")),
    ("ref other resource", "!Ref Bucket", one(UNKNOWN, "Ref to Bucket (AWS::S3::Bucket), which is not a layer version")),
    ("ref no default", "!Ref NoDefault", one(UNKNOWN, "parameter NoDefault has no default and no value was given")),
    ("ref ssm parameter", "!Ref DdArn",
     one(DYNAMIC, "parameter DdArn has type AWS::SSM::Parameter::Value<String>: CloudFormation reads SSM parameter "
                  "/layers/datadog at deploy time (whatever its latest version holds)")),
    ("join", "!Join ['', ['arn:aws:lambda:us-east-1:111122223333:layer:', !Select [0, !Ref Names], ':', !Ref Version]]",
     one(PARAMETER, "Names, Version", "default", ((ARN.format("alpha:7"), None),))),
    ("join over a list parameter", "!Join ['-', !Ref Names]",
     one(PARAMETER, "Names", "default", (("alpha-beta", None),))),
    ("select with a parameter index", "!Select [!Ref Index, !Split [',', !Ref LayersCsv]]",
     one(PARAMETER, "Index, LayersCsv", "default", ((ARN.format("b:2"), None),))),
    ("select out of range", "!Select [5, [a, b]]", one(UNKNOWN, "Fn::Select index 5 is out of range (2 items)")),
    ("select bad index", "!Select [x, [a, b]]", one(UNKNOWN, "Fn::Select index 'x' is not a number")),
    ("find in map missing map", "!FindInMap [Nope, a, b]",
     one(UNKNOWN, "Fn::FindInMap: there is no mapping Nope in Mappings")),
    ("find in map missing key", "!FindInMap [Accounts, Vendor, Name]",
     one(UNKNOWN, "Fn::FindInMap: mapping Accounts has no key Vendor/Name")),
    ("find in map default", f"!FindInMap [Accounts, Nobody, Id, {{DefaultValue: '{ARN.format('d:1')}'}}]",
     one(LITERAL, candidates=((ARN.format("d:1"), None),))),
    # A branch that is known is a reference of its own (at the branch); what is unknown stays at the entry.
    ("if with an unknown branch", f"!If [Yes, {ARN.format('x:1')}, !Ref NoDefault]",
     [*one(UNKNOWN, "parameter NoDefault has no default and no value was given"),
      *one(LITERAL, candidates=((ARN.format("x:1"), None),))]),
    ("if between two internal layers", "!If [Yes, !Ref Layer, !Ref Other]",
     [(Resolution(INTERNAL, "Layer"), (), "Layer"), (Resolution(INTERNAL, "Other"), (), "Other")]),
    ("if between a literal and an internal layer", f"!If [Yes, !Ref Layer, {ARN.format('x:1')}]",
     [(Resolution(INTERNAL, "Layer"), (), "Layer"), *one(LITERAL, candidates=((ARN.format("x:1"), None),))]),
    ("if with no value on both sides", "!If [Yes, !Ref AWS::NoValue, !Ref AWS::NoValue]", []),
    ("base64", "!Base64 abc", one(LITERAL, candidates=(("YWJj", None),))),
    ("length", "!Sub ['arn:aws:lambda:us-east-1:111122223333:layer:x:${N}', {N: !Length [a, b, c]}]",
     one(LITERAL, candidates=((ARN.format("x:3"), None),))),
    ("condition function", "!Equals [a, b]", one(UNKNOWN, "Fn::Equals is a condition function, not a value")),
    ("and", "!And [!Condition Yes, !Condition Yes]", one(UNKNOWN, "Fn::And is a condition function, not a value")),
    ("or", "!Or [!Condition Yes, !Condition Yes]", one(UNKNOWN, "Fn::Or is a condition function, not a value")),
    ("not", "!Not [!Condition Yes]", one(UNKNOWN, "Fn::Not is a condition function, not a value")),
    ("transform short form", "!Transform {Name: PickLayer, Parameters: {Kind: x}}",
     one(UNKNOWN, "Fn::Transform: macro PickLayer computes this value at deploy time")),
    ("import value", "!ImportValue shared-LayerArn",
     one(UNKNOWN, "Fn::ImportValue shared-LayerArn: the value is exported by another stack")),
    ("import value of a sub", "!ImportValue {Fn::Sub: '${AWS::StackName}-LayerArn'}",
     one(UNKNOWN, "Fn::ImportValue {Fn::Sub: ${AWS::StackName}-LayerArn}: the value is exported by another stack")),
    ("condition reference", "!Condition Yes", one(UNKNOWN, "Condition is a condition function, not a value")),
    ("cidr", "!Cidr [10.0.0.0/16, 2, 8]", one(UNKNOWN, "Fn::Cidr does not give a layer ARN")),
    ("get azs", "!GetAZs ''", one(UNKNOWN, "Fn::GetAZs lists availability zones at deploy time")),
    ("unknown tag", "!Foo bar", one(UNKNOWN, "unknown intrinsic function !Foo")),
    ("unknown long form", "{Fn::Foo: bar}", one(UNKNOWN, "unknown intrinsic function Fn::Foo")),
    ("empty entry", "", one(UNKNOWN, "an empty value")),
    ("stack name", "!Sub arn:aws:lambda:us-east-1:111122223333:layer:${AWS::StackName}:1",
     one(UNKNOWN, "AWS::StackName is chosen at deploy time")),
    ("not a pseudo parameter", "!Ref AWS::Bogus", one(UNKNOWN, "AWS::Bogus is not a pseudo parameter CloudFormation "
                                                             "defines")),
    ("ssm dynamic reference", "'{{resolve:ssm:/layers/dd}}'",
     one(DYNAMIC, "{{resolve:ssm:/layers/dd}} reads SSM parameter /layers/dd at deploy time (whatever its latest "
                  "version holds)")),
    ("ssm pinned dynamic reference", "'{{resolve:ssm:/layers/dd:12}}'",
     one(DYNAMIC, "{{resolve:ssm:/layers/dd:12}} reads SSM parameter /layers/dd at deploy time (pinned to parameter "
                  "version 12, but its value is not in the repository)")),
    ("secrets manager reference", "'{{resolve:secretsmanager:layers/dd:SecretString:arn}}'",
     one(DYNAMIC, "{{resolve:secretsmanager:layers/dd:SecretString:arn}} reads secret layers/dd from Secrets Manager "
                  "at deploy time")),
    ("unclosed dynamic reference", "'{{resolve:ssm:/layers/dd'",
     one(UNKNOWN, "malformed dynamic reference in '{{resolve:ssm:/layers/dd'")),
]


@pytest.mark.parametrize(("expression", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_entry(tmp_path: Path, expression: str, expected: list[tuple[object, ...]]) -> None:
    assert entry_refs(tmp_path, expression) == expected


def test_more_than_64_values_is_unknown(tmp_path: Path) -> None:
    ifs = ", ".join(f"!If [Yes, a{i}, b{i}]" for i in range(7))  # 2**7 combinations
    assert entry_refs(tmp_path, f"!Join ['', [{ifs}]]") == one(UNKNOWN, "more than 64 possible values")


def test_region_and_partition_expand_together(tmp_path: Path) -> None:
    expr = "!Sub arn:${AWS::Partition}:lambda:${AWS::Region}:111122223333:layer:x:1.${AWS::URLSuffix}"
    assert entry_refs(tmp_path, expr, ("us-gov-west-1", "cn-northwest-1")) == one(LITERAL, candidates=(
        ("arn:aws-us-gov:lambda:us-gov-west-1:111122223333:layer:x:1.amazonaws.com", "us-gov-west-1"),
        ("arn:aws-cn:lambda:cn-northwest-1:111122223333:layer:x:1.amazonaws.com.cn", "cn-northwest-1"),
    ))


def test_region_keyed_mapping_and_region_sub_stay_in_step(tmp_path: Path) -> None:
    expr = "!Join ['#', [!FindInMap [Regional, !Ref AWS::Region, Arn], !Ref AWS::Region]]"
    # One reference per mapping value (each is written in its own place).
    assert entry_refs(tmp_path, expr, ("us-east-1", "eu-west-1")) == [
        *one(LITERAL, candidates=(("arn:aws:lambda:us-east-1:111122223333:layer:r:1#us-east-1", "us-east-1"),)),
        *one(LITERAL, candidates=(("arn:aws:lambda:eu-west-1:111122223333:layer:r:1#eu-west-1", "eu-west-1"),)),
    ]


def test_region_without_regions_names_the_fix(tmp_path: Path) -> None:
    assert entry_refs(tmp_path, "!Sub arn:aws:lambda:${AWS::Region}:111122223333:layer:x:1") == one(
        UNKNOWN, "AWS::Region depends on the deploy region, which is not known (set `regions` in the policy or pass "
                 "--region)")


@pytest.mark.parametrize(
    ("region", "partition"),
    [("us-east-1", "aws"), ("cn-north-1", "aws-cn"), ("us-gov-east-1", "aws-us-gov"), ("us-iso-east-1", "aws-iso"),
     ("us-isob-east-1", "aws-iso-b"), ("eu-isoe-west-1", "aws-iso-e"), ("us-isof-south-1", "aws-iso-f")],
)
def test_partition_of_region(region: str, partition: str) -> None:
    assert partition_of(region) == partition


def whole_list(tmp_path: Path, layers: str, **extra: str) -> list[tuple[object, ...]]:
    path = tmp_path / "t.yaml"
    path.write_text(HEAD.replace("      Layers:\n", f"      Layers: {layers}\n"))
    scan = cfn.parse(str(path), ParseOptions(**extra))[0]  # type: ignore[arg-type]
    return [(r.location.line, r.location.column, r.location.path, r.position, r.resolution,
             tuple((c.value, c.region) for c in r.candidates)) for r in scan.refs]


def test_split_as_the_whole_list(tmp_path: Path) -> None:
    source = Resolution(PARAMETER, "LayersCsv", "default")
    assert whole_list(tmp_path, "!Split [',', !Ref LayersCsv]") == [
        # The ARNs are written in the parameter's default (line 7), where the entries point.
        (7, 38, "Parameters/LayersCsv/Default", 0, source, ((ARN.format("a:1"), None),)),
        (7, 38, "Parameters/LayersCsv/Default", 1, source, ((ARN.format("b:2"), None),)),
    ]


def test_ssm_list_parameter_as_the_whole_list(tmp_path: Path) -> None:
    assert whole_list(tmp_path, "!Ref DdList") == [
        (30, 15, "Resources/Fn/Properties/Layers", 0, Resolution(
            DYNAMIC, "parameter DdList has type AWS::SSM::Parameter::Value<List<String>> and no default: "
                     "CloudFormation reads an SSM parameter named at deploy (whatever its latest version holds)"), ()),
    ]


def test_string_parameter_as_the_whole_list(tmp_path: Path) -> None:
    assert whole_list(tmp_path, "!Ref Version", parameters={"Version": "9"}) == [
        (30, 15, "Resources/Fn/Properties/Layers", 0,
         Resolution(UNKNOWN, "Layers must be a list; !Ref Version gives a string"), ()),
    ]


def test_aliases_and_merge_keys_are_followed(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(textwrap.dedent("""\
        AWSTemplateFormatVersion: '2010-09-09'
        Metadata:
          Common: &common
            Runtime: python3.12
            Layers: [&dd "arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:58"]
        Resources:
          A:
            Type: AWS::Lambda::Function
            Properties:
              <<: *common
              Handler: a.handler
          B:
            Type: AWS::Lambda::Function
            Properties:
              Layers: [*dd]
        """))
    scan = cfn.parse(str(path), ParseOptions())[0]
    dd = (Candidate("arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:58"),)
    literal = Resolution(LITERAL)
    file = str(path)
    assert scan.refs == (
        LayerRef("A", Location(file, 5, 14, "Resources/A/Properties/Layers/0"), dd[0].value, literal, dd),
        LayerRef("B", Location(file, 5, 14, "Resources/B/Properties/Layers/0"), dd[0].value, literal, dd),
    )


SAM_HEAD = """\
Transform: AWS::Serverless-2016-10-31
Parameters:
  Extra: {Type: CommaDelimitedList, Default: "arn:aws:lambda:us-east-1:111122223333:layer:e:1"}
Globals:
  Function:
"""


@pytest.mark.parametrize(
    ("global_layers", "local_layers", "expected"),
    [
        ("[g]", "[l]", [("Globals/Function/Layers/0", 0, "g"), ("Resources/Fn/Properties/Layers/0", 1, "l")]),
        ("[g1, g2]", None, [("Globals/Function/Layers/0", 0, "g1"), ("Globals/Function/Layers/1", 1, "g2")]),
        ("[g]", "!Ref Extra",
         [("Parameters/Extra/Default", 0, "arn:aws:lambda:us-east-1:111122223333:layer:e:1",
           "used at line 12 (Resources/Fn/Properties/Layers/0)")]),
        ("!Ref Extra", "[l]", [("Resources/Fn/Properties/Layers/0", 0, "l")]),
        ("!Ref Extra", None, [("Parameters/Extra/Default", 0, "arn:aws:lambda:us-east-1:111122223333:layer:e:1",
                               "used at line 6 (Globals/Function/Layers/0)")]),
        ("[g]", "[]", [("Globals/Function/Layers/0", 0, "g")]),
        ("[g]", "null", []),
    ],
)
def test_sam_globals_merge(tmp_path: Path, global_layers: str, local_layers: str | None,
                           expected: list[tuple[str, ...]]) -> None:
    local = f"      Layers: {local_layers}\n" if local_layers is not None else ""
    path = tmp_path / "t.yaml"
    path.write_text(SAM_HEAD + f"    Layers: {global_layers}\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
                    f"    Properties:\n      Handler: x\n{local}")
    scan = cfn.parse(str(path), ParseOptions())[0]
    # A value from the parameter's default names the entry (of the globals or the function) that uses it.
    assert [(r.location.path, r.position, r.candidates[0].value, *filter(None, [r.location.context]))
            for r in scan.refs] == expected
    assert all(r.consumer == "Fn" for r in scan.refs)


def test_image_functions_have_no_layers_even_from_globals(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(SAM_HEAD + "    Layers: [g]\n    PackageType: Image\nResources:\n  Fn:\n"
                    "    Type: AWS::Serverless::Function\n    Properties: {ImageUri: repo:tag}\n"
                    "  Plain:\n    Type: AWS::Lambda::Function\n    Properties: {PackageType: Image, Layers: [x]}\n")
    scan = cfn.parse(str(path), ParseOptions())[0]
    assert [f.id for f in scan.functions] == ["Fn", "Plain"] and scan.refs == ()


def test_computed_properties_are_unknown(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Fn:\n    Type: AWS::Lambda::Function\n"
                    "    Properties: !If [Yes, {Layers: [a]}, {Layers: [b]}]\n")
    scan = cfn.parse(str(path), ParseOptions())[0]
    file = str(path)
    expression = "!If [Yes, {Layers: [a]}, {Layers: [b]}]"
    assert scan.refs == (
        LayerRef("Fn", Location(file, 5, 17, "Resources/Fn/Properties"), expression,
                 Resolution(UNKNOWN, f"the Properties of Fn are computed ({expression}); layergate cannot read its "
                                     "Layers")),
    )


ACCOUNT_LAYERS = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Tracing:
    Type: AWS::Lambda::LayerVersion
    Properties: {LayerName: tracing, Content: {S3Bucket: b, S3Key: k, S3ObjectVersion: "1"}}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Layers:
        - !Sub arn:aws:lambda:us-east-1:${AWS::AccountId}:layer:tracing:3
        - !Sub arn:aws:lambda:us-east-1:${AWS::AccountId}:layer:shared:9
"""


@pytest.mark.parametrize(("deploy_accounts", "file", "shared"), [
    # A layer of another stack takes each deploy account in turn...
    (((None, ("111122223333", "444455556666")),), "t.yaml",
     (Resolution(LITERAL), (ARN.format("shared:9"), ARN.format("shared:9").replace("111122223333", "444455556666")))),
    # ... those of the entries whose path matches the file, else those of the entries without a path ...
    (((None, ("111122223333",)), ("prod/*", ("444455556666",))), "prod/t.yaml",
     (Resolution(LITERAL), (ARN.format("shared:9").replace("111122223333", "444455556666"),))),
    (((None, ("111122223333",)), ("prod/*", ("444455556666",))), "dev/t.yaml",
     (Resolution(LITERAL), (ARN.format("shared:9"),))),
    # ... and with none declared it cannot be checked; the reason says how to declare it.
    ((), "t.yaml", (Resolution(UNKNOWN, "AWS::AccountId is the deploying account, which the repository does not name: "
                                        "list it under `deploy_accounts` in the policy (with `path:` when files "
                                        "deploy to different accounts)"), ())),
])
def test_account_id_is_the_template_layer_or_each_deploy_account(
        tmp_path: Path, deploy_accounts: tuple[tuple[str | None, tuple[str, ...]], ...], file: str,
        shared: tuple[Resolution, tuple[str, ...]]) -> None:
    path = tmp_path / file
    path.parent.mkdir(exist_ok=True)
    path.write_text(ACCOUNT_LAYERS)
    scan = cfn.parse(str(path), ParseOptions(deploy_accounts=deploy_accounts))[0]
    # The layer the template publishes under that name is that resource, whatever the account.
    assert [(r.location.line, r.resolution, tuple(c.value for c in r.candidates), r.layer_def) for r in scan.refs] == [
        (10, Resolution(INTERNAL, "Tracing"), (), "Tracing"),
        (11, *shared, None),
    ]
