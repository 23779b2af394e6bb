terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

variable "lambda_endpoint" {
  type        = string
  description = "A local AWS endpoint (moto on loopback) that answers the data sources' reads (Lambda and SSM)"
  default     = "http://127.0.0.1:5000"
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true

  endpoints {
    lambda = var.lambda_endpoint
    ssm    = var.lambda_endpoint
  }
}
