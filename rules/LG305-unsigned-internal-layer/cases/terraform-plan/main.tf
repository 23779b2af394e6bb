resource "aws_signer_signing_profile" "layers" {
  name        = "LayerSigning"
  platform_id = "AWSLambda-SHA384-ECDSA"
}

resource "aws_lambda_code_signing_config" "enforce" {
  allowed_publishers {
    signing_profile_version_arns = [aws_signer_signing_profile.layers.version_arn]
  }
  policies {
    untrusted_artifact_on_deployment = "Enforce"
  }
}

resource "aws_lambda_code_signing_config" "warn" {
  allowed_publishers {
    signing_profile_version_arns = [
      "arn:aws:signer:us-east-1:999988887777:/signing-profiles/Laptop/a1b2c3d4e5",
    ]
  }
  policies {
    untrusted_artifact_on_deployment = "Warn"
  }
}

resource "aws_lambda_function" "api" {
  function_name           = "api"
  role                    = "arn:aws:iam::123456789012:role/api"
  runtime                 = "python3.12"
  handler                 = "app.handler"
  s3_bucket               = "example-artifacts"
  s3_key                  = "api.zip"
  code_signing_config_arn = aws_lambda_code_signing_config.enforce.arn
  layers                  = ["arn:aws:lambda:us-east-1:123456789012:layer:platform-utils:7"]
}

resource "aws_lambda_function" "worker" {
  function_name           = "worker"
  role                    = "arn:aws:iam::123456789012:role/worker"
  runtime                 = "python3.12"
  handler                 = "app.handler"
  s3_bucket               = "example-artifacts"
  s3_key                  = "worker.zip"
  code_signing_config_arn = aws_lambda_code_signing_config.warn.arn
  layers                  = ["arn:aws:lambda:us-east-1:123456789012:layer:platform-utils:7"]
}

resource "aws_lambda_function" "report" {
  function_name = "report"
  role          = "arn:aws:iam::123456789012:role/report"
  runtime       = "python3.12"
  handler       = "app.handler"
  s3_bucket     = "example-artifacts"
  s3_key        = "report.zip"
  layers        = ["arn:aws:lambda:us-east-1:123456789012:layer:platform-utils:7"]
}
