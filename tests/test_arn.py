from __future__ import annotations

import pytest

from layergate.arn import ArnError, LayerArn, glob_match, try_parse


def test_parse_version_arn() -> None:
    arn = LayerArn.parse("arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:56")
    assert arn == LayerArn("aws", "us-east-1", "464622532012", "Datadog-Extension", 56)
    assert str(arn) == "arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:56"
    assert arn.layer_arn == "arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension"


def test_parse_unversioned_and_managed() -> None:
    assert LayerArn.parse("arn:aws-us-gov:lambda:us-gov-west-1:002406178527:layer:Datadog-Extension").version is None
    managed = LayerArn.parse("arn:aws:lambda:::awslayer:AWSLambda-Python-AWS-SDK")
    assert managed.managed and managed.version is None and str(managed) == "arn:aws:lambda:::awslayer:AWSLambda-Python-AWS-SDK"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("arn:aws:lambda:us-east-1:4646225320:layer:X:1", "account '4646225320' is not 12 digits"),
        ("arn:aws:lambda:us-east-1:464622532012:function:X:1", "resource type is 'function', not 'layer'"),
        ("arn:aws:s3:us-east-1:464622532012:layer:X:1", "service is 's3', not 'lambda'"),
        ("arn:aws:lambda:us-east-1:464622532012:layer:X:latest", "version 'latest' is not a positive integer"),
        ("arn:aws:lambda:us-east-1:464622532012:layer:X:0", "layer versions start at 1"),
        ("arn:aws:lambda:useast1:464622532012:layer:X:1", "'useast1' is not a region"),
        ("arn:awz:lambda:us-east-1:464622532012:layer:X:1", "unknown partition 'awz'"),
        ("Datadog-Extension:56", "does not start with 'arn:'"),
        ("arn:aws:s3:::artifacts/layer.zip", "service is 's3', not 'lambda'"),
        ("arn:aws:lambda:us-east-1:464622532012:layer:Data.dog:1",
         "layer name 'Data.dog' may only hold letters, digits, '-' and '_' (1-140)"),
    ],
)
def test_parse_errors_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ArnError) as err:
        LayerArn.parse(text)
    assert str(err.value) == message
    assert try_parse(text) is None


def test_glob_match_is_case_sensitive_like_stringlike() -> None:
    assert glob_match("arn:aws:lambda:*:*:layer:Klayers-*:*", "arn:aws:lambda:eu-west-1:770693421928:layer:Klayers-p312-requests:9")
    assert not glob_match("arn:aws:lambda:*:*:layer:klayers-*:*", "arn:aws:lambda:eu-west-1:770693421928:layer:Klayers-p312-requests:9")
