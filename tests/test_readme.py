"""The README is tested against the real tool, so what a newcomer reads cannot drift from what it does."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from cli_reference import README, render

REPO = README.parent
TEXT = README.read_text()


def test_option_reference_is_generated_from_the_parser() -> None:
    start = TEXT.index("<!-- cli-reference:start")
    end = TEXT.index("<!-- cli-reference:end -->") + len("<!-- cli-reference:end -->")
    assert TEXT[start:end] == render(), "run: python3 tests/cli_reference.py --write"


def test_exactly_two_setup_commands() -> None:
    commands = re.findall(r"^python3 -m venv \.venv && .*$", TEXT.split("## How it works")[0], re.M)
    assert commands == [
        "python3 -m venv .venv && . .venv/bin/activate && pip install . && layergate check examples/",
        "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[test]' && pytest",
    ]


def test_ci_runs_the_readme_test_command() -> None:
    assert "pip install -e '.[test]' && pytest" in (REPO / ".ci" / "run").read_text()


def test_linked_documents_exist() -> None:
    for link in re.findall(r"\]\(((?:docs|rules)/[^)#]+)", TEXT):
        assert (REPO / link).is_file(), link


def test_sample_output_is_real() -> None:
    proc = subprocess.run([sys.executable, "-m", "layergate", "check", "examples/", "--today", "2026-11-30"], cwd=REPO,
                          capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 1
    sample = TEXT.split("$ layergate check examples/\n")[1].split("```")[0]
    real = proc.stdout.splitlines()
    for line in sample.splitlines():
        if line != "...":
            assert line in real, line
    assert real[-1] == sample.splitlines()[-1]


def test_rule_table_matches_the_registry() -> None:
    from layergate.checks import all_rules

    rows = re.findall(r"^\| (LG\d{3}) \| ([a-z0-9-]+) \| (\w+) \|", TEXT, re.M)
    assert rows == [(r.id, r.slug, str(r.severity)) for r in sorted(all_rules(), key=lambda r: r.id)]
