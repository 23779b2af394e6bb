"""`layergate inventory --org` of 20 accounts x 2 regions x 250 functions, with 50 ms added to every request.

moto runs as its own server process and the threaded delay proxy of ``lock_latency`` sits in front of it
(every request waits LATENCY seconds before it is forwarded), as a stand-in for the round trip to AWS.
The organization: a management account (the caller) and 19 member accounts created through
Organizations; in each account and region two layers (3 and 2 versions) and 250 functions, each loading
one or two of those layer versions. Then, through the proxy:

- ``layergate inventory --org --regions R1,R2`` as a whole process (start-up, assuming a role in each
  member account, listing every account and region, describing every distinct layer version and its
  policy, listing the versions of every layer in use, running the rules over 10,000 functions, writing
  JSON), with ``--jobs`` concurrent requests;
- the same requests made one after another by a plain boto3 loop in its own process (only the loop is
  timed, not the interpreter start-up, which favours the loop). The proxy counts requests, and the two
  counts must be equal: the comparison is between the same calls.

moto answers ListFunctions with every function at once, whatever MaxItems says; Lambda answers at most 50
per page, with a NextMarker. By default the proxy pages moto's answer the way Lambda does (``LambdaPages``:
the first page asks moto, the following pages of the same listing are cut from that answer), so both runs
page through ListFunctions as they would against AWS (5 requests for 250 functions); ``--moto-pages``
leaves moto's single page alone.

Usage: python3 benchmarks/inventory_latency.py [--accounts 20] [--functions 250] [--latency 0.05] [--runs 3]
       [--jobs 16] [--moto-pages]
Everything it starts (moto, the proxy) stops when it ends; it gives up after --timeout seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from lock_latency import DelayProxy, start_moto, stop_servers  # noqa: E402  (the shared proxy and moto launcher)

REPO = os.path.dirname(HERE)
OUT = os.path.join(HERE, "out")
REGIONS = ("eu-west-1", "us-east-2")
MANAGEMENT = "100000000001"
BASE_ENV = {"AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}


def _client(service: str, url: str, region: str = "us-east-1", **creds: str) -> Any:
    import boto3

    keys = creds or {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    return boto3.client(service, region_name=region, endpoint_url=url, **keys)


def _assume(url: str, account: str, role: str) -> dict[str, str]:
    c = _client("sts", url).assume_role(RoleArn=f"arn:aws:iam::{account}:role/{role}", RoleSessionName="bench")
    c = c["Credentials"]
    return {"aws_access_key_id": c["AccessKeyId"], "aws_secret_access_key": c["SecretAccessKey"],
            "aws_session_token": c["SessionToken"]}


def build(url: str, accounts: int, functions: int) -> dict[str, str]:
    """The organization; returns the management account's credentials as environment variables."""
    mgmt = _assume(url, MANAGEMENT, "auditor")
    org = _client("organizations", url, **mgmt)
    org.create_organization(FeatureSet="ALL")
    ids = [MANAGEMENT] + [
        org.create_account(Email=f"team{i}@example.com", AccountName=f"team-{i:02d}")["CreateAccountStatus"]["AccountId"]
        for i in range(1, accounts)
    ]

    def fill(account: str, region: str) -> None:
        creds = _assume(url, account, "setup")
        lam = _client("lambda", url, region, **creds)
        iam = _client("iam", url, region, **creds)
        try:
            role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        except iam.exceptions.EntityAlreadyExistsException:
            role = iam.get_role(RoleName="fn")["Role"]["Arn"]
        versions = {name: [lam.publish_layer_version(LayerName=name, Content={"ZipFile": f"{name} {v}".encode()})
                           ["LayerVersionArn"] for v in range(count)]
                    for name, count in (("team-utils", 3), ("shared-auth", 2))}
        for i in range(functions):
            layers = [versions["team-utils"][i % 3]] + ([versions["shared-auth"][i % 2]] if i % 2 else [])
            lam.create_function(FunctionName=f"fn-{i:03d}", Runtime="python3.12", Role=role, Handler="app.handler",
                                Code={"ZipFile": b"def handler(e, c): pass"}, Layers=layers)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda pair: fill(*pair), [(a, r) for a in ids for r in REGIONS]))
    return {"AWS_ACCESS_KEY_ID": mgmt["aws_access_key_id"], "AWS_SECRET_ACCESS_KEY": mgmt["aws_secret_access_key"],
            "AWS_SESSION_TOKEN": mgmt["aws_session_token"]}


class LambdaPages:
    """Pages moto's ListFunctions answer as Lambda does: at most 50 functions (or MaxItems) and a NextMarker."""

    PAGE = 50

    def __init__(self) -> None:
        self._listings: dict[tuple[str, str], tuple[list[tuple[str, str]], list[Any]]] = {}
        self._lock = threading.Lock()

    def __call__(self, method: str, path: str, headers: dict[str, str], body: bytes | None, forward: Any) -> Any:
        parts = urllib.parse.urlsplit(path)
        if method != "GET" or parts.path.rstrip("/") != "/2015-03-31/functions":
            return forward(method, path, headers, body)
        query = urllib.parse.parse_qs(parts.query)
        marker = query.get("Marker", [""])[0]
        size = min(int(query.get("MaxItems", [str(self.PAGE)])[0]), self.PAGE)
        scope = re.search(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/", headers.get("Authorization", ""))
        key = (scope.group(0) if scope else "", query.get("FunctionVersion", [""])[0])
        if not marker or key not in self._listings:
            rest = urllib.parse.urlencode([(k, v) for k, vs in query.items() for v in vs if k not in ("Marker", "MaxItems")])
            status, answer_headers, data = forward(method, parts.path + (f"?{rest}" if rest else ""), headers, body)
            if status != 200:
                return status, answer_headers, data
            with self._lock:
                self._listings[key] = (answer_headers, json.loads(data)["Functions"])
        answer_headers, functions = self._listings[key]
        start = int(marker or 0)
        page: dict[str, Any] = {"Functions": functions[start:start + size]}
        if start + size < len(functions):
            page["NextMarker"] = str(start + size)
        return 200, answer_headers, json.dumps(page).encode()


def time_inventory(endpoint: str, creds: dict[str, str], jobs: int, out_file: str) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of the whole inventory process."""
    env = {**os.environ, **BASE_ENV, **creds, "PYTHONPATH": REPO}
    cpu_before = _children_cpu()
    start = time.perf_counter()
    with open(out_file, "w") as fh:
        done = subprocess.run([sys.executable, "-m", "layergate", "inventory", "--org", "--regions", ",".join(REGIONS),
                               "--endpoint-url", endpoint, "--jobs", str(jobs), "--format", "json", "--quiet"],
                              env=env, stdout=fh, stderr=subprocess.PIPE, text=True, cwd=OUT)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"inventory failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed, _children_cpu() - cpu_before


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


SEQUENTIAL = """
import json, sys, time, boto3
url, regions = sys.argv[1], sys.argv[2].split(",")
def client(service, region="us-east-1", **creds):
    return boto3.client(service, region_name=region, endpoint_url=url, **creds)
start = time.perf_counter()
me = client("sts").get_caller_identity()["Account"]
org = client("organizations")
org.describe_organization()
accounts = [a["Id"] for page in org.get_paginator("list_accounts").paginate(PaginationConfig={"PageSize": 20})
            for a in page["Accounts"] if a["Status"] == "ACTIVE"]
creds = {me: {}}
for account in accounts:
    if account != me:
        c = client("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
                                      RoleSessionName="layergate-inventory", DurationSeconds=3600)["Credentials"]
        creds[account] = dict(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                              aws_session_token=c["SessionToken"])
lambdas = {(a, r): client("lambda", r, **creds[a]) for a in accounts for r in regions}
used = {}
for (account, region), lam in lambdas.items():
    for page in lam.get_paginator("list_functions").paginate():
        for fn in page["Functions"]:
            for layer in fn.get("Layers", []):
                used[layer["Arn"]] = account
    for page in lam.get_paginator("list_layers").paginate():
        pass
layers = {}
for arn in used:
    layer, version = arn.rsplit(":", 1)
    owner, region = arn.split(":")[4], arn.split(":")[3]
    lam = lambdas[(owner, region)]
    lam.get_layer_version(LayerName=layer, VersionNumber=int(version))
    try:
        lam.get_layer_version_policy(LayerName=layer, VersionNumber=int(version))
    except lam.exceptions.ResourceNotFoundException:
        pass
    layers[layer] = (lam, layer.split(":")[-1])
for lam, name in layers.values():
    for page in lam.get_paginator("list_layer_versions").paginate(LayerName=name):
        pass
print(time.perf_counter() - start)
"""


def time_sequential(endpoint: str, creds: dict[str, str]) -> float:
    env = {**os.environ, **BASE_ENV, **creds}
    done = subprocess.run([sys.executable, "-c", SEQUENTIAL, endpoint, ",".join(REGIONS)], env=env,
                          capture_output=True, text=True, check=True)
    return float(done.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=20, help="accounts in the organization, management included")
    parser.add_argument("--functions", type=int, default=250, help="functions per account and region")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to each request")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=16, help="inventory --jobs")
    parser.add_argument("--moto-pages", action="store_true", help="leave moto's one-page ListFunctions answer alone")
    parser.add_argument("--timeout", type=int, default=1800, help="give up after this many seconds")
    args = parser.parse_args()
    signal.alarm(args.timeout)
    os.makedirs(OUT, exist_ok=True)
    os.environ.update(BASE_ENV)
    moto, moto_url = start_moto()
    proxy = None
    try:
        t = time.perf_counter()
        creds = build(moto_url, args.accounts, args.functions)
        print(f"organization built in {time.perf_counter() - t:.0f} s", flush=True)
        proxy = DelayProxy(moto_url, args.latency, None if args.moto_pages else LambdaPages())
        out_file = os.path.join(OUT, "inventory_latency.inventory.json")
        inv_times, inv_cpu, seq_times = [], [], []
        for run in range(args.runs):
            before = proxy.requests
            wall, cpu = time_inventory(proxy.url, creds, args.jobs, out_file)
            inv_times.append(wall)
            inv_cpu.append(cpu)
            inv_requests = proxy.requests - before
            with open(out_file) as fh:
                doc = json.load(fh)
            functions = doc["summary"]["functions"]
            assert functions == args.accounts * len(REGIONS) * args.functions, functions
            assert doc["complete"], doc["not_covered"]
            before = proxy.requests
            seq_times.append(time_sequential(proxy.url, creds))
            seq_requests = proxy.requests - before
            assert seq_requests == inv_requests, (seq_requests, inv_requests)
            print(f"run {run + 1}: inventory {inv_times[-1]:.2f} s ({inv_cpu[-1]:.2f} s CPU), sequential "
                  f"{seq_times[-1]:.2f} s ({inv_requests} requests each, {functions} functions), load average "
                  f"{os.getloadavg()[0]:.1f}", flush=True)
        result = {
            "accounts": args.accounts, "regions": len(REGIONS), "functions_per_region": args.functions,
            "functions": functions, "requests": inv_requests, "latency_s": args.latency, "jobs": args.jobs,
            "list_functions_page": "all (moto)" if args.moto_pages else LambdaPages.PAGE, "runs": args.runs,
            "inventory_median_s": round(statistics.median(inv_times), 3),
            "inventory_cpu_median_s": round(statistics.median(inv_cpu), 3),
            "sequential_median_s": round(statistics.median(seq_times), 3),
            "speedup_median": round(statistics.median(s / t for s, t in zip(seq_times, inv_times, strict=True)), 2),
            "cpus": os.cpu_count(),
            "load_average_1min_at_end": round(os.getloadavg()[0], 2),
        }
        name = "inventory_latency.moto_pages.json" if args.moto_pages else "inventory_latency.json"
        with open(os.path.join(OUT, name), "w") as fh:
            json.dump(result, fh, indent=2)
        print(json.dumps(result, indent=2))
    finally:
        stop_servers(moto, proxy)


if __name__ == "__main__":
    main()
