"""`layergate lock` of 500 distinct layer versions over a link with 50 ms of latency per request.

Real AWS answers GetLayerVersion after a network round trip, which a loopback endpoint does not have.
This script adds one: moto runs as its own server process, and a small threaded proxy in front of it
sleeps LATENCY seconds before forwarding each request. It then times, through that proxy:

- ``layergate lock`` (a whole process: start-up, scanning the templates, every GetLayerVersion through
  the bounded pool, writing 500 entries into the policy) on a repository referencing 500 versions;
- the same 500 ``get_layer_version`` calls made one after another by a plain boto3 loop in its own
  process (only the loop is timed, not the interpreter start-up, which favours the loop).

moto keeps each account's layers apart and answers from the caller's account only, so all 500 versions
are published by the caller's account, spread over five regions (one client per region, as lock does).

Usage: python3 benchmarks/lock_latency.py [--versions 500] [--latency 0.05] [--runs 3] [--jobs 16]
Everything it starts (moto, the proxy) stops when it ends; it gives up after --timeout seconds.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
OUT = os.path.join(HERE, "out")
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2")
ACCOUNT = "123456789012"  # moto's account for the plain test keys
ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "proxy-connection"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


Answer = tuple[int, list[tuple[str, str]], bytes]
Forward = Callable[[str, str, dict[str, str], "bytes | None"], Answer]
Respond = Callable[[str, str, dict[str, str], "bytes | None", Forward], Answer]


class DelayProxy:
    """Forwards every request to ``upstream`` after sleeping ``latency`` seconds (one thread per connection)."""

    def __init__(self, upstream: str, latency: float, respond: Respond | None = None) -> None:
        """``respond(method, path, headers, body, forward)``, when given, answers each request (after the delay)
        and may call ``forward`` (same arguments but the last) to ask upstream; it returns (status, headers, body)."""
        target = urllib.parse.urlsplit(upstream)
        local = threading.local()
        self.requests = 0
        counter = threading.Lock()
        outer = self

        def forward(method: str, path: str, headers: dict[str, str], body: bytes | None) -> Answer:
            conn = getattr(local, "conn", None)
            if conn is None:
                conn = local.conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                return resp.status, resp.getheaders(), resp.read()
            except (OSError, http.client.HTTPException):
                local.conn = None
                raise

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                with counter:
                    outer.requests += 1
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                time.sleep(latency)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
                if respond is None:
                    status, answer_headers, data = forward(self.command, self.path, headers, body)
                else:
                    status, answer_headers, data = respond(self.command, self.path, headers, body, forward)
                self.send_response(status)
                for k, v in answer_headers:
                    if k.lower() not in _HOP:
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _forward

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 128

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def start_moto() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("moto server did not start")


def stop_servers(moto: subprocess.Popen[bytes], proxy: DelayProxy | None) -> None:
    """Stop the proxy (when started) and the moto server process that start_moto() launched."""
    if proxy is not None:
        proxy.stop()
    moto.terminate()
    try:
        moto.wait(timeout=10)
    except subprocess.TimeoutExpired:
        moto.kill()


def publish(moto: str, count: int) -> list[str]:
    """``count`` layer versions of the caller's account over REGIONS; returns their ARNs."""
    import boto3

    clients = {r: boto3.client("lambda", region_name=r, endpoint_url=moto, **_keys()) for r in REGIONS}
    arns = []
    for i in range(count):
        region = REGIONS[i % len(REGIONS)]
        name = f"bench-{i // (len(REGIONS) * 10):03d}"
        answer = clients[region].publish_layer_version(
            LayerName=name, Content={"ZipFile": f"layer {i}".encode()}, CompatibleRuntimes=["python3.12"]
        )
        arns.append(answer["LayerVersionArn"])
    return arns


def _keys() -> dict[str, str]:
    return {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def write_repo(root: str, arns: list[str]) -> None:
    """Templates with functions of five layers each, referencing every ARN once, and an empty policy."""
    os.makedirs(os.path.join(root, ".git"), exist_ok=True)
    per_template = 50
    for t in range(0, len(arns), per_template * 5):
        lines = ['AWSTemplateFormatVersion: "2010-09-09"', "Resources:"]
        chunk = arns[t:t + per_template * 5]
        for f in range(0, len(chunk), 5):
            lines += [f"  Fn{f // 5}:", "    Type: AWS::Lambda::Function", "    Properties:",
                      "      Runtime: python3.12", "      Handler: app.handler",
                      f"      Role: arn:aws:iam::{ACCOUNT}:role/fn", '      Code: {ZipFile: "pass"}', "      Layers:"]
            lines += [f"        - {arn}" for arn in chunk[f:f + 5]]
        with open(os.path.join(root, f"stack{t // (per_template * 5)}.yaml"), "w") as fh:
            fh.write("\n".join(lines) + "\n")
    reset_policy(root)


def reset_policy(root: str) -> None:
    with open(os.path.join(root, ".layergate.yaml"), "w") as fh:
        fh.write("version: 1\nlayers: []\n")


def time_lock(root: str, endpoint: str, jobs: int) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one whole ``layergate lock`` process."""
    reset_policy(root)
    env = {**os.environ, **ENV, "PYTHONPATH": REPO}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "layergate", "lock", "-q", "--jobs", str(jobs),
                           "--endpoint-url", endpoint], cwd=root, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"lock failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


SEQUENTIAL = """
import json, sys, time, boto3
arns = json.load(open(sys.argv[1]))
clients = {}
for arn in arns:
    region = arn.split(":")[3]
    if region not in clients:
        clients[region] = boto3.client("lambda", region_name=region, endpoint_url=sys.argv[2])
start = time.perf_counter()
for arn in arns:
    layer, version = arn.rsplit(":", 1)
    clients[arn.split(":")[3]].get_layer_version(LayerName=layer, VersionNumber=int(version))
print(time.perf_counter() - start)
"""


def time_sequential(arns_file: str, endpoint: str) -> float:
    env = {**os.environ, **ENV}
    done = subprocess.run([sys.executable, "-c", SEQUENTIAL, arns_file, endpoint], env=env,
                          capture_output=True, text=True, check=True)
    return float(done.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to each request")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=16, help="lock --jobs")
    parser.add_argument("--timeout", type=int, default=900, help="give up after this many seconds")
    args = parser.parse_args()
    signal.alarm(args.timeout)  # a bounded run: SIGALRM ends the script, and the finally below cleans up
    os.environ.update(ENV)
    moto, moto_url = start_moto()
    root = tempfile.mkdtemp(prefix="layergate-lock-bench-")
    proxy = None
    try:
        arns = publish(moto_url, args.versions)
        assert len(set(arns)) == args.versions
        write_repo(root, arns)
        arns_file = os.path.join(root, "arns.json")
        with open(arns_file, "w") as fh:
            json.dump(arns, fh)
        proxy = DelayProxy(moto_url, args.latency)
        lock_times, lock_cpu, seq_times = [], [], []
        for run in range(args.runs):
            before = proxy.requests
            wall, cpu = time_lock(root, proxy.url, args.jobs)
            lock_times.append(wall)
            lock_cpu.append(cpu)
            lock_requests = proxy.requests - before
            with open(os.path.join(root, ".layergate.yaml")) as fh:
                recorded = fh.read().count("- arn: ")
            assert recorded == args.versions, f"lock recorded {recorded} entries"
            seq_times.append(time_sequential(arns_file, proxy.url))
            print(f"run {run + 1}: lock {wall:.2f} s ({lock_requests} requests, {cpu:.2f} s CPU), "
                  f"sequential get_layer_version {seq_times[-1]:.2f} s, load average {os.getloadavg()[0]:.1f}",
                  flush=True)
        result = {
            "versions": args.versions,
            "latency_s": args.latency,
            "jobs": args.jobs,
            "runs": args.runs,
            "lock_median_s": round(statistics.median(lock_times), 3),
            "lock_cpu_median_s": round(statistics.median(lock_cpu), 3),
            "sequential_median_s": round(statistics.median(seq_times), 3),
            "speedup_median": round(statistics.median(s / t for s, t in zip(seq_times, lock_times, strict=True)), 2),
            "cpus": os.cpu_count(),
            "load_average_1min_at_end": round(os.getloadavg()[0], 2),
        }
        os.makedirs(OUT, exist_ok=True)
        with open(os.path.join(OUT, "lock_latency.json"), "w") as fh:
            json.dump(result, fh, indent=2)
        print(json.dumps(result, indent=2))
    finally:
        stop_servers(moto, proxy)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
