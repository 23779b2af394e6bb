"""layergate: a deploy gate for AWS Lambda layers."""

__version__ = "0.1.0"
