"""Suppression order and matching, on hand-built findings (the rules themselves are tested per rule)."""

from __future__ import annotations

import datetime as dt

from layergate.catalog import load as load_catalog
from layergate.checks import Context
from layergate.engine import exit_status, suppress
from layergate.model import Finding, InlineSuppression, Location, Outcome, Scan, Severity
from layergate.policy import IgnoreEntry, Policy

TODAY = dt.date(2026, 11, 30)
ARN = "arn:aws:lambda:us-east-1:123456789012:layer:sandbox-tools:3"


def finding(rule: str = "LG301", slug: str = "unreviewed-version", file: str = "stacks/app.yaml",
            consumer: str = "Fn", arn: str | None = ARN, severity: Severity = Severity.ERROR) -> Finding:
    return Finding(rule, slug, severity, "message", Location(file, 10, 9), arn=arn, consumer=consumer)


def ctx(*ignore: IgnoreEntry) -> Context:
    return Context(policy=Policy(path=".layergate.yaml", ignore=ignore), catalog=load_catalog(),
                   regions=("us-east-1",), today=TODAY)


def entry(**kw: object) -> IgnoreEntry:
    base: dict[str, object] = {"rule": "LG301", "reason": "r", "location": Location(".layergate.yaml", 3, 5)}
    base.update(kw)
    return IgnoreEntry(**base)  # type: ignore[arg-type]


def test_ignore_by_id_or_slug_and_arn_glob() -> None:
    f = finding()
    assert suppress([f], [], ctx(entry(arn="arn:aws:lambda:*:123456789012:layer:sandbox-*:*"))) == ([], 1)
    assert suppress([f], [], ctx(entry(rule="unreviewed-version"))) == ([], 1)
    assert suppress([f], [], ctx(entry(arn="arn:aws:lambda:*:999999999999:layer:*:*"))) == ([f], 0)
    assert suppress([f], [], ctx(entry(rule="LG201"))) == ([f], 0)


def test_all_given_matchers_must_match() -> None:
    f = finding()
    assert suppress([f], [], ctx(entry(file="stacks/*.yaml", resource="Fn"))) == ([], 1)
    assert suppress([f], [], ctx(entry(file="stacks/*.yaml", resource="Other"))) == ([f], 0)
    assert suppress([f], [], ctx(entry(file="app.yaml"))) == ([], 1)  # matches in any directory


def test_expired_ignore_no_longer_suppresses() -> None:
    f = finding()
    assert suppress([f], [], ctx(entry(expires=dt.date(2026, 11, 29)))) == ([f], 0)
    assert suppress([f], [], ctx(entry(expires=TODAY))) == ([], 1)


def test_inline_suppression_is_per_file_and_resource() -> None:
    f = finding()
    here = Scan(file="stacks/app.yaml", format="sam",
                suppressions=(InlineSuppression("Fn", ("unreviewed-version",), "", Location("stacks/app.yaml", 5, 5)),))
    elsewhere = Scan(file="stacks/other.yaml", format="sam",
                     suppressions=(InlineSuppression("Fn", ("LG301",), "", Location("stacks/other.yaml", 5, 5)),))
    assert suppress([f], [here], ctx()) == ([], 1)
    assert suppress([f], [elsewhere], ctx()) == ([f], 0)


def test_exit_status_follows_threshold() -> None:
    warning = finding(severity=Severity.WARNING)
    outcome = Outcome(findings=(warning,), suppressed=0)
    assert exit_status(outcome, Severity.ERROR) == 0
    assert exit_status(outcome, Severity.WARNING) == 1
    assert exit_status(Outcome(findings=(), suppressed=3), Severity.NOTE) == 0
