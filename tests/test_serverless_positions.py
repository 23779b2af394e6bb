"""Serverless layer ARNs that come through variables are reported where the value is written.

tests/fixtures/serverless/positions has one entry per way a value arrives: ``${self:...}`` (through a nested
fallback), ``${param:...}`` per stage, ``${file(...):key}``, an ``${env:...}`` fallback in ``custom``, a whole
list from ``custom``, and strings built from one or two such values. Each finding must point at the token a
reviewer changes and name the entry that uses it, as for CloudFormation's ``!If`` and parameter defaults.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "serverless"
REPO = Path(__file__).resolve().parent.parent
CONFIG = "positions/serverless.yml"


def findings(*args: str) -> list[tuple[object, ...]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LAYERGATE"))}
    env["PYTHONPATH"] = str(REPO)
    done = subprocess.run(
        [sys.executable, "-m", "layergate", "check", "--format", "json", "--today", "2026-12-01",
         "--policy", "positions/policy.yaml", *args, "positions"],
        cwd=FIXTURES, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1, done.stderr
    keys = ("rule", "file", "line", "column", "path", "context", "message")
    return [tuple(f[k] for k in keys) for f in json.loads(done.stdout)["findings"]]


def unreviewed(function: str, name: str) -> str:
    return (f"function functions.{function} uses arn:aws:lambda:us-east-1:123456789012:layer:{name} from"
            " 123456789012, which has no layers entry with a recorded SHA-256; run `layergate"
            " lock`, then review it")


def by_default(function: str, name: str, variable: str) -> str:
    return (f"function functions.{function} takes layer arn:aws:lambda:us-east-1:123456789012:layer:{name} from"
            f" 123456789012 through the default of parameter {variable}; a deploy can override"
            " it without this check seeing the value")


EXTRA = "${env:EXTRA_LAYER, 'arn:aws:lambda:us-east-1:123456789012:layer:extra:5'}"
OWN = "${env:OWN_LAYER, 'arn:aws:lambda:us-east-1:123456789012:layer:own:2'}"
EDGE = "${param:edgeVersion, 4}"


def used(line: int, entry: str) -> str:
    return f"used at line {line} ({entry})"


def test_each_value_is_reported_where_it_is_written() -> None:
    assert findings() == [
        ("LG301", "positions/layers.yml", 2, 11, "insights",
         f"used at {CONFIG}:27 (functions.api.layers[2])", unreviewed("api", "insights:52")),
        # Both stages' params: each value where it is written.
        ("LG301", CONFIG, 9, 10, "params.default.sdk", used(26, "functions.api.layers[1]"), unreviewed("api", "sdk:1")),
        ("LG301", CONFIG, 11, 10, "params.prod.sdk", used(26, "functions.api.layers[1]"), unreviewed("api", "sdk:2")),
        # custom.tracing is ${self:custom.tracers.${sls:stage}, self:custom.tracers.any}: the innermost value.
        ("LG301", CONFIG, 15, 10, "custom.tracers.any", used(25, "functions.api.layers[0]"),
         unreviewed("api", "tracer:7")),
        ("LG101", CONFIG, 16, 29, "custom.extra", used(28, "functions.api.layers[3]"),
         by_default("api", "extra:5", EXTRA)),
        ("LG301", CONFIG, 16, 29, "custom.extra", used(28, "functions.api.layers[3]"), unreviewed("api", "extra:5")),
        # One value from elsewhere in a string: that value decides it.
        ("LG301", CONFIG, 18, 12, "custom.edgeSdk", used(38, "functions.edge.layers[2]"),
         unreviewed("edge", "edge-sdk:9")),
        # A list that came whole from custom: its items.
        ("LG301", CONFIG, 20, 7, "custom.common[0]", used(32, "functions.worker.layers[0]"),
         unreviewed("worker", "common:3")),
        # A fallback written in the entry: at its token; decided by two places at once: the entry.
        ("LG101", CONFIG, 29, 26, "functions.api.layers[4]", None, by_default("api", "own:2", OWN)),
        ("LG301", CONFIG, 29, 26, "functions.api.layers[4]", None, unreviewed("api", "own:2")),
        ("LG101", CONFIG, 36, 9, "functions.edge.layers[0]", None, by_default("edge", "edge:4", EDGE)),
        ("LG301", CONFIG, 36, 9, "functions.edge.layers[0]", None, unreviewed("edge", "edge:4")),
        ("LG101", CONFIG, 37, 88, "functions.edge.layers[1]", None, by_default("edge", "edge-auth:4", EDGE)),
        ("LG301", CONFIG, 37, 88, "functions.edge.layers[1]", None, unreviewed("edge", "edge-auth:4")),
    ]


def test_one_stage_gives_one_place_and_command_line_values_stay_at_the_entry() -> None:
    sdk = [f for f in findings("--stage", "prod") if "layer:sdk:" in str(f[6])]
    assert sdk == [("LG301", CONFIG, 11, 10, "params.prod.sdk", used(26, "functions.api.layers[1]"),
                    unreviewed("api", "sdk:2"))]
    given = "arn:aws:lambda:us-east-1:123456789012:layer:sdk:3"
    sdk = [f for f in findings("--parameter", f"sdk={given}") if "layer:sdk:" in str(f[6])]
    assert sdk == [("LG301", CONFIG, 26, 9, "functions.api.layers[1]", None, unreviewed("api", "sdk:3"))]


def test_a_variable_in_the_resources_section_is_reported_where_it_is_written() -> None:
    """``resources.Resources`` is CloudFormation, resolved by the framework first: a layer that comes from
    ``custom`` points at ``custom.sdk`` and names the Layers entry; a literal one stays where it is."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LAYERGATE"))}
    env["PYTHONPATH"] = str(REPO)
    done = subprocess.run(
        [sys.executable, "-m", "layergate", "check", "--format", "json", "--today", "2026-12-01",
         "resources_positions"],
        cwd=FIXTURES, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1, done.stderr
    keys = ("rule", "file", "line", "column", "path", "context", "message")
    got = [tuple(f[k] for k in keys) for f in json.loads(done.stdout)["findings"] if f["rule"] == "LG102"]

    def unversioned(function: str, name: str) -> str:
        return (f"function {function} uses arn:aws:lambda:us-east-1:123456789012:layer:{name} from 123456789012"
                " without a version; there is no exact layer version to review or record a hash for")

    config = "resources_positions/serverless.yml"
    assert got == [
        ("LG102", config, 7, 8, "custom.sdk", "used at line 23 (Resources/Worker/Properties/Layers/0)",
         unversioned("Worker", "sdk")),
        ("LG102", config, 7, 8, "custom.sdk", used(12, "functions.api.layers[0]"), unversioned("functions.api", "sdk")),
        ("LG102", config, 24, 13, "Resources/Worker/Properties/Layers/1", None, unversioned("Worker", "tools")),
    ]


def test_an_allowed_account_from_a_variable_is_reported_where_it_is_written() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LAYERGATE"))}
    env["PYTHONPATH"] = str(REPO)
    done = subprocess.run(
        [sys.executable, "-m", "layergate", "check", "--format", "json", "--today", "2026-12-01", "grant_positions"],
        cwd=FIXTURES, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1, done.stderr
    keys = ("rule", "file", "line", "column", "path", "context", "message")
    assert [tuple(f[k] for k in keys) for f in json.loads(done.stdout)["findings"] if f["rule"] == "LG501"] == [
        ("LG501", "grant_positions/serverless.yml", 7, 13, "custom.everyone", used(12, "layers.tools.allowedAccounts[0]"),
         "layer layers.tools is shared by layers.tools.allowedAccounts with principal '*' and no OrganizationId:"
         " every AWS account can download and use it"),
    ]
