"""`layergate check` on Serverless services, through the real command line in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures" / "serverless"
REPO = Path(__file__).resolve().parent.parent
CHECKOUT = "checkout/serverless.yml"
SDK14 = "arn:aws:lambda:us-east-1:123456789012:layer:checkout-sdk:14"


def check(*args: str) -> tuple[int, dict[str, Any] | None, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LAYERGATE"))}
    env["PYTHONPATH"] = str(REPO)
    done = subprocess.run(
        [sys.executable, "-m", "layergate", "check", "--format", "json", "--today", "2026-12-01", *args],
        cwd=FIXTURES, env=env, capture_output=True, text=True, timeout=120,
    )
    report = json.loads(done.stdout) if done.stdout.strip() else None
    return done.returncode, report, done.stderr


def findings(report: dict[str, Any] | None) -> list[tuple[Any, ...]]:
    assert report is not None
    keys = ("rule", "severity", "file", "line", "column", "path", "consumer", "arn", "message")
    return [tuple(f[k] for k in keys) for f in report["findings"]]


SHARED_PUBLIC = ("LG501", "error", CHECKOUT, 23, 9, "layers.shared.allowedAccounts[0]",
                 "layers.shared.allowedAccounts", None,
                 "layer layers.shared is shared by layers.shared.allowedAccounts with principal '*' and no "
                 "OrganizationId: every AWS account can"
                 " download and use it")
SSM_FLOATS = ("LG101", "error", CHECKOUT, 32, 9, "functions.confirm.layers[1]", "functions.confirm", None,
              "function functions.confirm takes a layer that the repository does not pin:"
              " ${ssm:/checkout/extra-layer-arn}: an SSM parameter, read at deploy time")


def test_every_params_stage_is_checked_without_stage() -> None:
    """The prod params select SDK version 14, which nobody reviewed: found without --stage."""
    status, report, _ = check("--policy", "checkout/policy.yaml", "checkout")
    assert status == 1
    assert findings(report) == [
        SHARED_PUBLIC,
        ("LG301", "error", CHECKOUT, 31, 9, "functions.confirm.layers[0]", "functions.confirm", SDK14,
         f"function functions.confirm uses {SDK14} from 123456789012, which has no layers entry"
         " with a recorded SHA-256; run `layergate lock`, then review it"),
        SSM_FLOATS,
    ]
    assert report is not None
    assert report["summary"]["files_by_format"] == {"serverless": 1}
    assert (report["summary"]["functions"], report["summary"]["layer_references"]) == (3, 4)


def test_stage_selects_the_params_of_that_stage() -> None:
    status, report, _ = check("--policy", "checkout/policy.yaml", "--stage", "dev", "checkout")
    assert status == 1
    assert findings(report) == [SHARED_PUBLIC, SSM_FLOATS]


def test_bad_serverless_input_exits_2_with_one_line() -> None:
    status, report, stderr = check("--policy", "checkout/policy.yaml", "bad-cycle")
    assert status == 2
    assert report is None
    assert stderr.strip().splitlines()[-1].endswith(
        "bad-cycle/serverless.yml:4:10: variable cycle: ${self:custom.stage} (line 4) -> ${sls:stage} (line 6)"
        " -> back to line 4")
