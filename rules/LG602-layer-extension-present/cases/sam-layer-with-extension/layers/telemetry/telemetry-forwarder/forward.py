#!/usr/bin/env python3
"""Registers with the Extensions API and forwards logs."""
import os

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
