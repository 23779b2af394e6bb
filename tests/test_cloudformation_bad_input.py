"""Bad templates end with one line naming file, line and problem (exit 2): never a traceback, crash or hang."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from layergate.errors import InputError
from layergate.model import Resolution, ResolutionKind
from layergate.sources import ParseOptions
from layergate.sources import cloudformation as cfn

REPO = Path(__file__).resolve().parent.parent
HEAD = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n"
FUNCTION = HEAD + "  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n"


def billion_laughs(levels: int = 9) -> str:
    """Nine levels of nine aliases: 9**9 strings if anything expanded it."""
    lines = ['Metadata:\n  a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"  {cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return HEAD.replace("Resources:\n", "\n".join(lines) + "\nResources:\n")


def sub_bomb(levels: int = 9) -> str:
    """Each level joins nine copies of the previous one: a string of 3 * 9**9 characters if evaluated naively."""
    lines = ['Metadata:\n  a: &a !Join ["", [lol, lol, lol, lol, lol, lol, lol, lol, lol]]']
    for i in range(1, levels):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f'  {cur}: &{cur} !Join ["", [' + ", ".join([f"*{prev}"] * 9) + "]]")
    return HEAD.replace("Resources:\n", "\n".join(lines) + "\nResources:\n")


CASES = [
    ("invalid yaml", "t.yaml", HEAD + "  A: [1, 2\n  B: 3\n",
     "4:4: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence)"),
    ("duplicate key yaml", "t.yaml", FUNCTION + "      Layers: []\n      Layers: [x]\n", "7:7: duplicate key 'Layers'"),
    ("duplicate key json", "t.json", '{"AWSTemplateFormatVersion": "2010-09-09",\n "Resources": {"A": {}, "A": {}}}',
     "2:25: duplicate key 'A'"),
    ("unquoted star principal", "t.yaml",
     HEAD + "  P:\n    Type: AWS::Lambda::LayerVersionPermission\n    Properties:\n      Principal: *\n",
     "6:18: invalid YAML: '*' starts an alias here; quote it (\"*\") to mean the string"),
    ("layers is a string", "t.yaml", FUNCTION + "      Layers: arn:aws:lambda:us-east-1:111122223333:layer:x:1\n",
     "6:15: Layers must be a list of layer ARNs, found a string"),
    ("layers is a mapping", "t.yaml", FUNCTION + "      Layers: {A: b}\n",
     "6:15: Layers must be a list of layer ARNs, found a mapping"),
    ("layers entry is a list", "t.yaml", FUNCTION + "      Layers: [[a]]\n",
     "6:16: Layers entry 0 must be a layer ARN or an intrinsic function, found a list"),
    # As vendors' docs print it (Powertools for AWS Lambda (TypeScript), "Using SSM Parameter Store").
    ("unquoted dynamic reference", "t.yaml",
     FUNCTION + "      Layers:\n        - {{resolve:ssm:/aws/service/powertools/typescript/generic/all/latest}}\n",
     "7:11: Layers entry 0 must be a layer ARN or an intrinsic function, found a mapping: without quotes, "
     "{{resolve:ssm:/aws/service/powertools/typescript/generic/all/latest}} is YAML for a mapping in a mapping; "
     "quote it: '{{resolve:ssm:/aws/service/powertools/typescript/generic/all/latest}}'"),
    ("layers entry is a plain mapping", "t.yaml", FUNCTION + "      Layers: [{A: b}]\n",
     "6:16: Layers entry 0 must be a layer ARN or an intrinsic function, found a mapping"),
    ("globals layers is a string", "t.yaml",
     "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n    Layers: arn:x\nResources:\n"
     "  Fn:\n    Type: AWS::Serverless::Function\n",
     "4:13: Layers must be a list of layer ARNs, found a string"),
    ("alias bomb reaching layers", "t.yaml", billion_laughs() + FUNCTION[len(HEAD):] + "      Layers: *i\n",
     # The entry is an alias: its position is where the aliased list is defined.
     "10:6: Layers entry 0 must be a layer ARN or an intrinsic function, found a list"),
    ("truncated json", "t.json", '{"AWSTemplateFormatVersion": "2010-09-09",\n "Resources": {"A": {"Type": "AWS::',
     "2:30: invalid JSON: unterminated string, or a control character inside a string"),
    ("truncated json object", "t.json", '{"AWSTemplateFormatVersion": "2010-09-09",\n "Resources": {"A": {}',
     "2:23: invalid JSON: unexpected end of file: the '{' at line 2 column 15 is never closed"),
    ("resource without type", "t.yaml", HEAD + "  A:\n    Properties: {}\n", "3:3: resource A has no Type"),
    ("resource type computed", "t.yaml", HEAD + "  A:\n    Type: !Ref Kind\n",
     "4:11: resource A: Type must be a plain string, found !Ref Kind"),
    ("resource not a mapping", "t.yaml", HEAD + "  A: just-text\n", "3:6: resource A must be a mapping, found a string"),
    ("resources not a mapping", "t.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources: [a]\n",
     "2:12: Resources must be a mapping, found a list"),
    ("several documents", "t.yaml", HEAD + "  A: {Type: AWS::S3::Bucket}\n---\nB: 1\n",
     "5:1: holds several YAML documents ('---'); a template is one document"),
    ("tab indentation", "t.yaml", HEAD + "\tA: 1\n",
     "3:1: invalid YAML: found character that cannot start any token (while scanning for the next token)"),
    ("ignore not a list of rules", "t.yaml", HEAD + "  A:\n    Type: AWS::S3::Bucket\n    Metadata:\n"
     "      layergate:\n        ignore: [{reason: x}]\n",
     "7:18: Resources/A/Metadata/layergate/ignore: each entry is a rule id or slug, or {rule: ..., reason: ...}"),
    ("misspelt ignore", "t.yaml", HEAD + "  A:\n    Type: AWS::S3::Bucket\n    Metadata:\n"
     "      layergate:\n        ingore: [LG201]\n",
     "7:17: Resources/A/Metadata/layergate: unknown key 'ingore' (expected `ignore`)"),
]


@pytest.mark.parametrize(("name", "text", "error"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_template(tmp_path: Path, name: str, text: str, error: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    started = time.monotonic()
    with pytest.raises(InputError) as err:
        cfn.parse(str(path), ParseOptions(regions=("us-east-1",)))
    assert str(err.value) == f"{path}:{error}"
    assert time.monotonic() - started < 5


def test_flow_style_yaml_template_is_read_as_yaml(tmp_path: Path) -> None:
    path = tmp_path / "stack.template"
    path.write_text("{AWSTemplateFormatVersion: '2010-09-09', Resources: {Fn: {Type: AWS::Lambda::Function, "
                    "Properties: {Layers: [!Ref AWS::NoValue, arn:aws:lambda:us-east-1:111122223333:layer:x:1]}}}}\n")
    scan = cfn.parse(str(path), ParseOptions())[0]
    assert [(r.location.line, r.location.column, r.candidates[0].value) for r in scan.refs] == [
        (1, 129, "arn:aws:lambda:us-east-1:111122223333:layer:x:1")]
    path.write_text('{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {,}}')
    with pytest.raises(InputError) as err:
        cfn.parse(str(path), ParseOptions())
    assert str(err.value) == f"{path}:1:58: invalid JSON: expected a string key, found ','"


def test_non_utf8(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_bytes(HEAD.encode() + b"  Caf\xe9:\n    Type: AWS::S3::Bucket\n")
    with pytest.raises(InputError) as err:
        cfn.parse(str(path), ParseOptions())
    assert str(err.value) == f"{path}:3:6: not UTF-8 text (byte 0xe9)"


def test_string_bomb_is_bounded_not_expanded(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(sub_bomb() + FUNCTION[len(HEAD):] + "      Layers: [*i]\n")
    started = time.monotonic()
    scan = cfn.parse(str(path), ParseOptions())[0]
    assert time.monotonic() - started < 5
    assert [(r.resolution, r.candidates) for r in scan.refs] == [
        (Resolution(ResolutionKind.UNKNOWN, "a list is longer than 4096 characters"), ()),
    ]
    assert len(scan.refs[0].expression) <= 240


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "layergate", "check", "-q", *args], capture_output=True, text=True,
                          cwd=REPO, timeout=120)


@pytest.mark.parametrize("suffix", ["yaml", "json"])
def test_deep_nesting_exits_2_without_crashing(tmp_path: Path, suffix: str) -> None:
    """libyaml's composer recurses in C and segfaults near 100,000 levels; the depth guard must stop it first."""
    depth = 100_000
    path = tmp_path / f"deep.{suffix}"
    if suffix == "yaml":
        path.write_text(HEAD.replace("Resources:\n", "x: " + "[" * depth + "]" * depth + "\n"))
        where = "2:203"
    else:
        path.write_text('{"AWSTemplateFormatVersion": "2010-09-09", "x": ' + "[" * depth + "]" * depth + "}")
        where = "1:248"
    result = run_cli(str(path))
    assert (result.returncode, result.stdout, result.stderr) == (
        2, "", f"layergate: error: {path}:{where}: nesting deeper than 200 levels\n")


def test_huge_file_is_refused_fast(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with open(path, "wb") as fh:
        fh.write(HEAD.encode())
        fh.truncate(50 * 1024 * 1024)
    started = time.monotonic()
    result = run_cli(str(path))
    assert time.monotonic() - started < 30
    assert (result.returncode, result.stdout, result.stderr) == (
        2, "", f"layergate: error: {path}: file is 50.0 MB, larger than the 16 MB layergate reads\n")


def test_cli_reports_each_bad_file_on_one_line(tmp_path: Path) -> None:
    star = tmp_path / "star.yaml"
    star.write_text(HEAD + "  P:\n    Type: AWS::Lambda::LayerVersionPermission\n    Properties:\n      Principal: *\n")
    text = tmp_path / "layers.yaml"
    text.write_text(FUNCTION + "      Layers: arn:aws:lambda:us-east-1:111122223333:layer:x:1\n")
    result = run_cli(str(star), str(text))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"layergate: error: {star}:6:18: invalid YAML: '*' starts an alias here; quote it (\"*\") to mean the string",
        f"layergate: error: {text}:6:15: Layers must be a list of layer ARNs, found a string",
    ]
