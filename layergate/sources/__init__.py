"""Input formats. Each format module turns one input into ``Scan`` records and knows nothing of rules.

A format module provides:

- ``FORMAT``: its name ("cloudformation", "serverless", "terraform-plan", "cdk");
- ``detect(path: str, head: str) -> bool``: cheap test on the file name and its first bytes
  (``head``, up to ``HEAD_BYTES`` characters); True means "this file is mine", after which a parse error
  is a real error (exit 2), not a reason to skip the file;
- ``parse(path: str, options: ParseOptions) -> list[Scan]``: the full parse. It raises
  ``layergate.errors.InputError`` for bad input and ``NotThisFormat`` when a closer look shows the file
  is not of the format after all (skipped quietly in directory scans).

Optionally ``detect_dir(path: str) -> bool`` for formats that are a directory (a CDK cloud assembly).

Modules are imported only when a file of their format is seen, so a CloudFormation-only run never
imports the Terraform or CDK code.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import ModuleType

HEAD_BYTES = 8192

# Order matters: name-based formats first, then content sniffing from the most specific.
FORMAT_MODULES: tuple[str, ...] = (
    "layergate.sources.serverless",
    "layergate.sources.terraform",
    "layergate.sources.cloudformation",
)
DIRECTORY_FORMAT_MODULES: tuple[str, ...] = ("layergate.sources.cdk",)


class NotThisFormat(Exception):
    """Raised by ``parse`` when the file turns out not to be of its format."""


@dataclass(frozen=True, slots=True)
class ParseOptions:
    """What the command line (and policy) tells parsers."""

    regions: tuple[str, ...] = ()  # deploy regions: --region, else the policy's regions
    parameters: Mapping[str, str] = field(default_factory=dict)  # --parameter KEY=VALUE
    parameter_files: tuple[str, ...] = ()  # --parameters FILE (CloudFormation JSON or samconfig.toml)
    config_env: str = "default"  # samconfig.toml environment
    stage: str | None = None  # serverless --stage
    env: Mapping[str, str] = field(default_factory=dict)  # serverless --env NAME=VALUE
    tf_dir: str | None = None  # terraform .tf sources (default: the plan file's directory)
    root: str = "."  # repository root: ${file()} and local content paths must stay inside it


def module(name: str) -> ModuleType:
    return importlib.import_module(name)
