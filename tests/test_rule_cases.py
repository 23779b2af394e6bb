"""Replays every rule case through the real CLI and compares the finding lines exactly.

A case is a folder ``rules/<ID>-<slug>/cases/<name>/`` holding an input (template, serverless.yml, plan), an
optional ``.layergate.yaml`` (none: the built-in default policy), an optional ``args`` file (extra command
line arguments, one per line) and ``expected.txt``: the exact finding lines of
``layergate check --format text .`` run inside the folder, in output order; empty when nothing may be found.

Each case runs in a copy outside the repository, so that policy discovery (which walks up to the repository
root) can never pick up a policy file the case did not mean to use. The CLI runs in-process (``cli.main``:
the same code as the console script, without an interpreter start per case); one test runs a few cases as
``python3 -m layergate`` subprocesses and requires the same output.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from layergate import cli

REPO = Path(__file__).resolve().parent.parent
CASES = sorted(p for p in REPO.glob("rules/*/cases/*") if p.is_dir())
FINDING_RE = re.compile(r"^\S.*?: LG\d{3} (error|warning|note)  ")


def case_id(case: Path) -> str:
    return f"{case.parent.parent.name.split('-')[0]}/{case.name}"


def prepare(case: Path, workdir: Path) -> tuple[Path, list[str]]:
    target = workdir / case.name
    shutil.copytree(case, target)
    args_file = target / "args"
    extra = [a for a in args_file.read_text(encoding="utf-8").splitlines() if a] if args_file.exists() else []
    return target, ["check", "--format", "text", "--no-color", *extra, "."]


def fresh_caches() -> None:
    """Forget what earlier cases cached (a console run starts with nothing cached; caches may key on cwd-relative
    paths, and every case has its own cwd)."""
    for name, module in list(sys.modules.items()):
        if name == "layergate" or name.startswith("layergate."):
            for value in vars(module).values():
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()


def run_in_process(
    case: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    target, argv = prepare(case, workdir)
    for key in list(os.environ):
        if key.startswith(("AWS_", "LAYERGATE_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.chdir(target)
    fresh_caches()
    capsys.readouterr()
    status = cli.main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def run_subprocess(case: Path, workdir: Path) -> tuple[int, str, str]:
    target, argv = prepare(case, workdir)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LAYERGATE_"))}
    env.update(PYTHONPATH=str(REPO), NO_COLOR="1", AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    proc = subprocess.run(
        [sys.executable, "-m", "layergate", *argv],
        cwd=target,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_case(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    expected = (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    status, out, err = run_in_process(case, tmp_path, monkeypatch, capsys)
    assert status in (0, 1), err
    found = [line for line in out.splitlines() if FINDING_RE.match(line)]
    assert found == expected, out
    # fail_on is error in every case policy (and the default): exit 1 exactly when an error is expected.
    assert status == (1 if any(" error  " in line for line in expected) else 0), out
    # Nothing else on stdout but help lines and the summary: no finding line that FINDING_RE missed.
    others = [line for line in out.splitlines() if line not in found and not line.startswith("    help: ")]
    assert len(others) == 1, out


SUBPROCESS_SAMPLE = [
    REPO / "rules/LG201-publisher-not-allowed/cases/default-policy-trusts-nobody",
    REPO / "rules/LG303-review-expired/cases/review-too-old",
    REPO / "rules/LG301-unreviewed-version/cases/reviewed",
]


@pytest.mark.parametrize("case", SUBPROCESS_SAMPLE, ids=case_id)
def test_console_run_matches_in_process_run(
    case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    console = run_subprocess(case, tmp_path / "console")
    in_process = run_in_process(case, tmp_path / "in-process", monkeypatch, capsys)
    assert console[:2] == in_process[:2]
    assert [line for line in console[1].splitlines() if FINDING_RE.match(line)] == (
        (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    )
