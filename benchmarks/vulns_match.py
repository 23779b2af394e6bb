"""Benchmark: known-vulnerability matching, offline and through the OSV API.

Offline: a 20,000-package inventory (PyPI, npm and Maven, a third each) matched against a 200,000-record
offline database laid out as OSV publishes it (one zip of JSON records per ecosystem), in one whole
process: reading every record of the archives, parsing those that name an inventory package, evaluating
their ranges with each ecosystem's ordering, merging aliases. Target: under 10 s. Peak RSS is reported.

API: the same client `inspect --vulns` uses, against a loopback server that answers like the OSV API
(tests/osv_server.py) and waits 50 ms before every answer: 2,000 packages with 400 distinct advisories,
sequential (one request at a time) against the default concurrency. Target: at least 8x faster.

    python3 benchmarks/vulns_match.py [--records 200000] [--packages 20000] [--runs 3]

The database is generated once into benchmarks/out/osv-bench/ (deterministic; about 60 MB zipped).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))

from benchmarks.common import OUT  # noqa: E402

ECOSYSTEMS = ("PyPI", "npm", "Maven")
NAMES = 30_000  # distinct package names per ecosystem in the database


def package_name(ecosystem: str, index: int) -> str:
    return f"org.bench{index % 50}:artifact-{index:05d}" if ecosystem == "Maven" else f"bench-pkg-{index:05d}"


def make_record(i: int) -> tuple[str, dict[str, object]]:
    ecosystem = ECOSYSTEMS[i % 3]
    name = package_name(ecosystem, (i * 7919) % NAMES)
    minor = i % 20
    record = {
        "schema_version": "1.6.0", "id": f"BENCH-{ecosystem}-{i:06d}", "modified": "2026-01-02T03:04:05Z",
        "published": "2025-06-07T08:09:10Z", "aliases": [f"CVE-2025-{i:06d}"],
        "summary": f"Denial of service in {name} through crafted input",
        "details": "A crafted request makes the parser loop for a long time. " * 6,
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],
        "affected": [{
            "package": {"ecosystem": ecosystem, "name": name},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": f"1.{minor}.0"}, {"fixed": f"1.{minor + 3}.0"}]}],
            "versions": [f"1.{minor + k // 3}.{k % 3}" for k in range(9)],
            "database_specific": {"source": "benchmark"},
        }],
        "references": [{"type": "ADVISORY", "url": f"https://example.org/advisories/{i}"},
                       {"type": "FIX", "url": f"https://example.org/{name}/commit/{i:040x}"}],
    }
    return str(record["id"]), record


def build_database(directory: str, count: int) -> None:
    marker = os.path.join(directory, f"done-{count}")
    if os.path.exists(marker):
        return
    os.makedirs(directory, exist_ok=True)
    zips = {e: zipfile.ZipFile(os.path.join(directory, f"{e}-all.zip"), "w", zipfile.ZIP_DEFLATED) for e in ECOSYSTEMS}
    for i in range(count):
        vuln_id, record = make_record(i)
        zips[ECOSYSTEMS[i % 3]].writestr(f"{vuln_id}.json", json.dumps(record))
    for zf in zips.values():
        zf.close()
    open(marker, "w").close()


def inventory(count: int) -> list[dict[str, str]]:
    out = []
    for j in range(count):
        ecosystem = ECOSYSTEMS[j % 3]
        name = package_name(ecosystem, (j * 3) % NAMES)
        group, _, artifact = name.rpartition(":")
        out.append({"ecosystem": {"PyPI": "pypi", "npm": "npm", "Maven": "maven"}[ecosystem],
                    "name": artifact, "group": group, "version": f"1.{j % 25}.{j % 4}"})
    return out


def child(database: str, inventory_path: str) -> None:
    """The measured process: read the inventory, match it, print what was found."""
    from layergate.layer.packages import Package
    from layergate.vulns.match import match
    from layergate.vulns.offline import OfflineDatabase

    with open(inventory_path) as fh:
        packages = [Package(p["ecosystem"], p["name"], p["version"], f"pkg/{i}", group=p["group"])
                    for i, p in enumerate(json.load(fh))]
    started = time.perf_counter()
    report = match(packages, OfflineDatabase(database))
    elapsed = time.perf_counter() - started
    found = sum(len(r.vulnerabilities) for r in report.results)
    print(json.dumps({"seconds": elapsed, "vulnerable": len(report.vulnerable), "found": found,
                      "not_matched": len(report.not_matched), "source": report.source}))


def offline(args: argparse.Namespace) -> None:
    directory = os.path.join(OUT, "osv-bench")
    t = time.perf_counter()
    build_database(directory, args.records)
    print(f"database: {args.records:,} records in {directory} ({time.perf_counter() - t:.1f} s to generate)")
    inventory_path = os.path.join(OUT, f"inventory-{args.packages}.json")
    with open(inventory_path, "w") as fh:
        json.dump(inventory(args.packages), fh)
    import subprocess

    detail = subprocess.run([sys.executable, __file__, "--child", directory, inventory_path], capture_output=True,
                            text=True, check=True, env={**os.environ, "PYTHONPATH": os.path.dirname(HERE)})
    print(f"matching {args.packages:,} packages: {detail.stdout.strip()}")
    walls, cpus, rss = [], [], []
    for _ in range(args.runs):
        wall, cpu, peak = timed([sys.executable, __file__, "--child", directory, inventory_path])
        walls.append(wall)
        cpus.append(cpu)
        rss.append(peak)
    # CPU time as well as wall time: on a machine others share, wall time also measures their load.
    print(f"offline, whole process (median of {args.runs}): {statistics.median(walls):.2f} s wall, "
          f"{statistics.median(cpus):.2f} s CPU (user+system), peak RSS {max(rss) / 1024:.0f} MiB; "
          f"runs: {', '.join(f'{w:.2f}' for w in walls)} s wall")


def timed(cmd: list[str]) -> tuple[float, float, int]:
    """Wall time (s), CPU time (s) and peak RSS (KiB) of one whole process."""
    import resource
    import subprocess

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss


def api(args: argparse.Namespace) -> None:
    from osv_server import OsvState, osv_server

    from layergate.vulns.api import OsvApi
    from layergate.vulns.model import Query

    records, affected = {}, {}
    for i in range(args.api_vulns):
        vuln_id, record = make_record(i)
        records[vuln_id] = record
    ids = sorted(records)
    queries = [Query("PyPI", f"api-pkg-{j:05d}", "1.0.0") for j in range(args.api_packages)]
    for j, q in enumerate(queries):
        affected[(q.ecosystem, q.name, q.version)] = [ids[(j * 7) % len(ids)], ids[(j * 13) % len(ids)]]
    state = OsvState(records, affected, page_size=1000)
    state.delay = 0.05
    results = {}
    with osv_server(state) as (url, _):
        for label, jobs in (("sequential", 1), ("concurrent", 16)):
            state.requests.clear()
            started = time.perf_counter()
            found = OsvApi(url, jobs=jobs).find(queries)
            results[label] = time.perf_counter() - started
            assert sum(len(v) for v in found.values()) > 0
            print(f"API {label} (jobs={jobs}): {results[label]:.2f} s, {len(state.requests)} requests")
    import resource

    print(f"API speed-up at +50 ms per request: {results['sequential'] / results['concurrent']:.1f}x "
          f"(target: at least 8x); peak RSS of this process (server and client) "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--packages", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--api-packages", type=int, default=2_000)
    parser.add_argument("--api-vulns", type=int, default=400)
    parser.add_argument("--only", choices=("offline", "api"))
    parser.add_argument("--child", nargs=2, metavar=("DATABASE", "INVENTORY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    print(f"CPUs: {os.cpu_count()}, load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.only != "api":
        offline(args)
    if args.only != "offline":
        api(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
