"""--format github: workflow commands (annotations) and the step summary table."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from layergate.model import Finding, Location, Outcome, Severity
from layergate.report import ReportContext, render
from layergate.report.github import escape_data, escape_property
from layergate.rule import Rule

PUBLISHER = Rule("LG201", "publisher-not-allowed", Severity.ERROR, "layer from a publisher the policy does not allow",
                 "allow the publisher in .layergate.yaml")
UNKNOWN = Rule("LG103", "unresolvable-reference", Severity.WARNING, "unresolvable", "give the parameter a value")
DEPRECATED = Rule("LG909", "some-note", Severity.NOTE, "a note", "")
ARN = "arn:aws:lambda:us-east-1:999999999999:layer:evil:3"


def outcome(*items: Finding, suppressed: int = 0) -> Outcome:
    return Outcome(findings=items, suppressed=suppressed, files_by_format=(("cloudformation", 2),))


def ctx(out: Outcome, notes: tuple[str, ...] = (), fail_on: Severity = Severity.ERROR) -> ReportContext:
    return ReportContext(outcome=out, fail_on=fail_on, policy_path=".layergate.yaml", notes=notes,
                         tool_version="0.1.0")


@pytest.fixture(autouse=True)
def no_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)


def sample() -> tuple[Finding, ...]:
    return (
        PUBLISHER.finding(Location("./templates/app.yaml", 14, 11, "Resources/Api/Properties/Layers/0"),
                          f"{ARN}: publisher 999999999999 is not in publishers:", arn=ARN, consumer="Api"),
        UNKNOWN.finding(Location("plan.json", 0, 0, "module.app.aws_lambda_function.this"),
                        "layers are unknown until apply"),
        DEPRECATED.finding(Location("a,b:c.yaml", 3, 0), "100% sure\nsecond line"),
    )


def test_findings_become_workflow_commands() -> None:
    text = render("github", ctx(outcome(*sample()), notes=("policy adds publisher 999999999999",)))
    assert text.splitlines() == [
        "::error file=templates/app.yaml,line=14,col=11,title=LG201::"
        f"{ARN}: publisher 999999999999 is not in publishers:%0Ahelp: allow the publisher in .layergate.yaml",
        "::warning file=plan.json,title=LG103::module.app.aws_lambda_function.this: "
        "layers are unknown until apply%0Ahelp: give the parameter a value",
        "::notice file=a%2Cb%3Ac.yaml,line=3,title=LG909::100%25 sure%0Asecond line",
        "::notice title=layergate::policy adds publisher 999999999999",
        "2 files (2 cloudformation), 0 layer references in 0 functions: 1 error, 1 warning, 1 note, 0 suppressed",
    ]


def test_escaping_matches_actions_core() -> None:
    assert escape_data("a%b\r\nc:d,e") == "a%25b%0D%0Ac:d,e"
    assert escape_property("a%b\r\nc:d,e") == "a%25b%0D%0Ac%3Ad%2Ce"


def test_absolute_paths_are_made_relative_to_the_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    f = dataclasses.replace(sample()[0], location=Location(str(tmp_path / "stacks" / "t.yaml"), 2, 5))
    line = render("github", ctx(outcome(f))).splitlines()[0]
    assert line.startswith("::error file=stacks/t.yaml,line=2,col=5,title=LG201::")


def test_step_summary_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    pipe = dataclasses.replace(sample()[1], message="a | b <img src=x>")
    context = ctx(outcome(sample()[0], pipe, suppressed=2), notes=("policy-ref note",))
    render("github", context)
    render("github", dataclasses.replace(context, color=False))  # same run written twice: one table
    assert summary.read_text(encoding="utf-8") == (
        "earlier step\n"
        "## layergate\n"
        "\n"
        "**failed**: 1 finding at or above error (2 files (2 cloudformation), 0 layer references in 0 functions: "
        "1 error, 1 warning, 0 notes, 2 suppressed)\n"
        "\n"
        "| Severity | Rule | Location | Message | Fix |\n"
        "| --- | --- | --- | --- | --- |\n"
        f"| error | {rule_cell('LG201')} `publisher-not-allowed` | `templates/app.yaml:14:11` | "
        f"{ARN}: publisher 999999999999 is not in publishers: | allow the publisher in .layergate.yaml |\n"
        f"| warning | {rule_cell('LG103')} `unresolvable-reference` | `plan.json (module.app.aws_lambda_function.this)` | "
        "a \\| b &lt;img src=x&gt; | give the parameter a value |\n"
        "\n"
        "### Notes\n"
        "\n"
        "- policy-ref note\n"
        "\n"
    )


def rule_cell(rule_id: str) -> str:
    """Registered rules link to their README; the summary must not invent links for unknown ids."""
    from layergate.checks import find_rule
    from layergate.ruledocs import help_uri

    rule = find_rule(rule_id)
    return f"[{rule_id}]({help_uri(rule)})" if rule else rule_id


def test_step_summary_for_a_clean_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    render("github", ctx(outcome(suppressed=1)))
    assert summary.read_text(encoding="utf-8") == (
        "## layergate\n\n**passed** (2 files (2 cloudformation), 0 layer references in 0 functions: "
        "0 errors, 0 warnings, 0 notes, 1 suppressed)\n\nNo findings (1 suppressed).\n\n"
    )


def test_unwritable_step_summary_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from layergate.errors import LayergateError

    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "missing-dir" / "summary.md"))
    with pytest.raises(LayergateError, match="GITHUB_STEP_SUMMARY: cannot write"):
        render("github", ctx(outcome(sample()[0])))
