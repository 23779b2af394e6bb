"""The Serverless Framework parser on realistic services: whole records compared, not counts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from layergate.errors import InputError
from layergate.model import (
    Candidate,
    ContentSource,
    Function,
    LayerDef,
    LayerGrant,
    LayerRef,
    Location,
    Note,
    Resolution,
    ResolutionKind,
    Scan,
)
from layergate.sources import NotThisFormat, ParseOptions, serverless

FIXTURES = Path(__file__).parent / "fixtures" / "serverless"
LIT, PARAM, INTERNAL = ResolutionKind.LITERAL, ResolutionKind.PARAMETER, ResolutionKind.INTERNAL
DYNAMIC, UNKNOWN = ResolutionKind.DYNAMIC, ResolutionKind.UNKNOWN
DD56 = "arn:aws:lambda:eu-west-1:464622532012:layer:Datadog-Extension:56"
DD58 = "arn:aws:lambda:eu-west-1:464622532012:layer:Datadog-Extension:58"
OTEL = "arn:aws:lambda:eu-west-1:901920570463:layer:aws-otel-nodejs-amd64-ver-1-18-1:4"


@pytest.fixture(autouse=True)
def in_fixtures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)


def scan(path: str, **options: Any) -> Scan:
    (result,) = serverless.parse(path, ParseOptions(root=".", **options))
    return result


def loc(file: str, line: int, column: int, path: str = "", context: str = "") -> Location:
    return Location(file, line, column, path, context)


def ref(consumer: str, where: Location, expression: str, resolution: Resolution,
        candidates: tuple[Candidate, ...] = (), layer_def: str | None = None, position: int = 0) -> LayerRef:
    return LayerRef(consumer, where, expression, resolution, candidates, layer_def, position)


ORDERS = "orders/serverless.yml"
ORDERS_FUNCTIONS = tuple(
    Function(f"functions.{name}", loc(ORDERS, line, 3, f"functions.{name}"))
    for name, line in (("createOrder", 35), ("listOrders", 37), ("cleanup", 42), ("report", 45), ("thumbnail", 49))
)
DATADOG_EXPR = "arn:aws:lambda:${aws:region}:464622532012:layer:Datadog-Extension:${param:ddExtensionVersion}"
DD_SITE = "used at line 11 (provider.layers[0])"
COMMON_REF = ref("functions.createOrder", loc(ORDERS, 12, 7, "provider.layers[1]"), "{Ref: CommonDashlibsLambdaLayer}",
                 Resolution(INTERNAL, "Ref CommonDashlibsLambdaLayer"), (), "layers.common-libs", 1)
LIST_REFS = (
    ref("functions.listOrders", loc("orders/config/layers.yml", 2, 10, "tracing",
                                    "used at orders/serverless.yml:40 (functions.listOrders.layers[0])"),
        "${self:custom.tracing}",
        Resolution(LIT, "${file(./config/layers.yml):tracing}, ${self:custom.tracing}"), (Candidate(OTEL),)),
    ref("functions.listOrders", loc(ORDERS, 41, 9, "functions.listOrders.layers[1]"),
        "arn:aws:lambda:eu-west-1:123456789012:layer:orders-sdk:${env:SDK_LAYER_VERSION}",
        Resolution(DYNAMIC, "${env:SDK_LAYER_VERSION}: environment variable SDK_LAYER_VERSION of the deploy"
                            " (not given with --env)"), position=1),
)
REPORT_REF = ref("functions.report", loc(ORDERS, 48, 9, "functions.report.layers[0]"),
                 "${ssm:/orders/${sls:stage}/report-layer-arn}",
                 Resolution(DYNAMIC, "${ssm:/orders/${sls:stage}/report-layer-arn}: an SSM parameter, read at"
                                     " deploy time"))
ORDERS_GRANTS = (
    # The account comes from custom.sharedAccount: the grant points where it is written.
    LayerGrant("layers.common-libs", "210987654321", None,
               loc(ORDERS, 22, 18, "custom.sharedAccount", "used at line 31 (layers.common-libs.allowedAccounts[0])"),
               "layers.common-libs.allowedAccounts"),
    LayerGrant("layers.common-libs", "*", None, loc(ORDERS, 32, 9, "layers.common-libs.allowedAccounts[1]"), "layers.common-libs.allowedAccounts"),
)


def common_layer(name: str) -> LayerDef:
    return LayerDef("layers.common-libs", name, loc(ORDERS, 25, 3, "layers.common-libs"),
                    ContentSource("local", "layers/common", local_path="orders/layers/common"))


def test_orders_every_params_stage_is_evaluated_without_stage() -> None:
    """No --stage: the default stage (dev) and every stage params names (prod) are checked."""
    assert scan(ORDERS) == Scan(
        file=ORDERS,
        format="serverless",
        functions=ORDERS_FUNCTIONS,
        refs=(
            ref("functions.createOrder", loc(ORDERS, 16, 25, "params.default.ddExtensionVersion", DD_SITE),
                DATADOG_EXPR, Resolution(PARAM, "${param:ddExtensionVersion}", "params.default"),
                (Candidate(DD56, "eu-west-1"),)),
            ref("functions.createOrder", loc(ORDERS, 18, 25, "params.prod.ddExtensionVersion", DD_SITE),
                DATADOG_EXPR, Resolution(PARAM, "${param:ddExtensionVersion}", "params.prod"),
                (Candidate(DD58, "eu-west-1"),)),
            COMMON_REF,
            *LIST_REFS,
            REPORT_REF,
        ),
        layer_defs=(common_layer("orders-common-dev"),),
        grants=ORDERS_GRANTS,
        regions=("eu-west-1",),
    )


def test_orders_with_stage_and_env_given() -> None:
    result = scan(ORDERS, stage="prod", env={"SDK_LAYER_VERSION": "31"})
    assert result.refs == (
        ref("functions.createOrder", loc(ORDERS, 18, 25, "params.prod.ddExtensionVersion", DD_SITE), DATADOG_EXPR,
            Resolution(PARAM, "${param:ddExtensionVersion}", "params.prod"), (Candidate(DD58, "eu-west-1"),)),
        COMMON_REF,
        LIST_REFS[0],
        ref("functions.listOrders", loc(ORDERS, 41, 9, "functions.listOrders.layers[1]"),
            "arn:aws:lambda:eu-west-1:123456789012:layer:orders-sdk:${env:SDK_LAYER_VERSION}",
            Resolution(PARAM, "${env:SDK_LAYER_VERSION}", "command line"),
            (Candidate("arn:aws:lambda:eu-west-1:123456789012:layer:orders-sdk:31"),), position=1),
        REPORT_REF,
    )
    assert result.layer_defs == (common_layer("orders-common-prod"),)


def test_region_follows_each_deploy_region_when_the_file_names_none(tmp_path: Path) -> None:
    config = tmp_path / "serverless.yml"
    config.write_text("""\
service: edge
provider:
  name: aws
  region: ${opt:region, 'us-east-1'}
  layers:
    - arn:aws:lambda:${aws:region}:580247275435:layer:LambdaInsightsExtension:52
    - arn:aws:lambda:us-east-1:123456789012:layer:fixed:3
functions:
  hit:
    handler: h.hit
""")
    (result,) = serverless.parse(str(config), ParseOptions(root=str(tmp_path), regions=("us-east-1", "eu-west-1")))
    insights = "arn:aws:lambda:{}:580247275435:layer:LambdaInsightsExtension:52"
    assert result.regions == ("us-east-1", "eu-west-1")
    assert result.refs == (
        ref("functions.hit", loc(str(config), 6, 7, "provider.layers[0]"),
            "arn:aws:lambda:${aws:region}:580247275435:layer:LambdaInsightsExtension:52",
            Resolution(LIT, "${aws:region}"),
            (Candidate(insights.format("us-east-1"), "us-east-1"), Candidate(insights.format("eu-west-1"), "eu-west-1"))),
        ref("functions.hit", loc(str(config), 7, 7, "provider.layers[1]"),
            "arn:aws:lambda:us-east-1:123456789012:layer:fixed:3", Resolution(LIT),
            (Candidate("arn:aws:lambda:us-east-1:123456789012:layer:fixed:3"),), position=1),
    )
    # A region the file states is where it deploys, whatever the policy lists.
    config.write_text(config.read_text().replace("${opt:region, 'us-east-1'}", "ap-northeast-1"))
    (fixed,) = serverless.parse(str(config), ParseOptions(root=str(tmp_path), regions=("us-east-1", "eu-west-1")))
    assert fixed.regions == ("ap-northeast-1",)
    assert fixed.refs[0].candidates == (Candidate(insights.format("ap-northeast-1"), "ap-northeast-1"),)


def test_datadog_plugin_note_follows_its_options(tmp_path: Path) -> None:
    assert scan("datadog/serverless.yml") == Scan(
        "datadog/serverless.yml", "serverless",
        functions=(Function("functions.charge", loc("datadog/serverless.yml", 21, 3, "functions.charge")),
                   Function("functions.refund", loc("datadog/serverless.yml", 23, 3, "functions.refund"))),
        notes=(Note("plugin-injected-layers", loc("datadog/serverless.yml", 6, 5, "plugins"),
                    "serverless-plugin-datadog adds the Datadog Lambda library layer and the Datadog Extension layer"
                    " to the functions at package time", "serverless-plugin-datadog"),),
        regions=("us-east-1",),
    )
    base = "service: s\nplugins: [serverless-plugin-datadog]\nprovider: {name: aws}\ncustom:\n  datadog:\n"
    config = tmp_path / "serverless.yml"
    config.write_text(base + "    addLayers: false\n")
    (only_extension,) = serverless.parse(str(config), ParseOptions(root=str(tmp_path)))
    assert [n.message for n in only_extension.notes] == [
        "serverless-plugin-datadog adds the Datadog Extension layer to the functions at package time"]
    config.write_text(base + "    addLayers: false\n    addExtension: ${param:ddExtension, false}\n")
    (none,) = serverless.parse(str(config), ParseOptions(root=str(tmp_path)))
    assert none.notes == ()
    config.write_text(base + "    enabled: false\n")
    (disabled,) = serverless.parse(str(config), ParseOptions(root=str(tmp_path)))
    assert disabled.notes == ()


def test_python_requirements_layer_is_a_layer_of_the_service() -> None:
    path = "python-layer/serverless.yml"
    powertools = "arn:aws:lambda:eu-central-1:017000801446:layer:AWSLambdaPowertoolsPythonV2:68"
    internal = Resolution(INTERNAL, "Ref PythonRequirementsLambdaLayer")
    assert scan(path) == Scan(
        path, "serverless",
        functions=(Function("functions.nightly", loc(path, 19, 3, "functions.nightly")),
                   Function("functions.adhoc", loc(path, 23, 3, "functions.adhoc"))),
        refs=(
            ref("functions.nightly", loc(path, 22, 9, "functions.nightly.layers[0]"),
                "{Ref: PythonRequirementsLambdaLayer}", internal, (), "PythonRequirementsLambdaLayer"),
            ref("functions.adhoc", loc(path, 26, 9, "functions.adhoc.layers[0]"),
                "{Ref: PythonRequirementsLambdaLayer}", internal, (), "PythonRequirementsLambdaLayer"),
            ref("functions.adhoc", loc(path, 27, 9, "functions.adhoc.layers[1]"), powertools, Resolution(LIT),
                (Candidate(powertools),), position=1),
        ),
        layer_defs=(LayerDef("PythonRequirementsLambdaLayer", "reporting-dev-python-requirements",
                             loc(path, 16, 5, "custom.pythonRequirements.layer"),
                             ContentSource("local", "requirements.txt",
                                           local_path="python-layer/requirements.txt")),),
        notes=(Note("plugin-injected-layers", loc(path, 6, 5, "plugins"),
                    "serverless-python-requirements builds the layer PythonRequirementsLambdaLayer from"
                    " requirements.txt at package time: third-party packages layergate does not see",
                    "serverless-python-requirements"),),
        regions=("eu-central-1",),
    )


def test_bref_layers_are_decided_by_the_plugin() -> None:
    path = "bref/serverless.yml"
    result = scan(path)

    def bref(variable: str) -> Resolution:
        return Resolution(DYNAMIC, f"{variable}: the Bref plugin puts its runtime layer ARN here at package time")

    assert result.refs == (
        ref("functions.web", loc(path, 16, 9, "functions.web.layers[0]"), "${bref:layer.php-83-fpm}",
            bref("${bref:layer.php-83-fpm}")),
        ref("functions.console", loc(path, 22, 9, "functions.console.layers[0]"), "${bref:layer.php-83}",
            bref("${bref:layer.php-83}")),
        ref("functions.console", loc(path, 23, 9, "functions.console.layers[1]"), "${bref:layer.console}",
            bref("${bref:layer.console}"), position=1),
    )
    assert result.notes == (
        Note("plugin-injected-layers", loc(path, 10, 5, "plugins"),
             "the Bref plugin adds its PHP runtime layer to every function whose runtime is a Bref runtime"
             " (php-83, php-83-fpm, ...) at package time", "./vendor/bref/bref"),
        *(Note("plugin-injected-layers", loc(path, line, 9), bref(text).detail, text)
          for text, line in (("${bref:layer.php-83-fpm}", 16), ("${bref:layer.php-83}", 22),
                             ("${bref:layer.console}", 23))),
    )


def test_resources_section_is_scanned_as_cloudformation() -> None:
    path = "resources/serverless.yml"
    insights = "arn:aws:lambda:us-west-2:580247275435:layer:LambdaInsightsExtension:52"
    fonts = "arn:aws:lambda:us-west-2:123456789012:layer:fonts:7"
    assert scan(path) == Scan(
        path, "serverless",
        functions=(Function("functions.resize", loc(path, 18, 3, "functions.resize")),
                   Function("functions.watermark", loc(path, 22, 3, "functions.watermark")),
                   Function("ExifReader", loc(path, 40, 5, "Resources/ExifReader"))),
        refs=(
            ref("functions.resize", loc(path, 21, 9, "functions.resize.layers[0]"), "{Ref: SharpLambdaLayer}",
                Resolution(INTERNAL, "Ref SharpLambdaLayer"), (), "layers.sharp"),
            # resources.Resources.WatermarkLambdaFunction overrides the generated function's Layers
            ref("functions.watermark", loc(path, 56, 13,
                                           "resources.Resources.WatermarkLambdaFunction.Properties.Layers[0]"),
                fonts, Resolution(LIT), (Candidate(fonts),)),
            ref("ExifReader", loc(path, 49, 13, "Resources/ExifReader/Properties/Layers/0"), "!Ref ExifLayer",
                Resolution(INTERNAL, "ExifLayer"), (), "ExifLayer"),
            ref("ExifReader", loc(path, 50, 13, "Resources/ExifReader/Properties/Layers/1"), "!Ref SharpLambdaLayer",
                Resolution(INTERNAL, "SharpLambdaLayer"), (), "layers.sharp", 1),
            ref("ExifReader", loc(path, 51, 13, "Resources/ExifReader/Properties/Layers/2"),
                "!Sub arn:aws:lambda:${AWS::Region}:580247275435:layer:LambdaInsightsExtension:52",
                Resolution(LIT), (Candidate(insights, "us-west-2"),), None, 2),
            ref("ExifReader", loc(path, 52, 13, "Resources/ExifReader/Properties/Layers/3"),
                "${ssm:/images/exif-extra-layer}",
                Resolution(DYNAMIC, "${ssm:/images/exif-extra-layer}: an SSM parameter, read at deploy time"),
                (), None, 3),
        ),
        layer_defs=(
            LayerDef("layers.sharp", "sharp", loc(path, 13, 3, "layers.sharp"),
                     ContentSource("s3", "s3://images-artifacts-dev/layers/sharp.zip")),
            LayerDef("ExifLayer", "exif-dev", loc(path, 27, 5, "Resources/ExifLayer"),
                     ContentSource("s3", "s3://images-artifacts-dev/layers/exif.zip")),
        ),
        grants=(LayerGrant("ExifLayer", "*", None, loc(path, 34, 5, "Resources/ExifLayerPermission"), "ExifLayerPermission"),),
        regions=("us-west-2",),
    )


def test_code_configuration_is_reported_not_run() -> None:
    path = "ts-config/serverless.ts"
    assert serverless.parse(path, ParseOptions(root=".")) == [Scan(path, "serverless", notes=(Note(
        "plugin-injected-layers", loc(path, 1, 1),
        "serverless.ts is code, which layergate does not run: the layers it configures, and those its plugins"
        " add, are not seen", "serverless.ts"),))]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("bad-cycle/serverless.yml",
         "bad-cycle/serverless.yml:4:10: variable cycle: ${self:custom.stage} (line 4) -> ${sls:stage} (line 6)"
         " -> back to line 4"),
        ("bad-file-outside/serverless.yml",
         "bad-file-outside/serverless.yml:4:11: ${file(../../../../../etc/layers.yml):list}:"
         " ../../../../../etc/layers.yml is outside the repository root; layergate only reads files inside it"),
        ("bad-file-missing/serverless.yml",
         "bad-file-missing/serverless.yml:7:13: ${file(./layers.${sls:stage}.yml):list}: ./layers.dev.yml does"
         " not exist"),
        ("bad-yaml/serverless.yml",
         "bad-yaml/serverless.yml:6:4: invalid YAML: did not find expected key (while parsing a block mapping)"),
    ],
)
def test_bad_input_is_one_line(path: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        scan(path)
    assert str(err.value) == message


def write(tmp_path: Path, text: str, name: str = "serverless.yml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_functions_from_files_lists_and_anchors(tmp_path: Path) -> None:
    (tmp_path / "fns").mkdir()
    (tmp_path / "fns" / "orders.yml").write_text("orders:\n  handler: o.h\n  layers:\n    - ${self:custom.arn}\n")
    (tmp_path / "fns" / "code.js").write_text("module.exports = {};\n")
    path = write(tmp_path, """\
service: split
provider:
  name: aws
  layers: &base
    - arn:aws:lambda:us-east-1:123456789012:layer:base:1
custom:
  arn: arn:aws:lambda:us-east-1:123456789012:layer:orders:2
defaults: &fn
  handler: h.x
  layers: *base
functions:
  - ${file(./fns/orders.yml)}
  - ${file(./fns/code.js):functions}
  - users:
      <<: *fn
      handler: u.h
""")
    (result,) = serverless.parse(path, ParseOptions(root=str(tmp_path)))
    orders = str(tmp_path / "fns" / "orders.yml")
    base = "arn:aws:lambda:us-east-1:123456789012:layer:base:1"
    assert result.functions == (Function("functions.orders", loc(orders, 1, 1, "functions.orders")),
                                Function("functions.users", loc(path, 14, 5, "functions.users")))
    assert result.refs == (
        ref("functions", loc(path, 13, 5, "functions"), "${file(./fns/code.js):functions}",
            Resolution(UNKNOWN, "${file(./fns/code.js):functions}: ./fns/code.js is code, which layergate does not"
                                " run")),
        ref("functions.orders", loc(path, 7, 8, "custom.arn", f"used at {orders}:4 (functions.orders.layers[0])"),
            "${self:custom.arn}",
            Resolution(LIT, "${self:custom.arn}, ${file(./fns/orders.yml)}"),
            (Candidate("arn:aws:lambda:us-east-1:123456789012:layer:orders:2"),)),
        ref("functions.users", loc(path, 5, 7, "functions.users.layers[0]"), base, Resolution(LIT),
            (Candidate(base),)),
    )


def test_whole_list_variables_point_at_where_the_list_is_written(tmp_path: Path) -> None:
    path = write(tmp_path, """\
service: lists
provider:
  name: aws
  region: us-east-1
custom:
  common:
    - arn:aws:lambda:us-east-1:123456789012:layer:a:1
functions:
  one:
    handler: h.one
    layers: ${self:custom.common}
  two:
    handler: h.two
    layers: ${ssm:/team/layers}
  three:
    handler: h.three
    layers: arn:aws:lambda:us-east-1:123456789012:layer:a:1
""")
    with pytest.raises(InputError) as err:
        serverless.parse(path, ParseOptions(root=str(tmp_path)))
    assert str(err.value) == (f"{path}:17:13: functions.three.layers must be a list of layer ARNs, found"
                              " 'arn:aws:lambda:us-east-1:123456789012:layer:a:1'")
    write(tmp_path, (tmp_path / "serverless.yml").read_text().rsplit("  three:", 1)[0])
    (result,) = serverless.parse(path, ParseOptions(root=str(tmp_path)))
    assert result.refs == (
        ref("functions.one", loc(path, 7, 7, "custom.common[0]", "used at line 11 (functions.one.layers[0])"),
            "arn:aws:lambda:us-east-1:123456789012:layer:a:1", Resolution(LIT, "${self:custom.common}"),
            (Candidate("arn:aws:lambda:us-east-1:123456789012:layer:a:1"),)),
        ref("functions.two", loc(path, 14, 13, "functions.two.layers"), "${ssm:/team/layers}",
            Resolution(DYNAMIC, "${ssm:/team/layers}: an SSM parameter, read at deploy time")),
    )


def test_allowed_accounts_that_cannot_be_resolved_are_reported_as_unknown(tmp_path: Path) -> None:
    path = write(tmp_path, """\
service: share
provider: {name: aws}
layers:
  tools:
    package:
      artifact: s3://artifacts/tools.zip?versionId=3HL4kqtJlcpXroDTDmJ
    allowedAccounts:
      - ${param:partnerAccount}
""")
    (result,) = serverless.parse(path, ParseOptions(root=str(tmp_path)))
    assert result.layer_defs == (LayerDef("layers.tools", "tools", loc(path, 4, 3, "layers.tools"),
                                          ContentSource("s3", "s3://artifacts/tools.zip", "3HL4kqtJlcpXroDTDmJ")),)
    assert result.grants == (LayerGrant(
        "layers.tools", "<unknown: ${param:partnerAccount}: param 'partnerAccount' is not in params.dev or"
        " params.default; the Serverless Dashboard or --param sets it at deploy>", None,
        loc(path, 8, 9, "layers.tools.allowedAccounts[0]"), "layers.tools.allowedAccounts"),)


def test_detect_by_name_and_by_content() -> None:
    assert serverless.detect("svc/serverless.yml", "")
    assert serverless.detect("svc/serverless.prod.yaml", "")
    assert serverless.detect("svc/serverless.json", "")
    assert serverless.detect("svc/serverless.ts", "")
    assert serverless.detect("svc/api.yml", "service: api\nprovider:\n  name: aws\n")
    assert not serverless.detect("svc/template.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n")
    assert not serverless.detect("svc/.serverless/cloudformation-template-update-stack.json", "{}")
    assert not serverless.detect("svc/docker-compose.yml", "services:\n  web: {}\n")
    # a resources fragment with Serverless variables is read through the configuration that includes it
    fragment = "Resources:\n  Table:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      TableName: t-${sls:stage}\n"
    assert serverless.detect("svc/resources/table.yml", fragment)
    assert not serverless.detect("svc/resources/table.json", fragment)
    assert not serverless.detect("svc/template.yml", "AWSTemplateFormatVersion: '2010-09-09'\n" + fragment)
    assert not serverless.detect("svc/template.yml", "Resources:\n  X:\n    Properties: {A: !Sub '${AWS::Region}'}\n")


def test_not_a_serverless_configuration(tmp_path: Path) -> None:
    other = write(tmp_path, "service: x\nprovider:\n  name: google\n")
    with pytest.raises(NotThisFormat, match="provider 'google': only AWS functions have Lambda layers"):
        serverless.parse(other, ParseOptions(root=str(tmp_path)))
    sniffed = write(tmp_path, "Resources:\n  T:\n    Type: AWS::SQS::Queue\n    Properties:\n"
                              "      QueueName: q-${sls:stage}\n", "queue.yml")
    with pytest.raises(NotThisFormat, match=r"read through the \$\{file\(\.\.\.\)\} that includes it"):
        serverless.parse(sniffed, ParseOptions(root=str(tmp_path)))
    empty = write(tmp_path, "")
    with pytest.raises(InputError) as err:
        serverless.parse(empty, ParseOptions(root=str(tmp_path)))
    assert str(err.value) == f"{empty}: empty file: a Serverless configuration needs at least service and provider"
    listed = write(tmp_path, "- service\n")
    with pytest.raises(InputError) as err:
        serverless.parse(listed, ParseOptions(root=str(tmp_path)))
    assert str(err.value) == f"{listed}:1:1: the top level of a Serverless configuration must be a mapping"


def test_serverless_json(tmp_path: Path) -> None:
    path = write(tmp_path, '{"service": "j", "provider": {"name": "aws", "region": "us-east-2"},\n'
                           '\t"functions": {"f": {"handler": "h.f", "layers": [\n'
                           '   "arn:aws:lambda:us-east-2:123456789012:layer:j:4"]}}}\n', "serverless.json")
    (result,) = serverless.parse(path, ParseOptions(root=str(tmp_path)))
    assert result.refs == (ref("functions.f", loc(path, 3, 4, "functions.f.layers[0]"),
                               "arn:aws:lambda:us-east-2:123456789012:layer:j:4", Resolution(LIT),
                               (Candidate("arn:aws:lambda:us-east-2:123456789012:layer:j:4"),)),)


def test_generated_function_overrides_merge_by_index_and_extensions_replace(tmp_path: Path) -> None:
    path = write(tmp_path, """\
service: overrides
provider:
  name: aws
  region: us-east-1
  layers:
    - arn:aws:lambda:us-east-1:123456789012:layer:a:1
    - arn:aws:lambda:us-east-1:123456789012:layer:b:1
functions:
  my-api:
    handler: h.api
  worker_job:
    handler: h.job
resources:
  Resources:
    MyDashapiLambdaFunction:
      Properties:
        Layers:
          - arn:aws:lambda:us-east-1:123456789012:layer:c:1
  extensions:
    WorkerUnderscorejobLambdaFunction:
      Properties:
        Layers:
          - arn:aws:lambda:us-east-1:123456789012:layer:d:1
""")
    (result,) = serverless.parse(path, ParseOptions(root=str(tmp_path)))

    def arn(name: str) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:layer:{name}:1"

    assert result.refs == (
        # lodash merge of the generated function with resources.Resources: item 0 replaced, item 1 kept
        ref("functions.my-api", loc(path, 18, 13, "resources.Resources.MyDashapiLambdaFunction.Properties.Layers[0]"),
            arn("c"), Resolution(LIT), (Candidate(arn("c")),)),
        ref("functions.my-api", loc(path, 7, 7, "provider.layers[1]"), arn("b"), Resolution(LIT),
            (Candidate(arn("b")),), position=1),
        # resources.extensions replaces Properties.Layers outright
        ref("functions.worker_job",
            loc(path, 23, 13, "resources.extensions.WorkerUnderscorejobLambdaFunction.Properties.Layers[0]"),
            arn("d"), Resolution(LIT), (Candidate(arn("d")),)),
    )
    assert [f.id for f in result.functions] == ["functions.my-api", "functions.worker_job"]


def test_plugins_as_modules_and_unnamed_plugins(tmp_path: Path) -> None:
    path = write(tmp_path, """\
service: p
provider: {name: aws}
plugins:
  localPath: ./plugins
  modules:
    - serverless-newrelic-lambda-layers
    - ${env:EXTRA_PLUGIN}
""")
    (result,) = serverless.parse(path, ParseOptions(root=str(tmp_path)))
    assert result.notes == (
        Note("plugin-injected-layers", loc(path, 6, 7, "plugins"), "serverless-newrelic-lambda-layers adds the"
             " New Relic layer to the functions at package time", "serverless-newrelic-lambda-layers"),
        Note("plugin-injected-layers", loc(path, 7, 7, "plugins"), "plugin ${env:EXTRA_PLUGIN} cannot be named"
             " (${env:EXTRA_PLUGIN}: environment variable EXTRA_PLUGIN of the deploy (not given with --env)); it may"
             " add layers at package time", "${env:EXTRA_PLUGIN}"),
    )


def test_unknown_yaml_tag_is_an_input_error(tmp_path: Path) -> None:
    path = write(tmp_path, "service: t\nprovider:\n  name: aws\n  layers:\n    - !Env LAYER\n")
    with pytest.raises(InputError) as err:
        serverless.parse(path, ParseOptions(root=str(tmp_path)))
    assert str(err.value) == f"{path}:5:7: unknown YAML tag !Env (the framework knows CloudFormation's tags only)"


def test_getatt_and_short_form_refs_to_layers_of_the_service(tmp_path: Path) -> None:
    path = write(tmp_path, """\
service: refs
provider:
  name: aws
  region: us-east-1
layers:
  my_tools:
    path: tools
functions:
  f:
    handler: h.f
    layers:
      - !Ref MyUnderscoretoolsLambdaLayer
      - !GetAtt CfnLayer.LayerVersionArn
      - Fn::GetAtt: [SomeBucket, Arn]
      - !Ref MissingLambdaLayer
resources:
  Resources:
    CfnLayer:
      Type: AWS::Lambda::LayerVersion
      Properties:
        Content: {S3Bucket: b, S3Key: k, S3ObjectVersion: "3"}
""")
    (result,) = serverless.parse(path, ParseOptions(root=str(tmp_path)))
    assert result.refs == (
        ref("functions.f", loc(path, 12, 9, "functions.f.layers[0]"), "!Ref MyUnderscoretoolsLambdaLayer",
            Resolution(INTERNAL, "Ref MyUnderscoretoolsLambdaLayer"), (), "layers.my_tools"),
        ref("functions.f", loc(path, 13, 9, "functions.f.layers[1]"), "!GetAtt CfnLayer.LayerVersionArn",
            Resolution(INTERNAL, "Fn::GetAtt CfnLayer.LayerVersionArn"), (), "CfnLayer", 1),
        ref("functions.f", loc(path, 14, 9, "functions.f.layers[2]"), "{Fn::GetAtt: [SomeBucket, Arn]}",
            Resolution(UNKNOWN, "Fn::GetAtt SomeBucket.Arn: an attribute known only after deploy"), position=2),
        ref("functions.f", loc(path, 15, 9, "functions.f.layers[3]"), "!Ref MissingLambdaLayer",
            Resolution(UNKNOWN, "Ref MissingLambdaLayer: not a layer this configuration defines (layers: or"
                                " resources.Resources)"), position=3),
    )
    assert [d.id for d in result.layer_defs] == ["layers.my_tools", "CfnLayer"]
    assert result.layer_defs[0].content == ContentSource("local", "tools")  # no such folder: no local_path


def test_sections_that_cannot_be_read_stay_visible(tmp_path: Path) -> None:
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "layers.js").write_text("module.exports = {};\n")
    path = write(tmp_path, """\
service: opaque
provider: {name: aws}
plugins:
  - serverless-python-requirements
custom:
  pythonRequirements: ${file(./build/layers.js):python}
layers:
  tools: ${file(./build/layers.js):tools}
resources:
  Resources:
    Worker: ${file(./build/layers.js):worker}
""")
    (result,) = serverless.parse(path, ParseOptions(root=str(tmp_path)))

    def code(part: str) -> str:
        return f"${{file(./build/layers.js):{part}}}: ./build/layers.js is code, which layergate does not run"

    assert result.layer_defs == (LayerDef("layers.tools", "layers.tools", loc(path, 8, 3, "layers.tools"),
                                          ContentSource("unknown", "${file(./build/layers.js):tools}")),)
    assert result.grants == (LayerGrant("layers.tools", f"<unknown: {code('tools')}>", None,
                                        loc(path, 8, 3, "layers.tools")),)
    assert result.refs == (ref("Worker", loc(path, 11, 13, "resources.Resources.Worker"),
                               "${file(./build/layers.js):worker}",
                               Resolution(UNKNOWN, f"{code('worker')}; if Worker is a function, its layers are not"
                                                   " seen")),)
    assert result.notes == (Note("plugin-injected-layers", loc(path, 4, 5, "plugins"),
                                 "serverless-python-requirements may build a layer from requirements.txt at package"
                                 f" time; its options cannot be read ({code('python')})",
                                 "serverless-python-requirements"),)


def test_region_decided_at_deploy_time(tmp_path: Path) -> None:
    path = write(tmp_path, """\
service: chat
provider:
  name: aws
  region: ${env:REGION}
  layers:
    - arn:aws:lambda:${aws:region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7
    - !Sub arn:aws:lambda:${AWS::Region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7
functions:
  api:
    handler: api.main
""")
    (unknown,) = serverless.parse(path, ParseOptions(root=str(tmp_path)))
    assert unknown.regions == ()  # the policy's regions apply
    assert [(r.resolution, r.candidates) for r in unknown.refs] == [
        (Resolution(DYNAMIC, "${aws:region}: provider.region is ${env:REGION}, decided at deploy (${env:REGION}:"
                             " environment variable REGION of the deploy (not given with --env))"), ()),
        (Resolution(UNKNOWN, "AWS::Region: the deploy region is not known (provider.region is decided at deploy"
                             " time)"), ()),
    ]
    # With deploy regions given (--region or the policy), each is evaluated.
    (given,) = serverless.parse(path, ParseOptions(root=str(tmp_path), regions=("eu-west-1", "us-east-2")))
    arn = "arn:aws:lambda:{}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7"
    assert given.regions == ("eu-west-1", "us-east-2")
    assert given.refs[0].candidates == (Candidate(arn.format("eu-west-1"), "eu-west-1"),
                                        Candidate(arn.format("us-east-2"), "us-east-2"))
    assert given.refs[1].candidates == given.refs[0].candidates


def test_account_id_takes_each_deploy_account_of_the_policy(tmp_path: Path) -> None:
    config = tmp_path / "serverless.yml"
    config.write_text("""\
service: edge
provider:
  name: aws
  region: us-east-1
  layers:
    - arn:aws:lambda:${aws:region}:${aws:accountId}:layer:tracing:4
functions:
  hit:
    handler: h.hit
""")
    arn = "arn:aws:lambda:us-east-1:{}:layer:tracing:4"
    expression = "arn:aws:lambda:${aws:region}:${aws:accountId}:layer:tracing:4"
    accounts = ((None, ("111122223333", "444455556666")),)
    (result,) = serverless.parse(str(config), ParseOptions(root=str(tmp_path), deploy_accounts=accounts))
    assert result.refs == (
        ref("functions.hit", loc(str(config), 6, 7, "provider.layers[0]"), expression,
            Resolution(PARAM, "${aws:accountId}", "policy deploy_accounts"),
            (Candidate(arn.format("111122223333"), "us-east-1"), Candidate(arn.format("444455556666"), "us-east-1"))),
    )
    # Without deploy accounts the entry cannot be checked, and the reason says how to declare them.
    (bare,) = serverless.parse(str(config), ParseOptions(root=str(tmp_path)))
    assert bare.refs == (
        ref("functions.hit", loc(str(config), 6, 7, "provider.layers[0]"), expression,
            Resolution(ResolutionKind.UNKNOWN, "${aws:accountId}: the deploying account, which the repository does not name: list it "
                                               "under `deploy_accounts` in the policy (with `path:` when files "
                                               "deploy to different accounts)")),
    )
