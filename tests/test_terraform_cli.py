"""`layergate check` on the committed plans, end to end: the real CLI, whole findings, exit status.

The policy beside the fixtures trusts the vendors they use and records their reviewed versions, so what is
left is what each plan gets wrong: a floating data source, a public layer, a dropped list whose literals
cannot be read without the .tf sources, S3 content without an object version.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "terraform"
KEYS = ("rule", "severity", "file", "line", "column", "path", "message", "arn", "consumer")
NO_PIN = "takes the latest version at every plan"
DROPPED = (
    "the plan drops the whole layers list when one element is known only after apply, and its configuration"
    " records only the references ({}), not literal ARNs written beside them; point --tf-dir at the .tf sources"
    " to read them"
)
LOST = "; a layer that cannot be seen cannot be checked"


def check(*args: str) -> tuple[int, list[dict[str, Any]]]:
    done = subprocess.run(
        [sys.executable, "-m", "layergate", "check", "--quiet", "--format", "json", "--policy", "policy.yaml",
         "--today", "2026-11-30", *args],
        cwd=FIXTURES, capture_output=True, text=True, timeout=120, check=False,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    )
    assert done.stderr == ""
    report = json.loads(done.stdout)
    return done.returncode, [{k: f[k] for k in KEYS} for f in report["findings"]]


def finding(rule: str, severity: str, where: tuple[str, int | None, int | None], path: str, message: str,
            arn: str | None = None, consumer: str | None = None) -> dict[str, Any]:
    file, line, column = where
    return {"rule": rule, "severity": severity, "file": file, "line": line, "column": column, "path": path,
            "message": message, "arn": arn, "consumer": consumer if consumer is not None else path}


def test_floating_data_source() -> None:
    vendor = "arn:aws:lambda:us-east-1:123456789012:layer:vendor-tools"
    latest, own = "data.aws_lambda_layer_version.latest", "data.aws_lambda_layer_version.own"
    unreviewed = ", which has no layers entry with a recorded SHA-256; run `layergate lock`, then review it"
    unsigned = "from internal publisher platform-team and has no code signing config: Lambda deploys it unsigned"
    assert check("data_source/plan.json") == (1, [
        finding("LG101", "error", ("data_source/main.tf", 22, 20), "aws_lambda_function.api",
                f"function aws_lambda_function.api takes layer '{latest}.arn' that the repository does not pin:"
                f" data source {latest} has no version: it {NO_PIN} (currently {vendor}:3 from 123456789012)",
                f"{vendor}:3"),
        finding("LG301", "error", ("data_source/main.tf", 22, 20), "aws_lambda_function.api",
                f"function aws_lambda_function.api uses {vendor}:3 from 123456789012{unreviewed}", f"{vendor}:3"),
        # 123456789012 is under org.accounts: its layers need an enforcing code signing config
        finding("LG305", "error", ("data_source/main.tf", 22, 20), "aws_lambda_function.api",
                f"function aws_lambda_function.api loads {vendor}:3 {unsigned}", f"{vendor}:3"),
        finding("LG301", "error", ("data_source/main.tf", 31, 20), "aws_lambda_function.batch",
                f"function aws_lambda_function.batch uses {vendor}:2 from 123456789012{unreviewed}", f"{vendor}:2"),
        finding("LG305", "error", ("data_source/main.tf", 31, 20), "aws_lambda_function.batch",
                f"function aws_lambda_function.batch loads {vendor}:2 {unsigned}", f"{vendor}:2"),
        finding("LG101", "error", ("data_source/main.tf", 52, 20), "aws_lambda_function.worker",
                f"function aws_lambda_function.worker takes layer '{own}.arn' that the repository does not pin:"
                f" data source {own} has no version: it {NO_PIN}"),
    ])


def test_public_layer_permissions() -> None:
    shared, perm = "aws_lambda_layer_version.shared", "aws_lambda_layer_version_permission"
    legacy = "arn:aws:lambda:us-east-1:123456789012:layer:legacy:3"
    public = "with principal '*' and no OrganizationId: every AWS account can download and use it"
    # Each finding is on the permission resource that shares the layer (where a reviewer changes it).
    assert check("public_permission/plan.json") == (1, [
        finding("LG501", "error", ("public_permission/main.tf", 9, 1), f"{perm}.public",
                f"layer {shared} is shared by {perm}.public {public}", consumer=f"{perm}.public"),
        finding("LG502", "error", ("public_permission/main.tf", 26, 1), f"{perm}.partner",
                f"layer {shared} is shared by {perm}.partner with account 210987654321, which is not in "
                "org.accounts", consumer=f"{perm}.partner"),
        finding("LG501", "error", ("public_permission/main.tf", 35, 1), f"{perm}.legacy",
                f"layer {legacy} is shared by {perm}.legacy {public}", consumer=f"{perm}.legacy"),
    ])


def test_dropped_list_with_tf_sources_passes_but_for_the_mutable_layer() -> None:
    deps = "aws_lambda_layer_version.deps"
    assert check("dropped_list/plan.json") == (0, [
        finding("LG503", "warning", ("dropped_list/main.tf", 3, 1), deps,
                f"layer {deps} is published from s3://artifacts-bucket/layers/deps.zip without an object version:"
                " whoever can write that key changes the layer after review"),
    ])


def test_dropped_list_without_tf_sources_fails_closed(tmp_path: Path) -> None:
    deps, tools = "aws_lambda_layer_version.deps", "aws_lambda_layer_version.tools"
    plan = "dropped_list/plan.json"

    def lost(consumer: str, why: str) -> dict[str, Any]:
        return finding("LG103", "error", (plan, None, None), consumer,
                       f"function {consumer} has a layer that cannot be resolved: {why}{LOST}")

    orders, users = 'module.svc["orders"].aws_lambda_function.this', 'module.svc["users"].aws_lambda_function.this'
    assert check(plan, "--tf-dir", str(tmp_path)) == (1, [
        lost("aws_lambda_function.api", DROPPED.format(deps)),
        lost("aws_lambda_function.cron", DROPPED.format(f"var.vendor_layer, {tools}")),
        lost("aws_lambda_function.jobs", "the plan does not record local values such as local.job_layers; point"
             " --tf-dir at the .tf sources so layergate can read it"),
        lost(orders, DROPPED.format(f"var.layers, {tools}")),
        lost(users, DROPPED.format(f"var.layers, {tools}")),
        finding("LG503", "warning", (plan, None, None), deps,
                f"layer {deps} is published from s3://artifacts-bucket/layers/deps.zip without an object version:"
                " whoever can write that key changes the layer after review"),
    ])


def test_ssm_parameter_data_sources_float() -> None:
    """A layer ARN read from SSM by a data source floats, whatever form the expression takes; the ARN the plan
    read is still checked (here: no recorded SHA-256, no code signing). The parameter this configuration
    writes itself (aws_ssm_parameter.own) holds a literal: pinned, no LG101."""
    vendor = "arn:aws:lambda:us-east-1:123456789012:layer:vendor-tools"
    powertools = ("data source data.aws_ssm_parameter.powertools reads SSM parameter"
                  " /platform/layers/powertools/latest at plan time: the next plan takes whatever it holds then")
    stack = ("data source data.aws_ssm_parameter.stack reads SSM parameter /platform/layers/stack at plan time:"
             " the next plan takes whatever it holds then")
    base = ("data source data.aws_ssm_parameter.base reads SSM parameter /platform/layers/base at plan time:"
            " the next plan takes whatever it holds then")
    unreviewed = ", which has no layers entry with a recorded SHA-256; run `layergate lock`, then review it"
    unsigned = "from internal publisher platform-team and has no code signing config: Lambda deploys it unsigned"

    def floating(line: int, column: int, fn: str, expr: str, why: str, arn: str, path: str = "") -> dict[str, Any]:
        address = f"aws_lambda_function.{fn}"
        return finding("LG101", "error", ("ssm_parameter/main.tf", line, column), path or address,
                       f"function {address} takes layer '{expr}' that the repository does not pin: {why}"
                       f" (currently {arn} from 123456789012)", arn, address)

    def unchecked(line: int, column: int, fn: str, arn: str, path: str = "") -> list[dict[str, Any]]:
        where = ("ssm_parameter/main.tf", line, column) if line else ("ssm_parameter/plan.json", None, None)
        address = f"aws_lambda_function.{fn}"
        return [finding("LG301", "error", where, path or address, f"function {address} uses {arn} from"
                        f" 123456789012{unreviewed}", arn, address),
                finding("LG305", "error", where, path or address, f"function {address} loads {arn} {unsigned}", arn,
                        address)]

    local = "local.common_layers"
    code, found = check("ssm_parameter/plan.json")
    assert code == 1
    assert found == [
        # through local.common_layers: at the reference in the local, used by the function
        floating(24, 33, "local", "data.aws_ssm_parameter.powertools.value", powertools, f"{vendor}:3", local),
        *unchecked(24, 33, "local", f"{vendor}:3", local),
        floating(33, 20, "api", "data.aws_ssm_parameter.powertools.value", powertools, f"{vendor}:3"),
        *unchecked(33, 20, "api", f"{vendor}:3"),
        floating(42, 20, "insecure", "data.aws_ssm_parameter.powertools.insecure_value", powertools, f"{vendor}:3"),
        *unchecked(42, 20, "insecure", f"{vendor}:3"),
        floating(51, 33, "nonsensitive", "data.aws_ssm_parameter.powertools.value", powertools, f"{vendor}:3"),
        *unchecked(51, 33, "nonsensitive", f"{vendor}:3"),
        # a StringList split into two entries
        floating(69, 37, "listed", "data.aws_ssm_parameter.stack.insecure_value", stack, f"{vendor}:1"),
        floating(69, 37, "listed", "data.aws_ssm_parameter.stack.insecure_value", stack, f"{vendor}:2"),
        finding("LG106", "error", ("ssm_parameter/main.tf", 69, 37), "aws_lambda_function.listed",
                f"function aws_lambda_function.listed lists two versions of {vendor} from 123456789012: version 2"
                " here and version 1 at line 69; Lambda loads one version of a layer", f"{vendor}:2"),
        *unchecked(69, 37, "listed", f"{vendor}:1")[:1],
        *unchecked(69, 37, "listed", f"{vendor}:2")[:1],
        *unchecked(69, 37, "listed", f"{vendor}:1")[1:],
        floating(78, 20, "unversioned", "data.aws_ssm_parameter.base.insecure_value", base, vendor),
        finding("LG102", "error", ("ssm_parameter/main.tf", 78, 20), "aws_lambda_function.unversioned",
                f"function aws_lambda_function.unversioned uses {vendor} from 123456789012 without a version; there"
                " is no exact layer version to review or record a hash for", vendor),
        *unchecked(78, 20, "unversioned", vendor)[1:],
        # "${...}:1": the ARN is computed from the parameter, so it floats with it
        floating(87, 23, "computed", "data.aws_ssm_parameter.base.insecure_value",
                 f"{base}; this ARN is computed from it", f"{vendor}:1"),
        *unchecked(87, 23, "computed", f"{vendor}:1"),
        *unchecked(0, 0, "own", f"{vendor}:2"),
    ]
