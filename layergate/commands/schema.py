"""`layergate schema`: print the policy file's JSON Schema (for editors and validation)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("schema", help="print the JSON Schema of .layergate.yaml")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from layergate.policy import schema_text

    sys.stdout.write(schema_text())
    return 0
