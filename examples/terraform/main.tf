# A reporting service deployed with Terraform. Check its plan:
#   terraform plan -out plan.out && terraform show -json plan.out > plan.json && layergate check plan.json

resource "aws_lambda_layer_version" "report_deps" {
  layer_name = "report-deps"
  s3_bucket  = "platform-artifacts"
  s3_key     = "layers/report-deps.zip"
}

# The layer version above is created in the same apply, so its ARN is unknown at plan time and the plan
# drops this whole list, the Datadog literal included. layergate reads the literal from this file.
resource "aws_lambda_function" "report" {
  function_name = "report"
  role          = "arn:aws:iam::123456789012:role/report"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "app.zip"
  layers = [
    "arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:56",
    aws_lambda_layer_version.report_deps.arn,
  ]
}

# Bumped to version 8 without a review: LG301 until `layergate lock` and a reviewer record it.
resource "aws_lambda_function" "digest" {
  function_name = "digest"
  role          = "arn:aws:iam::123456789012:role/report"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "app.zip"
  layers        = ["arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:8"]
}
