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
from types import ModuleType

from layergate.records import dataclass, field

HEAD_BYTES = 8192
# Why ``${AWS::AccountId}`` / ``${aws:accountId}`` has no value, and how to give it one.
ACCOUNT_HINT = ("the deploying account, which the repository does not name: list it under `deploy_accounts` in the "
                "policy (with `path:` when files deploy to different accounts)")

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
    # The policy's deploy_accounts: (path glob or None, accounts). See ``accounts_for``.
    deploy_accounts: tuple[tuple[str | None, tuple[str, ...]], ...] = ()

    def accounts_for(self, path: str) -> tuple[str, ...]:
        """The accounts a file deploys to: those of the entries whose ``path`` matches it, else those of the
        entries without a path (``${AWS::AccountId}`` takes each in turn)."""
        import fnmatch

        norm = path.replace("\\", "/").removeprefix("./")
        matched = [accounts for glob, accounts in self.deploy_accounts if glob is not None
                   and (fnmatch.fnmatchcase(norm, glob) or fnmatch.fnmatchcase(norm, f"*/{glob}"))]
        if not matched:
            matched = [accounts for glob, accounts in self.deploy_accounts if glob is None]
        return tuple(dict.fromkeys(a for accounts in matched for a in accounts))


def module(name: str) -> ModuleType:
    return importlib.import_module(name)
