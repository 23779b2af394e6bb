"""`layergate upgrade` over a link with 50 ms of latency per request, and `--apply` on a large template.

Part 1, discovery: 40 distinct layers of three versions each, referenced 200 times (every reference at
version 1) over two regions. A proxy in front of a moto server process sleeps LATENCY seconds before each
request and answers ListLayerVersions with AccessDenied, as AWS does for a vendor's layer, so every layer
is probed with GetLayerVersion upward (versions 2 and 3, then the probe window). It times one whole
``layergate upgrade --no-diff`` process with the default pool, and the same command with ``--jobs 1``
(the very same requests, one after another). The ratio is the speed-up of concurrent, de-duplicated
discovery over sequential calls.

Part 2, ``--apply``: the 3,000-function template of gen_sam.py (9,000 layer references), its layers
published in moto (no added latency), timed as one whole ``layergate upgrade --apply --no-diff`` process:
scanning, discovery, the rewrite of every reference and the policy record.

Usage: python3 benchmarks/upgrade_latency.py [--layers 40] [--refs 200] [--latency 0.05] [--runs 3]
                                             [--functions 3000]
Everything it starts (moto, the proxy) stops when it ends.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from gen_sam import yaml_template  # noqa: E402
from lock_latency import ACCOUNT, ENV, REPO, Answer, DelayProxy, Forward, start_moto, stop_servers  # noqa: E402

REGIONS = ("us-east-1", "eu-west-1")
POLICY = f'version: 1\nregions: [{", ".join(REGIONS)}]\npublishers:\n  - account: "{ACCOUNT}"\n    name: bench\n'


def vendor_like(method: str, path: str, headers: dict[str, str], body: bytes | None, forward: Forward) -> Answer:
    """ListLayerVersions refused (the caller does not own a vendor's layer); everything else forwarded."""
    if method == "GET" and path.split("?")[0].endswith("/versions"):
        doc = json.dumps({"Type": "User", "Message": "not authorized to perform: lambda:ListLayerVersions"})
        return 403, [("x-amzn-ErrorType", "AccessDeniedException"), ("Content-Type", "application/json")], \
            doc.encode()
    return forward(method, path, headers, body)


def publish(moto: str, names: list[tuple[str, str]], versions: int) -> None:
    import boto3

    clients = {r: boto3.client("lambda", region_name=r, endpoint_url=moto, aws_access_key_id="testing",
                               aws_secret_access_key="testing") for r in REGIONS}
    for region, name in names:
        for v in range(versions):
            clients[region].publish_layer_version(LayerName=name, Content={"ZipFile": f"{name} {v}".encode()},
                                                  CompatibleRuntimes=["python3.12"])


def discovery_repo(root: str, layers: int, refs: int) -> None:
    os.makedirs(os.path.join(root, ".git"), exist_ok=True)
    lines = ['AWSTemplateFormatVersion: "2010-09-09"', "Resources:"]
    for i in range(refs):
        n = i % layers
        arn = f"arn:aws:lambda:{REGIONS[n % 2]}:{ACCOUNT}:layer:bench-upgrade-{n:03d}:1"
        lines += [f"  Fn{i:04d}:", "    Type: AWS::Lambda::Function", "    Properties:", "      Runtime: python3.12",
                  "      Handler: app.handler", f"      Role: arn:aws:iam::{ACCOUNT}:role/fn",
                  '      Code: {ZipFile: "pass"}', "      Layers:", f"        - {arn}"]
    with open(os.path.join(root, "template.yaml"), "w") as fh:
        fh.write("\n".join(lines) + "\n")
    with open(os.path.join(root, ".layergate.yaml"), "w") as fh:
        fh.write(POLICY + "layers: []\n")


def timed(root: str, args: list[str], cpu: list[float] | None = None) -> float:
    """Wall time of one whole ``layergate upgrade`` process; its CPU time (user + system) appended to ``cpu``."""
    env = {**os.environ, **ENV, "PYTHONPATH": REPO}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "layergate", "upgrade", *args], cwd=root, env=env,
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cpu is not None:
        cpu.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    if done.returncode != 0:
        raise SystemExit(f"upgrade {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=40)
    parser.add_argument("--refs", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to each request")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--functions", type=int, default=3000)
    args = parser.parse_args()
    moto, url = start_moto()
    proxy = None
    work = tempfile.mkdtemp(prefix="lg-upgrade-bench-")
    result: dict[str, Any] = {}
    try:
        publish(url, [(REGIONS[n % 2], f"bench-upgrade-{n:03d}") for n in range(args.layers)], 3)
        proxy = DelayProxy(url, args.latency, vendor_like)
        root = os.path.join(work, "discovery")
        discovery_repo(root, args.layers, args.refs)
        pooled, sequential = [], []
        for _ in range(args.runs):
            pooled.append(timed(root, ["--no-diff", "--endpoint-url", proxy.url]))
            sequential.append(timed(root, ["--no-diff", "--jobs", "1", "--endpoint-url", proxy.url]))
        result["discovery"] = {
            "layers": args.layers, "references": args.refs, "latency_s": args.latency,
            "pooled_median_s": round(statistics.median(pooled), 2),
            "sequential_median_s": round(statistics.median(sequential), 2),
            "speedup": round(statistics.median(s / p for s, p in zip(sequential, pooled, strict=True)), 1),
        }
        # Part 2: gen_sam's template, its vendor accounts replaced by the caller's (moto answers the caller's).
        publish(url, [("us-east-1", "Datadog-Extension")], 60)
        publish(url, [("us-east-1", "AWSLambdaPowertoolsPythonV3-python312-x86_64")], 8)
        big = os.path.join(work, "apply")
        os.makedirs(os.path.join(big, ".git"))
        text = yaml_template(args.functions).replace("464622532012", ACCOUNT).replace("017000801446", ACCOUNT)
        applied, applied_cpu = [], []
        for _ in range(args.runs):
            with open(os.path.join(big, "template.yaml"), "w") as fh:
                fh.write(text)
            with open(os.path.join(big, ".layergate.yaml"), "w") as fh:
                fh.write(POLICY.replace(f"[{', '.join(REGIONS)}]", "[us-east-1]") + "layers: []\n")
            applied.append(timed(big, ["--apply", "--no-diff", "--endpoint-url", url], applied_cpu))
        with open(os.path.join(big, "template.yaml")) as fh:
            after = fh.read()
        assert after.count("Datadog-Extension:60\n") == args.functions, "every reference moved"
        result["apply"] = {"functions": args.functions, "references": 3 * args.functions,
                           "template_bytes": len(text), "median_s": round(statistics.median(applied), 2),
                           "max_s": round(max(applied), 2), "cpu_median_s": round(statistics.median(applied_cpu), 2)}
    finally:
        stop_servers(moto, proxy)
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
