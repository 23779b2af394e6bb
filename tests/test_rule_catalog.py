"""Tests over the whole rule catalog: identities, modules, documentation folders, cases and README examples."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from types import ModuleType

import pytest
from rule_docs import examples

from layergate import checks
from layergate.checks import MODULE_NAMES, all_rules, find_rule, modules
from layergate.rule import Rule

REPO = Path(__file__).resolve().parent.parent
RULES_DIR = REPO / "rules"
FINDING_RE = re.compile(r"^\S.*?: (LG\d{3}) (error|warning|note)  \S")


RULES = all_rules()
PAIRS = list(zip(modules(), RULES, strict=True))


def test_ids_unique_and_well_formed() -> None:
    ids = [r.id for r in RULES]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"LG\d{3}", i) for i in ids), ids
    assert ids == sorted(ids), "MODULE_NAMES is the order of `layergate rules`: keep it by id"


def test_slugs_unique_kebab_case() -> None:
    slugs = [r.slug for r in RULES]
    assert len(set(slugs)) == len(slugs)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s) for s in slugs), slugs


@pytest.mark.parametrize(("module", "rule"), PAIRS, ids=[r.id for r in RULES])
def test_module_shape(module: ModuleType, rule: Rule) -> None:
    """A module is named after its slug and offers exactly the entry point its kind needs."""
    assert module.__name__ == f"layergate.checks.{rule.slug.replace('-', '_')}"
    entry_points = [name for name in ("check", "check_policy") if callable(getattr(module, name, None))]
    assert len(entry_points) == (0 if rule.online else 1), entry_points
    assert module.__doc__ and module.__doc__.startswith(f"{rule.id} {rule.slug}: ")


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_title_and_fix_are_one_line_each(rule: Rule) -> None:
    for text in (rule.title, rule.fix):
        assert text and "\n" not in text and text == text.strip()
    assert not rule.title.endswith(".")
    assert rule.fix.endswith(".")


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_find_rule_by_id_and_slug(rule: Rule) -> None:
    assert find_rule(rule.id.lower()) is rule
    assert find_rule(rule.slug) is rule


def test_every_rule_folder_belongs_to_a_rule() -> None:
    folders = sorted(p.name for p in RULES_DIR.iterdir() if p.is_dir())
    assert folders == sorted(r.folder for r in RULES)


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_readme_heading_and_title_agree_with_rule(rule: Rule) -> None:
    lines = (RULES_DIR / rule.folder / "README.md").read_text(encoding="utf-8").splitlines()
    assert lines[0] == f"# {rule.id} {rule.slug}"
    assert lines[1] == ""
    intro = " ".join(lines[2:4])
    assert intro.startswith(f"{rule.title}. Default severity: **{rule.severity}**"), intro
    headings = [line for line in lines if line.startswith("## ")]
    assert headings[:3] == ["## What it catches", "## Why it matters", "## How to fix"]
    if rule.online:
        assert "Online: reported by" in intro


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_readme_examples_are_the_case_files(rule: Rule) -> None:
    folder = RULES_DIR / rule.folder
    found = examples((folder / "README.md").read_text(encoding="utf-8"))
    for ex in found:
        body = (folder / ex.path).read_text(encoding="utf-8")
        assert ex.body == body, f"{ex.path} differs from its README copy: python3 tests/rule_docs.py {folder}/README.md"
    if not rule.online:
        shown = {ex.path.split("/")[1] for ex in found if ex.path.endswith("expected.txt")}
        results = [_findings(folder / "cases" / case) for case in shown]
        assert any(rule.id in r for r in results), "the README shows no failing example"
        assert any(rule.id not in r for r in results), "the README shows no passing example"


def _findings(case: Path) -> set[str]:
    return {
        m[1]
        for line in (case / "expected.txt").read_text(encoding="utf-8").splitlines()
        if (m := FINDING_RE.match(line))
    }


@pytest.mark.parametrize("rule", [r for r in RULES if not r.online], ids=[r.id for r in RULES if not r.online])
def test_offline_rule_has_trigger_and_non_trigger_cases(rule: Rule) -> None:
    cases = sorted(p for p in (RULES_DIR / rule.folder / "cases").iterdir() if p.is_dir())
    results = {}
    for case in cases:
        expected = (case / "expected.txt").read_text(encoding="utf-8")
        lines = expected.splitlines()
        assert all(FINDING_RE.match(line) for line in lines), f"{case}: every expected line is a finding"
        assert expected == "" or expected.endswith("\n")
        inputs = [p for p in case.iterdir() if p.name not in ("expected.txt", "args", ".layergate.yaml")]
        assert inputs, f"{case} has no input"
        results[case.name] = _findings(case)
    assert any(rule.id in ids for ids in results.values()), f"{rule.id}: no case triggers it"
    assert any(rule.id not in ids for ids in results.values()), f"{rule.id}: no case shows it staying quiet"


def test_online_rules_have_no_cases() -> None:
    """`layergate check` never emits them, so a case could only ever expect nothing."""
    for rule in RULES:
        if rule.online:
            assert not (RULES_DIR / rule.folder / "cases").exists()


def test_registry_lists_every_rule_module() -> None:
    """A rule module left out of MODULE_NAMES would never run; helper modules (no RULE) are fine."""
    package = Path(checks.__file__).parent
    for path in package.glob("*.py"):
        if path.stem != "__init__":
            module = importlib.import_module(f"layergate.checks.{path.stem}")
            assert (path.stem in MODULE_NAMES) == hasattr(module, "RULE"), path.stem


def test_docs_rule_table_lists_every_rule() -> None:
    """docs/rules.md's table is what the README shows: same ids, slugs, default severities and titles."""
    text = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (LG\d{3}) \| ([a-z0-9-]+) \| (\w+)[^|]* \| (.+?) \|$", text, re.MULTILINE)
    assert [(i, slug, severity) for i, slug, severity, _ in rows] == [(r.id, r.slug, str(r.severity)) for r in RULES]
    for (_, _, _, title), rule in zip(rows, RULES, strict=True):
        assert title.startswith(rule.title), (title, rule.title)


def test_docs_example_is_real_output() -> None:
    text = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    case = RULES_DIR / "LG201-publisher-not-allowed" / "cases" / "default-policy-trusts-nobody"
    first = (case / "expected.txt").read_text(encoding="utf-8").splitlines()[0]
    rule = find_rule("LG201")
    assert rule is not None
    assert f"{first}\n    help: {rule.fix}\n" in text


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_explain_prints_the_readme(rule: Rule, capsys: pytest.CaptureFixture[str]) -> None:
    from layergate import cli

    assert cli.main(["explain", rule.slug]) == 0
    assert capsys.readouterr().out == (RULES_DIR / rule.folder / "README.md").read_text(encoding="utf-8")
