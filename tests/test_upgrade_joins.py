"""`upgrade --apply`'s rewrite of ``Fn::Join`` ARNs whose version is a piece of its own, byte for byte.

The templates are written the way real ones write the Datadog extension: ``!Join [":", [...]]`` with the
region from ``AWS::Region``, the version as a string, a YAML int or the tail of the last piece, in block
and flow YAML (short and long form) and JSON. Only the version digits change; a version taken from a
parameter and a region that moves apart are refused with the reason; pieces that do not invert stay.
"""

from __future__ import annotations

from pathlib import Path

from layergate.arn import LayerArn
from layergate.rewrite.versions import Key, Move, rewrite

DD = "arn:aws:lambda:{}:464622532012:layer:Datadog-Extension:65"
KEY: Key = ("464622532012", "Datadog-Extension", 65)
MOVES = [Move(LayerArn.parse(DD.format("us-east-1")), 67)]
ONE_REGION = {KEY: frozenset({"us-east-1"})}

BLOCK = """\
# Datadog's extension, written the way its docs' examples join it
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      Layers:
        - !Join [":", ["arn:aws:lambda", !Ref "AWS::Region", "464622532012", "layer", "Datadog-Extension", "65"]]
        - !Join [':', [arn:aws:lambda, us-east-1, '464622532012', layer, Datadog-Extension, 65]]  # an int
        - Fn::Join:
            - ":"
            - - arn
              - !Ref AWS::Partition
              - lambda
              - us-east-1
              - "464622532012"
              - layer
              - 'Datadog-Extension:65'   # pinned, see RUNBOOK
        - !Join
          - ":"
          - - arn:aws:lambda
            - !Ref AWS::Region
            - "464622532012"
            - layer
            - Datadog-Extension
            - 65
"""

JSON = (
    '{\r\n'
    '  "Resources": {\r\n'
    '    "Api": {\r\n'
    '      "Type": "AWS::Lambda::Function",\r\n'
    '      "Properties": {\r\n'
    '        "Layers": [\r\n'
    '          {"Fn::Join": [":", ["arn:aws:lambda", {"Ref": "AWS::Region"}, "464622532012", "layer", '
    '"Datadog-Extension", "65"]]},\r\n'
    '          {"Fn::Join": [":", ["arn", {"Ref": "AWS::Partition"}, "lambda", "us-east-1", "464622532012", '
    '"layer:Datadog-Extension", 65]]}\r\n'
    '        ]\r\n'
    '      }\r\n'
    '    }\r\n'
    '  }\r\n'
    '}\r\n'
)


def moved(tmp_path: Path, name: str, text: str, referenced: dict[Key, frozenset[str]] = ONE_REGION,
          ) -> tuple[str, list[str]]:
    path = tmp_path / name
    path.write_bytes(text.encode())
    done = rewrite([str(path)], MOVES, referenced)
    new = done.edits[0].new.decode() if done.edits else text
    return new, [str(r).replace(str(tmp_path) + "/", "") for r in done.refusals]


def test_block_and_flow_yaml_joins_move_only_their_digits(tmp_path: Path) -> None:
    new, refused = moved(tmp_path, "template.yaml", BLOCK)
    assert refused == []
    assert new == """\
# Datadog's extension, written the way its docs' examples join it
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      Layers:
        - !Join [":", ["arn:aws:lambda", !Ref "AWS::Region", "464622532012", "layer", "Datadog-Extension", "67"]]
        - !Join [':', [arn:aws:lambda, us-east-1, '464622532012', layer, Datadog-Extension, 67]]  # an int
        - Fn::Join:
            - ":"
            - - arn
              - !Ref AWS::Partition
              - lambda
              - us-east-1
              - "464622532012"
              - layer
              - 'Datadog-Extension:67'   # pinned, see RUNBOOK
        - !Join
          - ":"
          - - arn:aws:lambda
            - !Ref AWS::Region
            - "464622532012"
            - layer
            - Datadog-Extension
            - 67
"""


def test_json_joins_with_crlf(tmp_path: Path) -> None:
    path = tmp_path / "template.json"
    path.write_bytes(b"\xef\xbb\xbf" + JSON.encode())
    done = rewrite([str(path)], MOVES, ONE_REGION)
    assert done.refusals == ()
    assert done.edits[0].new == b"\xef\xbb\xbf" + JSON.replace('"65"', '"67"').replace(" 65]", " 67]").encode()
    assert [(c.line, c.column, c.new) for c in done.edits[0].changes] == [(7, 120, 67), (8, 131, 67)]


def test_a_version_from_a_parameter_is_refused_with_the_reason(tmp_path: Path) -> None:
    text = """\
Parameters:
  DatadogVersion: {Type: String, Default: "65"}
Resources:
  Api:
    Type: AWS::Lambda::Function
    Properties:
      Layers:
        - !Join [":", ["arn:aws:lambda", !Ref "AWS::Region", "464622532012", "layer", "Datadog-Extension", !Ref DatadogVersion]]
"""
    new, refused = moved(tmp_path, "template.yaml", text)
    assert new == text
    assert refused == [
        "template.yaml:8:108: the version of arn:aws:lambda:${AWS::Region}:464622532012:layer:Datadog-Extension:"
        "${DatadogVersion} is parameter DatadogVersion (Default 65): change its Default, or the value passed at "
        "deploy, by hand"]


def test_a_region_variable_serving_regions_that_move_apart_is_refused(tmp_path: Path) -> None:
    line = '  - !Join [":", ["arn:aws:lambda", !Ref "AWS::Region", "464622532012", "layer", "Datadog-Extension", "65"]]\n'
    new, refused = moved(tmp_path, "template.yaml", "Layers:\n" + line,
                         {KEY: frozenset({"us-east-1", "eu-west-1"})})
    assert new == "Layers:\n" + line
    assert refused == [
        "template.yaml:2:103: arn:aws:lambda:${AWS::Region}:464622532012:layer:Datadog-Extension:65 is used in "
        "several regions that do not all move to the same version (us-east-1 -> 67, eu-west-1 stays); pass --to, "
        "or write the ARN per region"]


def test_pieces_that_do_not_invert_and_other_regions_stay(tmp_path: Path) -> None:
    text = """\
Layers:
  - !Join [":", ["arn:aws:lambda", !Ref "AWS::Region", !Ref VendorAccount, "layer", "Datadog-Extension", "65"]]
  - !Join [":", ["arn:aws:lambda", !ImportValue Region, "464622532012", "layer", "Datadog-Extension", "65"]]
  - !Join [":", ["arn:aws:lambda:eu-west-1", "464622532012", "layer", "Datadog-Extension", "65"]]
  - !Join [":", ["arn:aws:lambda:us-east-1", "464622532012", "layer", "Datadog-Extension", "6", "5"]]
"""
    assert moved(tmp_path, "template.yaml", text) == (text, [])
