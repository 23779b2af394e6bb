# The platform team publishes its current layer version ARN in SSM: the plan reads it at plan time.
data "aws_ssm_parameter" "powertools" {
  name = "/platform/layers/powertools/latest"
}

resource "aws_lambda_function" "api" {
  function_name = "api"
  role          = "arn:aws:iam::123456789012:role/lambda"
  handler       = "app.handler"
  runtime       = "python3.13"
  filename      = "app.zip"
  layers        = [data.aws_ssm_parameter.powertools.value]
}

# A parameter this configuration writes itself: its value is pinned here.
resource "aws_ssm_parameter" "own" {
  name  = "/app/layers/own"
  type  = "String"
  value = "arn:aws:lambda:us-east-1:123456789012:layer:vendor-tools:2"
}

resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = "arn:aws:iam::123456789012:role/lambda"
  handler       = "app.handler"
  runtime       = "python3.13"
  filename      = "app.zip"
  layers        = [aws_ssm_parameter.own.value]
}
