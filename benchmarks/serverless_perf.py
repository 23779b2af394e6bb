"""`layergate check` on a large Serverless service, against a process that only composes its YAML.

The generated service has N functions, provider layers built from ``${aws:region}`` and ``${param:...}``,
a params block with three stages (so the configuration is evaluated once per stage), per-function layer
lists through ``${self:...}``, and environment variables that are never read. Reported: the median of
paired whole-process runs and peak memory.

    python3 benchmarks/serverless_perf.py [--runs 5] [--functions 1000]
"""

from __future__ import annotations

import argparse
import os
import sys

from common import OUT, paired, python, stamp

POLICY = """\
version: 1
regions: [us-east-1]
publishers:
  - vendor: datadog
"""

COMPOSE_ONLY = "import sys, yaml\nwith open(sys.argv[1]) as f:\n    yaml.compose(f, Loader=yaml.CSafeLoader)\n"


def service(functions: int) -> str:
    lines = [
        "service: bench",
        "provider:",
        "  name: aws",
        "  stage: ${opt:stage, 'dev'}",
        "  region: us-east-1",
        "  layers:",
        "    - arn:aws:lambda:${aws:region}:464622532012:layer:Datadog-Extension:${param:dd}",
        "params:",
        "  default: {dd: 56}",
        "  staging: {dd: 57}",
        "  prod: {dd: 58}",
        "custom:",
        "  sdk: arn:aws:lambda:us-east-1:123456789012:layer:sdk:${param:dd}",
        "functions:",
    ]
    for i in range(functions):
        lines += [f"  fn{i}:", f"    handler: src/fn{i}.handler", "    environment:",
                  "      STAGE: ${sls:stage}", f"      NAME: fn{i}-${{self:service}}"]
        if i % 3 == 0:
            lines += ["    layers:", "      - ${self:custom.sdk}",
                      f"      - arn:aws:lambda:us-east-1:123456789012:layer:tool:{i % 50 + 1}"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--functions", type=int, default=1000)
    args = parser.parse_args()
    work = os.path.join(OUT, "serverless")
    os.makedirs(work, exist_ok=True)
    policy = os.path.join(work, ".layergate.yaml")
    with open(policy, "w") as fh:
        fh.write(POLICY)
    config = os.path.join(work, "serverless.yml")
    with open(config, "w") as fh:
        fh.write(service(args.functions))
    layergate = [python(), "-m", "layergate", "check", "--quiet", "--policy", policy, config]
    print(f"# serverless_perf {stamp()}  python {sys.version.split()[0]}  {os.cpu_count()} cores")
    r = paired(layergate, [python(), "-c", COMPOSE_ONLY, config], args.runs)
    size = os.path.getsize(config) / 1e6
    print(f"{args.functions}-function Serverless service ({size:.2f} MB, 3 stages), {args.runs} paired runs:")
    print(f"  layergate check     median {r['a_median_s']:.3f} s   peak {r['a_peak_kib'] / 1024:.0f} MiB")
    print(f"  yaml.compose only   median {r['b_median_s']:.3f} s   peak {r['b_peak_kib'] / 1024:.0f} MiB")
    print(f"  time ratio (median of pairs) {r['ratio_median']:.2f}x")


if __name__ == "__main__":
    main()
