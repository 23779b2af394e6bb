"""`layergate check` on a large Terraform plan JSON, against a process that only runs json.load on it.

Generates a plan of about ``--size-mb`` MB in the shape `terraform show -json` writes (format 1.2):
root variables; planned_values with a module called with for_each (one instance per service) that
holds a function, its role, policy attachment, log group, queue, event source mapping and bucket;
resource_changes with before/after/after_unknown for every resource; a configuration section with the
module call; relevant_attributes. One function in ten uses a layer published in the same apply, so
its layers list is dropped from the plan (the case that needs the configuration). A policy beside the
plan trusts the publishers and records the few vendor layer versions used, as a real project would.

Target: median of paired whole-process runs <= 1.5x. A second comparison is against json.load with the
cyclic garbage collector paused, as layergate itself reads a plan, so the figure does not hide behind it.

    python3 benchmarks/terraform_plan.py [--size-mb 100] [--runs 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from typing import Any

from common import REPO, paired, python, stamp

VENDOR_LAYERS = (
    "arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:56",
    "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV2:68",
    "arn:aws:lambda:us-east-1:580247275435:layer:LambdaInsightsExtension:49",
)
POLICY = "version: 1\nregions: [us-east-1]\npublishers:\n  - account: \"464622532012\"\n    name: datadog\n" \
    "  - account: \"017000801446\"\n    name: powertools\n  - account: \"580247275435\"\n    name: insights\n" \
    "layers:\n" + "".join(
        f"  - arn: {arn}\n    sha256: {'%064x' % (i + 1)}\n    reviewed_by: bench\n    reviewed_at: 2026-11-01\n"
        f"    extension: true\n" for i, arn in enumerate(VENDOR_LAYERS))
LOAD_ONLY = "import json, sys\nwith open(sys.argv[1], 'rb') as f:\n    json.load(f)\n"
# The floor without the cyclic collector (layergate pauses it while it reads a plan): the honest second look.
LOAD_ONLY_NO_GC = "import gc, json, sys\ngc.disable()\nwith open(sys.argv[1], 'rb') as f:\n    json.load(f)\n"
PROVIDER = "registry.terraform.io/hashicorp/aws"


def function_values(name: str, layers: list[str] | None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "architectures": ["x86_64"], "code_signing_config_arn": None, "dead_letter_config": [],
        "description": f"{name} handler for the orders platform", "environment": [{"variables": {
            f"SETTING_{i}": f"value-{name}-{i}" for i in range(12)}}],
        "ephemeral_storage": [{"size": 512}], "file_system_config": [], "filename": None,
        "function_name": name, "handler": "app.handler", "image_config": [], "image_uri": None,
        "kms_key_arn": None, "logging_config": [{"application_log_level": "", "log_format": "Text",
                                                  "log_group": f"/aws/lambda/{name}", "system_log_level": ""}],
        "memory_size": 512, "package_type": "Zip", "publish": True, "replace_security_groups_on_destroy": None,
        "replacement_security_group_ids": None, "reserved_concurrent_executions": -1,
        "role": f"arn:aws:iam::123456789012:role/{name}", "runtime": "python3.12",
        "s3_bucket": "artifacts-bucket", "s3_key": f"functions/{name}.zip", "s3_object_version": None,
        "skip_destroy": False, "snap_start": [], "source_code_hash": "pV3GkvYfeGz3sLdL1l0fGZyZ0JzU3FVx2L0xO7pB3Hk=",
        "tags": {"service": name, "team": "platform", "cost-center": "4711", "env": "prod"},
        "tags_all": {"service": name, "team": "platform", "cost-center": "4711", "env": "prod"},
        "timeout": 30, "timeouts": None, "tracing_config": [{"mode": "Active"}],
        "vpc_config": [{"ipv6_allowed_for_dual_stack": False, "security_group_ids": ["sg-0123456789abcdef0"],
                        "subnet_ids": ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]}],
    }
    if layers is not None:
        values["layers"] = layers
    return values


def other_resources(name: str) -> list[tuple[str, dict[str, Any]]]:
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                                 "Principal": {"Service": "lambda.amazonaws.com"}}]})
    return [
        ("aws_iam_role.this", {"assume_role_policy": policy, "description": None, "force_detach_policies": False,
                               "max_session_duration": 3600, "name": name, "path": "/", "permissions_boundary": None,
                               "tags": {"service": name}, "tags_all": {"service": name}}),
        ("aws_iam_role_policy_attachment.logs", {"policy_arn": "arn:aws:iam::aws:policy/service-role/"
                                                 "AWSLambdaBasicExecutionRole", "role": name}),
        ("aws_cloudwatch_log_group.this", {"kms_key_id": None, "log_group_class": "STANDARD",
                                           "name": f"/aws/lambda/{name}", "retention_in_days": 30, "skip_destroy": False,
                                           "tags": {"service": name}, "tags_all": {"service": name}}),
        ("aws_sqs_queue.this", {"content_based_deduplication": False, "delay_seconds": 0, "fifo_queue": False,
                                "max_message_size": 262144, "message_retention_seconds": 345600, "name": name,
                                "receive_wait_time_seconds": 20, "visibility_timeout_seconds": 180,
                                "tags": {"service": name}, "tags_all": {"service": name}}),
        ("aws_lambda_event_source_mapping.this", {"batch_size": 10, "enabled": True, "function_name": name,
                                                  "maximum_batching_window_in_seconds": 5, "starting_position": None}),
        ("aws_s3_bucket.data", {"bucket": f"orders-{name}-data", "force_destroy": False, "object_lock_enabled": False,
                                "tags": {"service": name}, "tags_all": {"service": name}}),
    ]


def instance(i: int) -> tuple[str, list[tuple[str, str, dict[str, Any], dict[str, Any]]]]:
    """(module address, [(address, type, values, after_unknown)]) of one service."""
    name = f"svc-{i:05d}"
    module = f'module.svc["{name}"]'
    dropped = i % 10 == 0
    layers = None if dropped else [VENDOR_LAYERS[i % 3], VENDOR_LAYERS[(i + 1) % 3]]
    unknown_fn: dict[str, Any] = {"arn": True, "invoke_arn": True, "last_modified": True, "qualified_arn": True,
                                  "version": True, "layers": True if dropped else [False, False]}
    rows = [(f"{module}.aws_lambda_function.this", "aws_lambda_function", function_values(name, layers), unknown_fn)]
    if dropped:
        rows.append((f"{module}.aws_lambda_layer_version.deps", "aws_lambda_layer_version",
                     {"layer_name": f"{name}-deps", "s3_bucket": "artifacts-bucket", "s3_key": f"layers/{name}.zip",
                      "s3_object_version": "v1", "compatible_runtimes": ["python3.12"]}, {"arn": True, "version": True}))
    for address, values in other_resources(name):
        rows.append((f"{module}.{address}", address.split(".")[0], values, {"arn": True, "id": True}))
    return module, rows


def resource(address: str, rtype: str, values: dict[str, Any]) -> dict[str, Any]:
    name = address.rsplit(".", 1)[1]
    return {"address": address, "mode": "managed", "type": rtype, "name": name, "provider_name": PROVIDER,
            "schema_version": 0, "values": values, "sensitive_values": {"tags": {}, "tags_all": {}}}


def write_plan(path: str, size_mb: int) -> int:
    """Write the plan; returns the number of functions. Streams pieces so memory stays low."""
    per_instance = len(json.dumps(instance(1))) * 2.6  # planned_values + resource_changes, measured roughly
    count = max(1, int(size_mb * 1024 * 1024 / per_instance))
    with open(path, "w", encoding="utf-8") as out:
        out.write('{"format_version":"1.2","terraform_version":"1.11.4","variables":{"env":{"value":"prod"}},')
        out.write('"planned_values":{"root_module":{"child_modules":[')
        for i in range(count):
            module, rows = instance(i)
            out.write("," if i else "")
            json.dump({"resources": [resource(a, t, v) for a, t, v, _ in rows], "address": module}, out)
        out.write("]}},")
        out.write('"resource_changes":[')
        first = True
        for i in range(count):
            module, rows = instance(i)
            for address, rtype, values, unknown in rows:
                change = {"address": address, "module_address": module, "mode": "managed", "type": rtype,
                          "name": address.rsplit(".", 1)[1], "provider_name": PROVIDER,
                          "change": {"actions": ["create"], "before": None, "after": values,
                                     "after_unknown": unknown, "before_sensitive": False,
                                     "after_sensitive": {"tags": {}, "tags_all": {}}}}
                out.write("" if first else ",")
                first = False
                json.dump(change, out)
        out.write("],")
        out.write('"configuration":' + json.dumps(configuration()))
        out.write(',"relevant_attributes":[{"resource":"module.svc.aws_lambda_layer_version.deps",'
                  '"attribute":["arn"]}],"timestamp":"2026-01-01T00:00:00Z","applyable":true,'
                  '"complete":true,"errored":false}\n')
    return count


def configuration() -> dict[str, Any]:
    function = {"address": "aws_lambda_function.this", "mode": "managed", "type": "aws_lambda_function",
                "name": "this", "provider_config_key": "aws", "schema_version": 0, "expressions": {
                    "function_name": {"references": ["var.name"]}, "handler": {"constant_value": "app.handler"},
                    "layers": {"references": ["var.layers", "aws_lambda_layer_version.deps.arn",
                                              "aws_lambda_layer_version.deps"]},
                    "runtime": {"constant_value": "python3.12"}}}
    layer = {"address": "aws_lambda_layer_version.deps", "mode": "managed", "type": "aws_lambda_layer_version",
             "name": "deps", "provider_config_key": "aws", "schema_version": 0, "count_expression":
             {"references": ["var.own_layer"]}, "expressions": {"layer_name": {"references": ["var.name"]}}}
    return {"provider_config": {"aws": {"name": "aws", "full_name": PROVIDER, "expressions": {
        "region": {"constant_value": "us-east-1"}}}},
        "root_module": {"module_calls": {"svc": {"source": "./modules/svc", "for_each_expression": {
            "references": ["local.services"]}, "expressions": {"name": {"references": ["each.key"]},
                                                                "layers": {"references": ["each.value"]}},
            "module": {"resources": [function, layer], "variables": {"name": {}, "layers": {}, "own_layer": {}}}}}}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", metavar="DIR", help="write the plan here and keep it (reused when present)")
    args = parser.parse_args()
    work = args.keep or tempfile.mkdtemp(prefix="layergate-tfbench-")
    os.makedirs(work, exist_ok=True)
    try:
        plan = os.path.join(work, "plan.json")
        if args.keep and os.path.exists(plan):
            with open(plan, "rb") as fh:
                count = len(json.load(fh)["planned_values"]["root_module"]["child_modules"])
        else:
            count = write_plan(plan, args.size_mb)
        with open(os.path.join(work, ".layergate.yaml"), "w", encoding="utf-8") as fh:
            fh.write(POLICY)
        size = os.path.getsize(plan) / 1024 / 1024
        env_path = os.environ.get("PYTHONPATH", "")
        os.environ["PYTHONPATH"] = REPO + (os.pathsep + env_path if env_path else "")
        layergate = [python(), "-m", "layergate", "check", "--quiet", "--policy",
                     os.path.join(work, ".layergate.yaml"), plan]
        print(f"{stamp()}  plan {size:.1f} MB, {count} functions ({count // 10} with a dropped layers list),"
              f" {args.runs} paired runs each")
        for label, script in (("json.load only", LOAD_ONLY), ("json.load, gc paused", LOAD_ONLY_NO_GC)):
            result = paired(layergate, [python(), "-c", script, plan], args.runs)
            verdict = "ok" if result["ratio_median"] <= 1.5 else "OVER TARGET"
            print(f"  layergate check      : median {result['a_median_s']:.2f} s,"
                  f" peak {result['a_peak_kib'] / 1024:.0f} MiB")
            print(f"  {label:<21}: median {result['b_median_s']:.2f} s, peak {result['b_peak_kib'] / 1024:.0f} MiB")
            print(f"  ratio (median of pairs): {result['ratio_median']:.2f}x  (target <= 1.5x: {verdict})")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
