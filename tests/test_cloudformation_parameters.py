"""Parameter values for templates: command line, CloudFormation JSON files, samconfig.toml/yaml, defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from layergate.errors import InputError
from layergate.model import Candidate, Resolution, ResolutionKind
from layergate.sources import ParseOptions
from layergate.sources import cloudformation as cfn
from layergate.sources.cfn_parameters import Given, given_values, parse_overrides

FIXTURES = Path(__file__).parent / "fixtures" / "cloudformation" / "params"
TEMPLATE = str(FIXTURES / "template.yaml")
SAMCONFIG = str(FIXTURES / "samconfig.toml")
PROD_JSON = str(FIXTURES / "prod-parameters.json")
DD = "arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:{}"
SHARED = "arn:aws:lambda:us-east-1:111122223333:layer:shared-{}"


def refs(**options: object) -> list[tuple[str, str, Resolution, tuple[Candidate, ...]]]:
    scan = cfn.parse(TEMPLATE, ParseOptions(regions=("us-east-1",), **options))[0]  # type: ignore[arg-type]
    return [(r.consumer, r.expression, r.resolution, r.candidates) for r in scan.refs]


def param(name: str, source: str) -> Resolution:
    return Resolution(ResolutionKind.PARAMETER, name, source)


def test_defaults_only() -> None:
    got = refs()
    assert got[1] == ("IngestFunction", "!Ref VendorLayerArn",
                      Resolution(ResolutionKind.UNKNOWN, "parameter VendorLayerArn has no default and no value was given"),
                      ())
    assert got[5:7] == [
        ("BatchFunction", "!Ref SharedLayers", param("SharedLayers", "default"), (Candidate(SHARED.format("a:1")),)),
        ("BatchFunction", "!Ref SharedLayers", param("SharedLayers", "default"), (Candidate(SHARED.format("b:2")),)),
    ]


def test_samconfig_default_environment() -> None:
    got = refs(parameter_files=(SAMCONFIG,))
    source = f"parameters file {SAMCONFIG}"
    assert got[1] == ("IngestFunction", "!Ref VendorLayerArn", param("VendorLayerArn", source),
                      (Candidate(DD.format(58)),))
    # The quoted value "53" loses its quotes, as `sam deploy` reads it.
    assert got[4][2:] == (param("InsightsVersion", source),
                          (Candidate("arn:aws:lambda:us-east-1:580247275435:layer:LambdaInsightsExtension:53"),))


def test_samconfig_named_environment_with_a_list_of_overrides() -> None:
    got = refs(parameter_files=(SAMCONFIG,), config_env="prod")
    source = f"parameters file {SAMCONFIG}"
    assert got[1][2:] == (param("VendorLayerArn", source), (Candidate(DD.format(60)),))
    assert got[5:7] == [
        ("BatchFunction", "!Ref SharedLayers", param("SharedLayers", source), (Candidate(SHARED.format("a:3")),)),
        ("BatchFunction", "!Ref SharedLayers", param("SharedLayers", source), (Candidate(SHARED.format("b:4")),)),
    ]


def test_later_files_and_the_command_line_win() -> None:
    got = refs(parameter_files=(SAMCONFIG, PROD_JSON))
    assert got[0][2:] == (Resolution(ResolutionKind.UNKNOWN, "parameter PowertoolsArn keeps the value of the previous "
                                                             "deployment (UsePreviousValue)"), ())
    assert got[1][2:] == (param("VendorLayerArn", f"parameters file {PROD_JSON}"), (Candidate(DD.format(61)),))
    got = refs(parameter_files=(SAMCONFIG, PROD_JSON), parameters={"VendorLayerArn": DD.format(62)})
    assert got[1][2:] == (param("VendorLayerArn", "command line"), (Candidate(DD.format(62)),))


def test_missing_samconfig_environment_is_an_error() -> None:
    with pytest.raises(InputError) as err:
        refs(parameter_files=(SAMCONFIG,), config_env="staging")
    assert str(err.value) == f"{SAMCONFIG}: no [staging] environment in this SAM configuration"


def test_samconfig_yaml(tmp_path: Path) -> None:
    path = tmp_path / "samconfig.yaml"
    path.write_text("version: 0.1\ndefault:\n  deploy:\n    parameters:\n"
                    "      parameter_overrides: ParameterKey=VendorLayerArn,ParameterValue=arn:x:1\n")
    opts = ParseOptions(parameter_files=(str(path),))
    assert given_values(opts) == {"VendorLayerArn": Given("arn:x:1", f"parameters file {path}")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('A=1 B="two words" C=x\\ y', [("A", "1"), ("B", "two words"), ("C", "x y")]),
        ("ParameterKey=A,ParameterValue=1 ParameterKey=B,ParameterValue=b,c",
         [("A", "1"), ("B", "b,c")]),
        ("Layers=arn:a:1,arn:b:2", [("Layers", "arn:a:1,arn:b:2")]),
        ('Quoted="say \\"hi\\""', [("Quoted", 'say "hi"')]),
    ],
)
def test_parameter_overrides_syntax(text: str, expected: list[tuple[str, str]]) -> None:
    assert parse_overrides(text, "samconfig.toml", "default") == expected


def test_unreadable_parameter_overrides() -> None:
    with pytest.raises(InputError) as err:
        parse_overrides("A=1 just-words", "samconfig.toml", "default")
    assert str(err.value) == "samconfig.toml: [default] parameter_overrides: cannot read 'just-words' (expected Key=Value)"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("p.json", '{"Parameters": {"A": "1", "B": 2}}', {"A": "1", "B": "2"}),
        ("p.json", '["A=1", "B=x=y"]', {"A": "1", "B": "x=y"}),
        ("p.json", '[{"ParameterKey": "A", "ParameterValue": true}]', {"A": "true"}),
        ("samconfig.toml", '[default.global.parameters]\nparameter_overrides = "A=1"\n', {"A": "1"}),
        ("samconfig.toml", '[default.deploy.parameters]\nstack_name = "x"\n', {}),
    ],
)
def test_parameter_file_forms(tmp_path: Path, name: str, text: str, expected: dict[str, str]) -> None:
    path = tmp_path / name
    path.write_text(text)
    values = given_values(ParseOptions(parameter_files=(str(path),)))
    assert {k: v.value for k, v in values.items()} == expected


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("p.json", '{"A": "1"}', 'expected a list of {"ParameterKey": ..., "ParameterValue": ...}'),
        ("p.json", '[{"ParameterKey": "A"}]', "entry 0 (A): no ParameterValue"),
        ("p.json", '["A"]', "entry 0: expected Key=Value, got 'A'"),
        ("p.json", "[1]", 'entry 0: expected {"ParameterKey": ..., "ParameterValue": ...}'),
        ("p.json", '[{"ParameterKey": "A",', "1:23: invalid JSON: Expecting property name enclosed in double quotes"),
        ("samconfig.toml", "[default\n", "invalid TOML: Expected ']' at the end of a table declaration (at line 1, "
                                         "column 9)"),
        ("samconfig.toml", "[default.deploy.parameters]\nparameter_overrides = 3\n",
         "[default] parameter_overrides: expected a string or a list of strings"),
        ("samconfig.toml", "[prod.deploy.parameters]\n",
         "no [default] environment in this SAM configuration (use --config-env to choose another)"),
    ],
)
def test_bad_parameter_files(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(InputError) as err:
        given_values(ParseOptions(parameter_files=(str(path),)))
    assert str(err.value) == f"{path}:{message}" if message[0].isdigit() else str(err.value) == f"{path}: {message}"


def test_missing_parameter_file(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.json")
    with pytest.raises(InputError) as err:
        given_values(ParseOptions(parameter_files=(missing,)))
    assert str(err.value) == f"{missing}: cannot read: No such file or directory"
