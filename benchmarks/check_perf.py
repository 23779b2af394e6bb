"""`layergate check` as a whole process against its floors and neighbours.

1. A generated SAM template with 3,000 functions (literal vendor layer, `!Sub` over the region, `!Ref` to an
   internal layer): layergate vs. a Python process that only runs yaml.compose(f, Loader=yaml.CSafeLoader).
   Target: median of paired runs <= 1.0x, passing or failing; peak memory <= 3x.
2. A one-function template: layergate vs. cfn-lint on the same file, and beside `python -c pass` (the floor on
   a shared machine). Target: >= 10x faster than cfn-lint, and under 0.08 s whole process.

layergate runs as installed: its modules are byte-compiled first (pip does that on install; without it,
every run of a source checkout under PYTHONDONTWRITEBYTECODE compiles ~100 modules again, about 50 ms).
``--source-only`` measures that case instead.

    python3 benchmarks/check_perf.py [--runs 7] [--functions 3000] [--source-only]
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import subprocess
import sys

from common import OUT, REPO, paired, python, stamp

HERE = os.path.dirname(os.path.abspath(__file__))

# Every layer version gen_sam.py writes, reviewed, in the one region its literal ARNs fit: the everyday
# case, where the gate passes.
REVIEWED = """\
version: 1
regions: [us-east-1]
publishers:
  - vendor: datadog
  - vendor: powertools-python
layers:
""" + "".join(
    f"""  - arn: arn:aws:lambda:us-east-1:{arn}
    sha256: {"ab" * 32}
    reviewed_by: bench
    reviewed_at: 2026-11-01
    extension: {"true" if "Extension" in arn else "false"}
"""
    for arn in [f"464622532012:layer:Datadog-Extension:{v}" for v in range(50, 60)]
    + [f"017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:{v}" for v in range(1, 8)]
)

# Two regions and nothing reviewed: every entry fails (LG105, LG301, LG401), the most work for rules and output.
POLICY = """\
version: 1
regions: [us-east-1, eu-west-1]
publishers:
  - vendor: datadog
  - vendor: powertools-python
"""

ONE_FUNCTION = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Layers:
        - arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:56
"""

COMPOSE_ONLY = "import sys, yaml\nwith open(sys.argv[1]) as f:\n    yaml.compose(f, Loader=yaml.CSafeLoader)\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--functions", type=int, default=3000)
    parser.add_argument("--source-only", action="store_true",
                        help="do not byte-compile layergate first (a source checkout under PYTHONDONTWRITEBYTECODE)")
    args = parser.parse_args()
    package = os.path.join(REPO, "layergate")
    if args.source_only:
        for folder, dirs, _ in os.walk(package):
            if "__pycache__" in dirs:
                shutil.rmtree(os.path.join(folder, "__pycache__"))
    else:
        compileall.compile_dir(package, quiet=1)
    work = os.path.join(OUT, "check")
    os.makedirs(work, exist_ok=True)
    reviewed = os.path.join(work, "reviewed.layergate.yaml")
    unreviewed = os.path.join(work, "unreviewed.layergate.yaml")
    with open(reviewed, "w") as fh:
        fh.write(REVIEWED)
    with open(unreviewed, "w") as fh:
        fh.write(POLICY)
    big = os.path.join(work, "big.yaml")
    subprocess.run([python(), os.path.join(HERE, "gen_sam.py"), "--functions", str(args.functions), big], check=True)
    small = os.path.join(work, "one.yaml")
    with open(small, "w") as fh:
        fh.write(ONE_FUNCTION)

    how = "from source, no bytecode" if args.source_only else "byte-compiled, as installed"
    print(f"# check_perf {stamp()}  python {sys.version.split()[0]}  {os.cpu_count()} cores  layergate {how}")
    size = os.path.getsize(big) / 1e6
    compose = [python(), "-c", COMPOSE_ONLY, big]
    for label, policy in (("all layers reviewed (1 finding)", reviewed), ("nothing reviewed (15,001 findings)", unreviewed)):
        layergate = [python(), "-m", "layergate", "check", "--quiet", "--policy", policy]
        r = paired([*layergate, big], compose, args.runs)
        print(f"{args.functions}-function SAM template ({size:.1f} MB), {label}, {args.runs} paired runs:")
        print(f"  layergate check     median {r['a_median_s']:.3f} s   peak {r['a_peak_kib'] / 1024:.0f} MiB")
        print(f"  yaml.compose only   median {r['b_median_s']:.3f} s   peak {r['b_peak_kib'] / 1024:.0f} MiB")
        print(f"  time ratio (median of pairs) {r['ratio_median']:.2f}x  (target <= 1.0x)")
        print(f"  memory ratio {r['a_peak_kib'] / r['b_peak_kib']:.2f}x  (target <= 3x)")
    layergate = [python(), "-m", "layergate", "check", "--quiet", "--policy", reviewed]

    cfn_lint = shutil.which("cfn-lint")
    if cfn_lint is None:
        print("cfn-lint not installed: one-function comparison skipped")
        return
    runs = max(3, args.runs // 2)
    r = paired([cfn_lint, small], [*layergate, small], runs)
    print(f"one-function template, {runs} paired runs:")
    print(f"  cfn-lint            median {r['a_median_s']:.3f} s")
    print(f"  layergate check     median {r['b_median_s']:.3f} s   min {r['b_min_s']:.3f} s")
    print(f"  speed-up (median of pairs) {r['ratio_median']:.1f}x  (target >= 10x; layergate under 0.08 s)")
    # The floor on a shared machine: an interpreter that does nothing, timed the same way beside layergate.
    floor = paired([python(), "-c", "pass"], [*layergate, small], max(runs, 9))
    print(f"one-function template against the bare interpreter, {max(runs, 9)} paired runs:")
    print(f"  python -c pass      median {floor['a_median_s']:.3f} s   min {floor['a_min_s']:.3f} s")
    print(f"  layergate check     median {floor['b_median_s']:.3f} s   min {floor['b_min_s']:.3f} s")


if __name__ == "__main__":
    main()
