variable "vendor_layer" {
  type    = string
  default = "vendor-tools"
}

# No version: every plan takes the newest version of the layer.
data "aws_lambda_layer_version" "latest" {
  layer_name = var.vendor_layer
}

data "aws_lambda_layer_version" "pinned" {
  layer_name = var.vendor_layer
  version    = 2
}

resource "aws_lambda_function" "api" {
  function_name = "api"
  role          = "arn:aws:iam::123456789012:role/lambda"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "app.zip"
  layers        = [data.aws_lambda_layer_version.latest.arn]
}

resource "aws_lambda_function" "batch" {
  function_name = "batch"
  role          = "arn:aws:iam::123456789012:role/lambda"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "app.zip"
  layers        = [data.aws_lambda_layer_version.pinned.arn]
}

# A layer published in this apply, read back through a data source: the read waits for apply.
resource "aws_lambda_layer_version" "own" {
  layer_name        = "own"
  s3_bucket         = "artifacts-bucket"
  s3_key            = "layers/own.zip"
  s3_object_version = "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"
}

data "aws_lambda_layer_version" "own" {
  layer_name = aws_lambda_layer_version.own.layer_name
}

resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = "arn:aws:iam::123456789012:role/lambda"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "app.zip"
  layers        = [data.aws_lambda_layer_version.own.arn]
}
