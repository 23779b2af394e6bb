"""Replays every rule case through the real CLI and compares the finding lines exactly.

A case is a folder ``rules/<ID>-<slug>/cases/<name>/`` holding an input (template, serverless.yml, plan), an
optional ``.layergate.yaml`` (none: the built-in default policy), an optional ``args`` file (extra command
line arguments, one per line) and ``expected.txt``: the exact finding lines of
``layergate check --format text .`` run inside the folder, in output order; empty when nothing may be found.

Each case runs in a copy outside the repository, so that policy discovery (which walks up to the repository
root) can never pick up a policy file the case did not mean to use.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CASES = sorted(p for p in REPO.glob("rules/*/cases/*") if p.is_dir())
FINDING_RE = re.compile(r"^\S.*?: LG\d{3} (error|warning|note)  ")


def case_id(case: Path) -> str:
    return f"{case.parent.parent.name.split('-')[0]}/{case.name}"


def run_check(case: Path, workdir: Path) -> subprocess.CompletedProcess[str]:
    target = workdir / case.name
    shutil.copytree(case, target)
    args_file = target / "args"
    extra = [a for a in args_file.read_text(encoding="utf-8").splitlines() if a] if args_file.exists() else []
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LAYERGATE_"))}
    env.update(PYTHONPATH=str(REPO), NO_COLOR="1", AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    return subprocess.run(
        [sys.executable, "-m", "layergate", "check", "--format", "text", "--no-color", *extra, "."],
        cwd=target,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_case(case: Path, tmp_path: Path) -> None:
    expected = (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    proc = run_check(case, tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    found = [line for line in proc.stdout.splitlines() if FINDING_RE.match(line)]
    assert found == expected, proc.stdout
    # fail_on is error in every case policy (and the default): exit 1 exactly when an error is expected.
    assert proc.returncode == (1 if any(" error  " in line for line in expected) else 0), proc.stdout
    # Nothing else on stdout but help lines and the summary: no finding line that FINDING_RE missed.
    others = [line for line in proc.stdout.splitlines() if line not in found and not line.startswith("    help: ")]
    assert len(others) == 1, proc.stdout
