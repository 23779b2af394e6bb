"""What loading and validating the policy adds to a run, and what the fast schema path saves.

Whole fresh processes, run alternately (paired) so machine noise hits both sides alike:

  base      imports what `check` imports anyway (policy loader, rule registry, catalog); loads no policy
  fast      base + policy.load(<the design's full policy>), valid, so jsonschema is never imported
  full      the same load with the fast path switched off: jsonschema (Draft 2020-12) validates

Usage: python3 benchmarks/policy_load.py [--runs N] [--policy FILE]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import timeit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import REPO, python, run_once, stamp

BASE = "import layergate.policy_load, layergate.checks, layergate.catalog as c; layergate.checks.all_rules(); c.load()"
LOAD = "; from layergate import policy; policy.load({path!r})"
NO_FAST = "; import layergate.schema_subset as s; s.conforms = lambda *a: False"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--policy", default=os.path.join(REPO, "tests", "fixtures", "policy", "full.yaml"))
    args = ap.parse_args()
    sys.path.insert(0, REPO)
    os.environ["PYTHONPATH"] = REPO

    base = [python(), "-c", BASE]
    fast = [python(), "-c", BASE + LOAD.format(path=args.policy)]
    full = [python(), "-c", BASE + NO_FAST + LOAD.format(path=args.policy)]

    print(f"# policy load benchmark, {stamp()}, {args.runs} paired runs, policy {os.path.relpath(args.policy)}")
    for label, a, b in (("loading the policy (fast path) adds", fast, base),
                        ("validating with jsonschema instead costs", full, fast)):
        ta, tb, diffs = [], [], []
        for _ in range(args.runs):
            x, _rss = run_once(a, ok=(0,))
            y, _rss = run_once(b, ok=(0,))
            ta.append(x)
            tb.append(y)
            diffs.append(x - y)
        print(f"{label} {statistics.median(diffs) * 1000:6.1f} ms (median of paired differences; "
              f"wholes {statistics.median(ta) * 1000:.0f} vs {statistics.median(tb) * 1000:.0f} ms)")

    from layergate import policy

    warm = timeit.repeat(lambda: policy.load(args.policy), number=20, repeat=5)
    print(f"warm in-process load(): {statistics.median(warm) / 20 * 1000:.2f} ms")


if __name__ == "__main__":
    main()
