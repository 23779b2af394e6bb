# The ARN sits in a local, away from the function: the finding points at the string to change and
# names the line of the function that uses it.
locals {
  datadog = "arn:aws:lambda:eu-west-1:464622532012:layer:Datadog-Extension:56"
}

resource "aws_lambda_function" "api" {
  function_name = "api"
  role          = "arn:aws:iam::123456789012:role/lambda"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "app.zip"
  layers        = [local.datadog]
}
