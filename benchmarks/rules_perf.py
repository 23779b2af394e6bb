"""Time the rules alone (``engine.run_rules``) on the scans of a large generated SAM template.

The parser and the process start are measured by check_perf.py; this isolates what the checks add. The
template comes from gen_sam.py (3 layers per function: literal, ``!Sub`` over the region, internal ``!Ref``),
checked against two regions with a policy that allows Datadog and reviews nothing (every rule runs fully).

    python3 benchmarks/rules_perf.py [--functions 3000] [--runs 7] [--clean] [--internal]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from layergate import catalog  # noqa: E402
from layergate.checks import Context  # noqa: E402
from layergate.engine import run_rules  # noqa: E402
from layergate.model import Location  # noqa: E402
from layergate.policy import OrgInfo, Policy, PublisherAllow, ReviewedLayer  # noqa: E402
from layergate.sources import ParseOptions, cloudformation  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--functions", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--clean",
        action="store_true",
        help="a policy that allows and reviews every layer used (few findings: the common case)",
    )
    parser.add_argument(
        "--internal",
        action="store_true",
        help="count the Powertools account under org.accounts: every function loads an internal layer (LG305)",
    )
    args = parser.parse_args()
    out = os.path.join(HERE, "out", "rules")
    os.makedirs(out, exist_ok=True)
    template = os.path.join(out, "big.yaml")
    subprocess.run(
        [sys.executable, os.path.join(HERE, "gen_sam.py"), "--functions", str(args.functions), template], check=True
    )
    regions = ("us-east-1", "eu-west-1")
    scans = cloudformation.parse(template, ParseOptions(regions=regions))
    refs = sum(len(s.refs) for s in scans)
    where = Location(".layergate.yaml", 3, 5)
    publishers = [PublisherAllow("datadog", None, "Datadog", (), where)]
    layers: list[ReviewedLayer] = []
    if args.clean:
        used = sorted({c.value for s in scans for r in s.refs for c in r.candidates})
        publishers += [PublisherAllow(None, a, a, (), where) for a in sorted({v.split(":")[4] for v in used})]
        layers = [ReviewedLayer(v, "ab" * 32, "alice", dt.date(2026, 11, 2), True, "", where) for v in used]
    org = OrgInfo(None, ("017000801446",) if args.internal else ())
    policy = Policy(path=".layergate.yaml", regions=regions, publishers=tuple(publishers), layers=tuple(layers),
                    org=org)
    ctx = Context(policy, catalog.load(), regions, dt.date(2026, 12, 1))
    wall, cpu = [], []
    for _ in range(args.runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        findings = run_rules(scans, ctx)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    print(f"{args.functions} functions, {refs} layer entries, {len(findings)} findings")
    for name, times in (("wall", wall), ("cpu", cpu)):
        print(
            f"run_rules {name}: median {statistics.median(times) * 1000:.1f} ms, min {min(times) * 1000:.1f} ms"
            f" over {args.runs} runs ({statistics.median(times) / refs * 1e6:.1f} us per entry)"
        )


if __name__ == "__main__":
    main()
