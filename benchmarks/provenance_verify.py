"""Benchmark: offline verification of one real Sigstore bundle (the provenance check of one layer version).

Times ``layergate.provenance.assess.assess`` on tests/fixtures/provenance's PyPI bundle, in-process after a
warm-up (the first call also imports sigstore and loads its trusted root), and the import plus first call in a
fresh process, which is what a ``verify --provenance`` run pays once.

    python3 benchmarks/provenance_verify.py [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
ARTIFACT = os.path.join(REPO, "tests", "fixtures", "provenance", "pypi_attestation_models-0.0.4a2.tar.gz")
FIRST = (
    "import time; t = time.perf_counter()\n"
    "from layergate.policy import ProvenanceExpectation\n"
    "from layergate.provenance import assess, statement\n"
    f"a = {ARTIFACT!r}\n"
    "v = assess.assess([a + '.sigstore.json'], statement.file_digests(a), "
    "ProvenanceExpectation(repository='trailofbits/*'))\n"
    "assert v.ok, v\n"
    "print(time.perf_counter() - t)\n"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    from layergate.policy import ProvenanceExpectation
    from layergate.provenance import assess, statement

    digests = statement.file_digests(ARTIFACT)
    expected = ProvenanceExpectation(repository="trailofbits/*")
    assess.assess([ARTIFACT + ".sigstore.json"], digests, expected)  # warm-up
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        verdict = assess.assess([ARTIFACT + ".sigstore.json"], digests, expected)
        times.append(time.perf_counter() - t)
        assert verdict.ok, verdict
    env = {**os.environ, "PYTHONPATH": REPO}
    first = [float(subprocess.run([sys.executable, "-c", FIRST], env=env, capture_output=True, text=True,
                                  check=True).stdout) for _ in range(5)]
    print(f"per bundle (warm, median of {runs}): {statistics.median(times) * 1000:.1f} ms")
    print(f"first bundle in a fresh process, imports included (median of 5): {statistics.median(first) * 1000:.0f} ms")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
