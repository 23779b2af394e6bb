"""Helpers shared by the benchmark scripts: paired whole-process timing and peak memory."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
OUT = os.path.join(HERE, "out")


def run_once(cmd: Sequence[str], ok: Sequence[int] = (0, 1)) -> tuple[float, int]:
    """Wall time (s) and peak RSS (KiB) of one whole process, measured from a fresh wrapper process."""
    wrapper = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode\n"
        "dt = time.perf_counter() - t\n"
        "print(rc, dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    out = subprocess.run([sys.executable, "-c", wrapper, *cmd], capture_output=True, text=True, check=True)
    rc_s, dt_s, rss_s = out.stdout.split()
    if int(rc_s) not in ok:
        raise SystemExit(f"{' '.join(cmd)} exited {rc_s}")
    return float(dt_s), int(rss_s)


def paired(a: Sequence[str], b: Sequence[str], runs: int) -> dict[str, float]:
    """Run a and b alternately ``runs`` times; medians (and minimums) of each and the median per-pair ratio a/b."""
    ta: list[float] = []
    tb: list[float] = []
    ma: list[int] = []
    mb: list[int] = []
    for _ in range(runs):
        t, m = run_once(a)
        ta.append(t)
        ma.append(m)
        t, m = run_once(b)
        tb.append(t)
        mb.append(m)
    return {
        "a_median_s": statistics.median(ta),
        "b_median_s": statistics.median(tb),
        "a_min_s": min(ta),
        "b_min_s": min(tb),
        "ratio_median": statistics.median(x / y for x, y in zip(ta, tb, strict=True)),
        "a_peak_kib": max(ma),
        "b_peak_kib": max(mb),
    }


def python() -> str:
    return sys.executable


def stamp() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S")
