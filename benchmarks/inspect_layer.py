"""Benchmark: `layergate inspect` on a 200 MB (unzipped) layer of 20,000 files, against the floor.

The floor is a Python process that only reads every member with zipfile and hashes it with
hashlib.sha256: whatever inspect does besides (endpoint scanning, ELF and package detection, the
JSON report) must cost at most half of that again (target: ratio <= 1.5).

The layer is generated deterministically from files every Python installation has: its standard
library sources (Python and Node package layouts, with real metadata files) and its compiled extension
modules and shared library (real ELF binaries), cut and repeated to the target sizes.

    python3 benchmarks/inspect_layer.py [--runs 7] [--files 20000] [--mb 200]
    taskset -c 0 python3 benchmarks/inspect_layer.py     # the same on one CPU (no second process)

Writes the layer to benchmarks/out/ and prints the medians of paired whole-process runs: wall time (the
target) and CPU time (user + system, which a busy machine disturbs less), with the load average.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import random
import statistics
import subprocess
import sys
import sysconfig
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import OUT, REPO, python, stamp

FLOOR = (
    "import hashlib, sys, zipfile\n"
    "with zipfile.ZipFile(sys.argv[1]) as zf:\n"
    "    for info in zf.infolist():\n"
    "        hashlib.sha256(zf.read(info)).hexdigest()\n"
)
BINARY_SHARE = 0.2  # of the bytes; a typical Python layer with numpy/pydantic-core/cryptography


def _read(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


def _sources() -> tuple[list[bytes], list[bytes]]:
    stdlib = sysconfig.get_paths()["stdlib"]
    texts = [_read(p) for p in sorted(glob.glob(os.path.join(stdlib, "**", "*.py"), recursive=True))]
    elf_paths = sorted(glob.glob(os.path.join(stdlib, "lib-dynload", "*.so")))
    libdir = sysconfig.get_config_var("LIBDIR") or ""
    elf_paths += sorted(glob.glob(os.path.join(libdir, "libpython3*.so*")))
    elves = [_read(p) for p in elf_paths if os.path.isfile(p)]
    return [t for t in texts if t], [e for e in elves if e.startswith(b"\x7fELF")]


def _cut(pool: list[bytes], rng: random.Random, size: int) -> bytes:
    data = pool[rng.randrange(len(pool))]
    while len(data) < size:
        data += pool[rng.randrange(len(pool))]
    return data[:size]


def _add(zf: zipfile.ZipFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.create_system = 3
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def generate(path: str, files: int, total_mb: int) -> None:
    """``files`` entries holding exactly ``total_mb`` million bytes: 5% of the files are ELF binaries holding
    ``BINARY_SHARE`` of the bytes, the rest Python and Node packages with their metadata files."""
    rng = random.Random(20261130)
    texts, elves = _sources()
    total = total_mb * 1_000_000
    n_bin = max(files // 20, 1)
    n_text = files - n_bin
    per_package = 40
    entries: list[tuple[str, bytes | int, int]] = []  # name, content or size to cut, mode
    for i in range(n_text):
        pkg, first = divmod(i, per_package)
        if pkg % 2 == 0 and first == 0:
            meta = f"Metadata-Version: 2.1\nName: pkg{pkg}\nVersion: 1.{pkg}.0\n".encode()
            entries.append((f"python/pkg{pkg}-1.{pkg}.0.dist-info/METADATA", meta, 0o644))
        elif first == 0:
            manifest = json.dumps({"name": f"pkg{pkg}", "version": f"2.{pkg}.0"}).encode()
            entries.append((f"nodejs/node_modules/pkg{pkg}/package.json", manifest, 0o644))
        else:
            name = f"python/pkg{pkg}/mod{i}.py" if pkg % 2 == 0 else f"nodejs/node_modules/pkg{pkg}/lib/f{i}.js"
            entries.append((name, rng.expovariate(1.0), 0o644))  # sizes spread like real source trees
    for j in range(n_bin):
        entries.append((f"python/pkg{2 * j}/_native{j}.cpython-311-x86_64-linux-gnu.so", -1, 0o755))
    fixed = sum(len(c) for _, c, _ in entries if isinstance(c, bytes))
    bin_total = int(total * BINARY_SHARE)
    weights = sum(c for _, c, _ in entries if isinstance(c, float))
    text_total = total - fixed - bin_total
    sized = []
    for name, content, mode in entries:
        if isinstance(content, float):
            content = max(int(content / weights * text_total), 64)
        elif content == -1:
            content = bin_total // n_bin
        sized.append((name, content, mode))
    last = max(i for i, (_, c, _) in enumerate(sized) if isinstance(c, int))
    name, size, mode = sized[last]
    sized[last] = (name, int(size) + total - sum(c if isinstance(c, int) else len(c) for _, c, _ in sized), mode)
    with zipfile.ZipFile(path + ".tmp", "w") as zf:
        for name, content, mode in sized:
            pool = elves if name.endswith(".so") else texts
            _add(zf, name, content if isinstance(content, bytes) else _cut(pool, rng, content), mode)
    os.replace(path + ".tmp", path)


def _run(cmd: list[str]) -> tuple[float, float, int]:
    """Wall time, CPU time (user + system) and peak RSS (KiB) of one whole process."""
    wrapper = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode\n"
        "wall = time.perf_counter() - t\n"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(rc, wall, u.ru_utime + u.ru_stime, u.ru_maxrss)\n"
    )
    out = subprocess.run([python(), "-c", wrapper, *cmd], capture_output=True, text=True, check=True).stdout.split()
    if int(out[0]) not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} exited {out[0]}")
    return float(out[1]), float(out[2]), int(out[3])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--mb", type=int, default=200)
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    layer = os.path.join(OUT, f"layer-{args.files}-{args.mb}mb.zip")
    if not os.path.exists(layer):
        generate(layer, args.files, args.mb)
    with zipfile.ZipFile(layer) as zf:
        infos = zf.infolist()
        unzipped = sum(i.file_size for i in infos)
    print(f"{stamp()}  layer {os.path.relpath(layer, REPO)}: {len(infos)} files, {unzipped / 1e6:.1f} MB unzipped, "
          f"{os.path.getsize(layer) / 1e6:.1f} MB zipped; {len(os.sched_getaffinity(0))} usable CPUs, load average "
          f"{os.getloadavg()[0]:.1f}")
    inspect = [python(), "-m", "layergate", "inspect", layer, "--format", "json"]
    floor = [python(), "-c", FLOOR, layer]
    os.environ["PYTHONPATH"] = REPO + os.pathsep + os.environ.get("PYTHONPATH", "")
    rows: list[tuple[float, float, int, float, float, int]] = []
    for _ in range(args.runs):  # paired: each inspect run next to a floor run, so load drifts hit both
        rows.append((*_run(inspect), *_run(floor)))
    wall = statistics.median(r[0] / r[3] for r in rows)
    cpu = statistics.median(r[1] / r[4] for r in rows)
    print(f"inspect --format json: median wall {statistics.median(r[0] for r in rows):.2f} s, "
          f"cpu {statistics.median(r[1] for r in rows):.2f} s, peak {max(r[2] for r in rows) / 1024:.0f} MiB")
    print(f"zipfile + sha256 floor: median wall {statistics.median(r[3] for r in rows):.2f} s, "
          f"cpu {statistics.median(r[4] for r in rows):.2f} s, peak {max(r[5] for r in rows) / 1024:.0f} MiB")
    print(f"ratio, median of {args.runs} paired runs: wall {wall:.2f} (target <= 1.5), cpu {cpu:.2f}; "
          f"load average now {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
