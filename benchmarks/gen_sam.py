"""Generate a large SAM template for timing the CloudFormation parser.

Each function has three layers: a literal vendor layer ARN, a ``!Sub`` over ``${AWS::Region}`` and a
``!Ref`` to a layer the template publishes. With the default 3,000 functions the file is about 1.7 MB.

    python3 benchmarks/gen_sam.py [--functions N] [--json] OUT
"""

from __future__ import annotations

import argparse
import json
from typing import Any

HEADER = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: generated benchmark template ({count} functions)

Parameters:
  Stage:
    Type: String
    Default: prod

Globals:
  Function:
    Runtime: python3.12
    Timeout: 30
    MemorySize: 256

Resources:
  SharedLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      LayerName: shared-deps
      ContentUri: s3://artifacts-bucket/layers/shared.zip
      CompatibleRuntimes: [python3.12]
"""

FUNCTION = """\
  Function{i:05d}:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: !Sub ${{Stage}}-function-{i:05d}
      Handler: app.handler_{i}
      CodeUri: src/
      Environment:
        Variables:
          STAGE: !Ref Stage
      Events:
        Api:
          Type: Api
          Properties:
            Path: /items/{i}
            Method: get
      Layers:
        - arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:{version}
        - !Sub arn:aws:lambda:${{AWS::Region}}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:{pt}
        - !Ref SharedLayer
"""


def yaml_template(count: int) -> str:
    parts = [HEADER.format(count=count)]
    parts.extend(FUNCTION.format(i=i, version=50 + i % 10, pt=1 + i % 7) for i in range(count))
    return "".join(parts)


def json_template(count: int) -> str:
    resources: dict[str, Any] = {
        "SharedLayer": {
            "Type": "AWS::Lambda::LayerVersion",
            "Properties": {"LayerName": "shared-deps",
                           "Content": {"S3Bucket": "artifacts-bucket", "S3Key": "layers/shared.zip"}},
        }
    }
    for i in range(count):
        resources[f"Function{i:05d}"] = {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "FunctionName": {"Fn::Sub": f"${{Stage}}-function-{i:05d}"},
                "Handler": f"app.handler_{i}",
                "Runtime": "python3.12",
                "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                "Code": {"S3Bucket": "artifacts-bucket", "S3Key": f"code/{i}.zip"},
                "Environment": {"Variables": {"STAGE": {"Ref": "Stage"}, "TABLE_NAME": f"table-{i}"}},
                "Layers": [
                    f"arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:{50 + i % 10}",
                    {"Fn::Sub": "arn:aws:lambda:${AWS::Region}:017000801446:layer:"
                                f"AWSLambdaPowertoolsPythonV3-python312-x86_64:{1 + i % 7}"},
                    {"Ref": "SharedLayer"},
                ],
            },
        }
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {"Stage": {"Type": "String", "Default": "prod"}},
        "Resources": resources,
    }
    return json.dumps(template, indent=2) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--functions", type=int, default=3000)
    parser.add_argument("--json", action="store_true", help="a CloudFormation JSON template instead of SAM YAML")
    args = parser.parse_args()
    text = json_template(args.functions) if args.json else yaml_template(args.functions)
    with open(args.out, "w", encoding="utf-8") as fh:
        fh.write(text)


if __name__ == "__main__":
    main()
