"""The policy file: discovery, loading into records, every kind of error (whole lines), the default policy,
and the schema held against the code."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from layergate import policy, policy_load, policy_schema, schema_subset, yamlnodes
from layergate.checks import all_rules, rule_names
from layergate.errors import ErrorList, PolicyError
from layergate.model import BuiltFrom, Location, Severity
from layergate.policy import (
    DEFAULT_EXCLUDES,
    DenyEntry,
    IgnoreEntry,
    OrgInfo,
    Policy,
    ProvenanceExpectation,
    PublisherAllow,
    ReviewedLayer,
    UpgradeIgnore,
    UpgradePolicy,
    VulnerabilityIgnore,
    VulnerabilityPolicy,
    default_policy,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "policy"
DIGEST = "9f3c5e0d6a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabe1"


def lines_of(path: str) -> list[str]:
    with pytest.raises(ErrorList) as info:
        policy.load(path)
    assert all(isinstance(e, PolicyError) for e in info.value.errors)
    return info.value.lines()


@pytest.fixture
def write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Write ``text`` as .layergate.yaml in a fresh directory that becomes the working directory."""
    monkeypatch.chdir(tmp_path)

    def _write(text: str) -> str:
        Path(".layergate.yaml").write_text(text, encoding="utf-8")
        return ".layergate.yaml"

    return _write


# --- loading -------------------------------------------------------------------------------------------------


def test_full_policy_from_the_design(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    f = "full.yaml"
    assert policy.load(f) == Policy(
        path=f,
        version=1,
        regions=("us-east-1", "eu-west-1"),
        fail_on=Severity.ERROR,
        publishers=(
            PublisherAllow("datadog", None, "Datadog", ("Datadog-Extension*",), Location(f, 6, 5, "publishers[0]")),
            PublisherAllow(None, "123456789012", "platform-team", (), Location(f, 8, 5, "publishers[1]")),
        ),
        org=OrgInfo("o-abc123def4", ("123456789012", "210987654321")),
        layers=(
            ReviewedLayer(
                arn="arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:56",
                sha256=DIGEST,
                reviewed_by="alice",
                reviewed_at=dt.date(2026, 11, 2),
                extension=True,
                note="sends telemetry to datadoghq.com only",
                location=Location(f, 14, 5, "layers[0]"),
            ),
        ),
        max_review_age_days=365,
        deny=(DenyEntry("arn:aws:lambda:*:*:layer:Klayers-*:*", "community layers are not allowed",
                        Location(f, 22, 5, "deny[0]")),),
        ignore=(
            IgnoreEntry("LG301", "sandbox account", Location(f, 25, 5, "ignore[0]"),
                        arn="arn:aws:lambda:*:123456789012:layer:sandbox-*:*", expires=dt.date(2027, 3, 31)),
        ),
        exclude=DEFAULT_EXCLUDES,
    )


def test_every_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    f = "every_key.yaml"
    p = policy.load(f)
    assert p.regions == ("eu-central-1", "cn-north-1")
    assert p.fail_on is Severity.WARNING
    assert p.publishers == (
        PublisherAllow("lambda-insights", None, "CloudWatch Lambda Insights", ("LambdaInsightsExtension*",),
                       Location(f, 8, 5, "publishers[0]"), signing_profiles=("InsightsSigning",),
                       provenance=ProvenanceExpectation(repository="aws/insights")),
        # unquoted, and still the twelve digits as written
        PublisherAllow(None, "012345678901", "012345678901", (), Location(f, 14, 5, "publishers[1]"), internal=True,
                       signing_profiles=("arn:aws:signer:eu-central-1:012345678901:/signing-profiles/LayerSigning/abc123",),
                       provenance=ProvenanceExpectation(
                           repository="acme/layers", workflow=".github/workflows/layer.yml", ref="refs/tags/v*",
                           keys=("keys/layer.pub",), attestation="attestations/{name}-{version}.sigstore.json")),
    )
    assert p.org == OrgInfo("o-0123456789ab", ("012345678901",))
    assert p.layers == (
        ReviewedLayer(
            arn="arn:aws:lambda:eu-central-1:580247275435:layer:LambdaInsightsExtension:38",
            sha256="0123456789abcdef" * 4,  # stored lower case
            reviewed_by="bob",
            reviewed_at=dt.date(2026, 10, 1),
            extension=True,
            note="metrics only",
            location=Location(f, 30, 5, "layers[0]"),
            code_size=6016823,
            recorded_at="2026-10-01T09:30:00Z",
            provenance=BuiltFrom("aws/insights", "0123456789abcdef0123456789abcdef01234567",
                                 ".github/workflows/release.yml", "refs/tags/v38", "0123456789abcdef" * 4),
            signing_profile="arn:aws:signer:eu-central-1:580247275435:/signing-profiles/InsightsSigning/a1b2c3d4e5",
            signing_job="arn:aws:signer:eu-central-1:580247275435:/signing-jobs/0f1e2d3c-0000-4000-8000-000000000001",
        ),
    )
    assert p.max_review_age_days == 90
    assert p.deny == (DenyEntry("*", "nothing else", Location(f, 48, 5, "deny[0]")),)
    assert p.ignore == (
        IgnoreEntry("floating-reference", "pinned by the deploy pipeline", Location(f, 51, 5, "ignore[0]"),
                    arn="arn:aws:lambda:*:012345678901:layer:*", file="infra/*.yaml", resource="Legacy*",
                    expires=dt.date(2026, 12, 31)),
    )
    assert p.upgrade == UpgradePolicy(7, (
        UpgradeIgnore("arn:aws:lambda:*:580247275435:layer:LambdaInsightsExtension", (39,), "broke cold starts",
                      Location(f, 74, 7, "upgrade.ignore[0]")),
    ))
    assert p.vulnerabilities == VulnerabilityPolicy(
        "medium", (VulnerabilityIgnore("CVE-2023-32681", "no proxy is configured",
                                       Location(f, 60, 7, "vulnerabilities.ignore[0]"), dt.date(2027, 1, 31)),),
        declared=True)
    assert p.exclude == ("build", "vendor/**")  # exclude_defaults: false


def test_every_record_field_is_read_from_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """every_key.yaml sets every key to a non-default value: a key the loader ignored would show here."""
    monkeypatch.chdir(FIXTURES)
    p = policy.load("every_key.yaml")
    d = default_policy()
    same = [f.name for f in dataclasses.fields(Policy) if f.name != "version" and getattr(p, f.name) == getattr(d, f.name)]
    assert same == []
    records: list[tuple[Any, set[str]]] = [
        (p.publishers[0], {"account"}), (p.publishers[1], {"vendor", "layers"}),
        (p.layers[0], set()), (p.deny[0], set()), (p.ignore[0], set()), (p.org, set()),
        (p.upgrade, set()), (p.upgrade.ignore[0], set()),
        (p.vulnerabilities, set()), (p.vulnerabilities.ignore[0], set())]
    for record, absent_by_design in records:
        empty = {f.name for f in dataclasses.fields(record) if getattr(record, f.name) in (None, "", ())}
        assert empty == absent_by_design, type(record).__name__


def test_exclude_adds_to_the_defaults(write: Any) -> None:
    p = policy.load(write("version: 1\nexclude: [build, node_modules, 'tests/fixtures/*']\n"))
    assert p.exclude == (*DEFAULT_EXCLUDES, "build", "tests/fixtures/*")
    assert policy.load(write("version: 1\nexclude_defaults: false\n")).exclude == ()


def test_minimal_policy(write: Any) -> None:
    p = policy.load(write("version: 1\n"))
    assert p == Policy(path=".layergate.yaml")
    assert not p.is_default


def test_dates_from_date_objects() -> None:
    assert policy_load.to_date(dt.date(2026, 1, 2)) == dt.date(2026, 1, 2)
    assert policy_load.to_date(dt.datetime(2026, 1, 2, 3, 4)) == dt.date(2026, 1, 2)
    assert policy_load.to_date("2026-01-02") == dt.date(2026, 1, 2)
    assert policy_load.to_date(None) is None


def test_default_policy_is_strict() -> None:
    p = default_policy()
    assert p.is_default and p.path is None
    assert (p.publishers, p.layers, p.deny, p.ignore, p.regions) == ((), (), (), (), ())
    assert p.fail_on is Severity.ERROR and p.max_review_age_days is None
    assert p.exclude == DEFAULT_EXCLUDES


# --- errors: whole lines -------------------------------------------------------------------------------------


def test_every_problem_of_a_broken_policy_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    vendors = ("appdynamics, aws-appconfig, aws-lambda-web-adapter, aws-otel, aws-otel-distro, "
               "aws-parameters-secrets, aws-sdk-pandas, coralogix, datadog, dynatrace, elastic, epsagon, honeycomb, "
               "instana, klayers, lambda-insights, lumigo, newrelic, opentelemetry, powertools-python, "
               "powertools-typescript, sentry, shelfio, "
               "splunk, sumologic, thundra")
    dd56 = "'arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:56'"
    assert lines_of("broken.yaml") == [
        "broken.yaml:2:10: regions: lists 'us-east-1' more than once",
        "broken.yaml:2:22: regions[1]: 'mars-1' does not match '^[a-z]{2}(-[a-z]+)+-[0-9]+$' "
        "(a region looks like us-east-1)",
        "broken.yaml:3:10: fail_on: 'fatal' is not one of 'error', 'warning', 'note'",
        "broken.yaml:5:13: publishers[0].vendor: unknown vendor 'datdog' (did you mean 'datadog'?); "
        f"known vendors: {vendors}; any other publisher is allowed by 'account:'",
        "broken.yaml:6:14: publishers[1].account: expected a string, got a number (12345)",
        "broken.yaml:7:5: publishers[2]: give 'vendor' or 'account', not both (one entry per publisher)",
        "broken.yaml:9:5: publishers[3]: needs 'vendor' (a catalog vendor such as datadog) or 'account' (12 digits)",
        "broken.yaml:10:13: publishers[3].layers: must not be empty; leave the key out instead",
        f"broken.yaml:12:14: publishers[4].layers[0]: {dd56} does not match '^[A-Za-z0-9_*?-]{{1,140}}$' "
        "(a layer name or glob such as Datadog-Extension*, not an ARN)",
        "broken.yaml:14:7: org.id: 'abc' does not match '^o-[a-z0-9]{10,32}$' "
        "(an organization id looks like o-abc123def4)",
        "broken.yaml:16:10: layers[0].arn: 'arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension' "
        "has no version; a reviewed layer is one exact version (...:layer:Datadog-Extension:<version>)",
        "broken.yaml:17:13: layers[0].sha256: 'n8tYR0UmY2V3BmQLpUl3zGxr0dlC5n0QzhqL7k2Lsqg=' is base64 "
        "(as AWS shows CodeSha256); write the hex digest "
        "9fcb5847452663657706640ba54977cc6c6bd1d942e67d10ce1a8bee4d8bb2a8",
        "broken.yaml:19:18: layers[1].reviewed_at: '2026-02-30' is not a date in the calendar "
        "(day is out of range for month)",
        "broken.yaml:20:5: layers[1]: unknown key 'extensoin' (did you mean 'extension'?)",
        f"broken.yaml:21:10: layers[2].arn: {dd56} is already listed at line 18 (layers[1]); "
        "keep one entry per layer version",
        "broken.yaml:22:13: layers[2].sha256: 'abc' does not match '^[0-9a-fA-F]{64}$' (64 hex digits)",
        "broken.yaml:23:10: layers[3].arn: 'arn:aws:s3:::bucket' is not a layer ARN: service is 's3', "
        "not 'lambda'",
        "broken.yaml:24:22: max_review_age_days: 0 is less than 1",
        "broken.yaml:26:5: deny[0]: missing required key 'arn'",
        "broken.yaml:28:11: ignore[0].rule: unknown rule 'LG999' (did you mean 'LG901'? `layergate rules` lists them)",
        "broken.yaml:30:5: ignore[1]: missing required key 'reason'",
        "broken.yaml:30:11: ignore[1].rule: unknown rule 'Floating Reference' "
        "(did you mean 'floating-reference'? `layergate rules` lists them)",
        "broken.yaml:31:11: ignore[2].rule: unknown rule 'lg101' (ids are upper case: 'LG101'; "
        "`layergate rules` lists them)",
        "broken.yaml:33:14: ignore[2].expires: '2027-3-31' does not match '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' "
        "(write dates as YYYY-MM-DD)",
        "broken.yaml:34:1: unknown key 'exclud' (did you mean 'exclude'?)",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [".layergate.yaml: the policy file is empty; it must at least say 'version: 1'"]),
        ("# only a comment\n", [".layergate.yaml: the policy file is empty; it must at least say 'version: 1'"]),
        ("- version: 1\n", [".layergate.yaml:1:1: a policy file is a mapping (version: 1, publishers: ...), "
                            "not a list"]),
        ("version\n", [".layergate.yaml:1:1: a policy file is a mapping (version: 1, publishers: ...), "
                       "not a single value"]),
        # another format version: that one line, not a list of everything version 2 does differently
        ("version: 2\npublishers: {}\nwhat: ever\n",
         [".layergate.yaml:1:10: version: 2 is not a policy version this layergate reads (it reads version 1)"]),
        ("version: '1'\n",
         [".layergate.yaml:1:10: version: '1' is not a policy version this layergate reads (it reads version 1)"]),
        ("version: true\n",
         [".layergate.yaml:1:10: version: true is not a policy version this layergate reads (it reads version 1)"]),
        ("regions: [us-east-1]\n", [".layergate.yaml:1:1: missing required key 'version'"]),
        ("version: 1\nversion: 1\n", [".layergate.yaml:2:1: duplicate key 'version'"]),
        ("version: 1\nregions: [us-east-1\n",
         [".layergate.yaml:3:1: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence)"]),
        ("version: 1\nregions: !Ref Regions\n",
         [".layergate.yaml:2:10: the YAML tag '!Ref' has no meaning in a policy file"]),
        ("version: 1\n[a]: b\n", [".layergate.yaml:2:1: keys must be plain strings"]),
        ("version: 1\npublishers:\n", [".layergate.yaml:2:12: publishers: expected a list, got an empty value"]),
        ("version: 1\nregions: us-east-1\n",
         [".layergate.yaml:2:10: regions: expected a list, got a string ('us-east-1')"]),
        ("version: 1\nfail_on: 3\n", [".layergate.yaml:2:10: fail_on: expected a string, got a number (3)"]),
        ("version: 1\nlayers: [{arn: 'arn:aws:lambda:us-east-1:123456789012:layer:x:1', extension: maybe}]\n",
         [".layergate.yaml:2:78: layers[0].extension: expected true or false, got a string ('maybe')"]),
        ("version: 1\nmax_review_age_days: 1.5\n",
         [".layergate.yaml:2:22: max_review_age_days: expected an integer, got a number (1.5)"]),
        ("version: 1\norg: {accounts: ['123456789012', '123456789012']}\n",
         [".layergate.yaml:2:17: org.accounts: lists '123456789012' more than once"]),
        ("version: 1\ndeny: [{arn: 'Klayers-*'}]\n",
         [".layergate.yaml:2:14: deny[0].arn: 'Klayers-*' does not match '^(arn:.+|\\\\*)$' "
          "(a glob over the whole layer ARN, e.g. arn:aws:lambda:*:*:layer:name-*:*)"]),
        ("version: 1\nignore: [{rule: LG101, reason: ''}]\n",
         [".layergate.yaml:2:32: ignore[0].reason: must not be empty"]),
        ("version: 1\npublishers: [{account: '123456789012', layers: [x], extra: 1}]\n",
         [".layergate.yaml:2:53: publishers[0]: unknown key 'extra' "
          "(expected one of: vendor, account, name, layers, internal, signing_profiles, provenance)"]),
        ("version: 1\nlayers: [{arn: 'arn:aws:lambda:::awslayer:AWSLambda-Python-AWS-SDK'}]\n",
         [".layergate.yaml:2:16: layers[0].arn: 'arn:aws:lambda:::awslayer:AWSLambda-Python-AWS-SDK' has no "
          "version; a reviewed layer is one exact version (...:layer:AWSLambda-Python-AWS-SDK:<version>)"]),
    ],
)
def test_error_lines(write: Any, text: str, expected: list[str]) -> None:
    assert lines_of(write(text)) == expected


def test_the_same_version_written_twice_is_a_duplicate_too(write: Any) -> None:
    path = write(
        "version: 1\nlayers:\n"
        "  - arn: arn:aws:lambda:us-east-1:123456789012:layer:x:1\n"
        "  - arn: arn:aws:lambda:us-east-1:123456789012:layer:y:1\n"
        "  - arn: arn:aws:lambda:us-east-1:123456789012:layer:x:1\n"
    )
    assert lines_of(path) == [
        ".layergate.yaml:5:10: layers[2].arn: 'arn:aws:lambda:us-east-1:123456789012:layer:x:1' is already "
        "listed at line 3 (layers[0]); keep one entry per layer version"]


def test_alias_bomb_is_refused(write: Any) -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 8)]
    lines = lines_of(write("version: 1\nexclude_defaults: true\nbomb:\n" + "\n".join("  " + x for x in levels) + "\n"))
    assert len(lines) == 1 and lines[0].endswith("aliases expand to more than 100,000 values")


def test_unreadable_file_is_a_policy_error(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.yaml")
    assert lines_of(missing) == [f"{missing}: cannot read: No such file or directory"]


# --- discovery ---------------------------------------------------------------------------------------------


def make(root: Path, *files: str) -> None:
    for f in files:
        p = root / f
        p.parent.mkdir(parents=True, exist_ok=True)
        if f.endswith("/"):
            p.mkdir(exist_ok=True)
        else:
            p.write_text("version: 1\n")


def test_find_walks_up_to_the_repository_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make(tmp_path, "repo/.git/", "repo/.layergate.yaml", "repo/app/stacks/template.yaml")
    monkeypatch.chdir(tmp_path)
    expected = os.path.join("repo", ".layergate.yaml")
    assert policy.find("repo/app/stacks/template.yaml") == expected
    assert policy.find("repo/app/stacks") == expected
    assert policy.find("repo/app/stacks/not-there.yaml") == expected
    monkeypatch.chdir(tmp_path / "repo" / "app")
    assert policy.find(".") == str(tmp_path / "repo" / ".layergate.yaml")  # above the cwd: absolute


def test_nearest_file_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make(tmp_path, "repo/.git/", "repo/.layergate.yaml", "repo/svc/.layergate.yml", "repo/svc/a/t.yaml")
    monkeypatch.chdir(tmp_path)
    assert policy.find("repo/svc/a/t.yaml") == os.path.join("repo", "svc", ".layergate.yml")


def test_find_stops_at_the_repository_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a policy above the repository (say, in the home directory) does not apply to it
    make(tmp_path, ".layergate.yaml", "repo/.git/", "repo/app/template.yaml", "wt/.git", "wt/t.yaml")
    monkeypatch.chdir(tmp_path)
    assert policy.find("repo/app/template.yaml") is None
    assert policy.find("wt/t.yaml") is None  # a worktree's .git is a file


def test_find_outside_a_repository_walks_to_the_top(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make(tmp_path, "outer/.layergate.yaml", "outer/x/y/t.yaml")
    monkeypatch.chdir(tmp_path / "outer" / "x")
    assert policy.find("y/t.yaml") == str(tmp_path / "outer" / ".layergate.yaml")  # above the cwd: absolute


def test_two_policy_files_in_one_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make(tmp_path, "repo/.git/", "repo/.layergate.yaml", "repo/.layergate.yml")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PolicyError) as info:
        policy.find("repo")
    assert str(info.value) == "repo: both .layergate.yaml and .layergate.yml exist; keep one"


def test_policy_path_that_is_a_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make(tmp_path, "repo/.git/", "repo/.layergate.yaml/")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PolicyError) as info:
        policy.find("repo")
    assert str(info.value) == f"{os.path.join('repo', '.layergate.yaml')}: is not a regular file"


# --- schema and code agree ---------------------------------------------------------------------------------

SCHEMA = policy_schema.schema()
DEFS = SCHEMA["$defs"]


def props(s: dict[str, Any]) -> set[str]:
    return set(s["properties"])


def fields(record: type) -> set[str]:
    return {f.name for f in dataclasses.fields(record)}


def test_schema_keys_are_the_record_fields() -> None:
    # exclude_defaults is folded into Policy.exclude; path and location come from where the file was read
    assert props(SCHEMA) - {"exclude_defaults"} == fields(Policy) - {"path"}
    assert props(DEFS["publisher"]) == fields(PublisherAllow) - {"location"}
    assert props(DEFS["reviewed_layer"]) == fields(ReviewedLayer) - {"location"}
    assert props(DEFS["deny_entry"]) == fields(DenyEntry) - {"location"}
    assert props(DEFS["ignore_entry"]) == fields(IgnoreEntry) - {"location"}
    assert props(DEFS["org"]) == fields(OrgInfo)
    assert props(DEFS["vulnerabilities"]) == fields(VulnerabilityPolicy) - {"declared"}
    assert props(DEFS["vulnerability_ignore"]) == fields(VulnerabilityIgnore) - {"location"}


def all_keys(s: dict[str, Any], prefix: str = "") -> set[str]:
    """Every property path of the schema, e.g. layers[].sha256."""
    if "$ref" in s:
        s = DEFS[s["$ref"].rsplit("/", 1)[1]]
    out: set[str] = set()
    for key, sub in s.get("properties", {}).items():
        out.add(prefix + key)
        out |= all_keys(sub, prefix + key + ".")
    if "items" in s:
        out |= all_keys(s["items"], prefix.rstrip(".") + "[].")
    return out


def doc_keys(x: Any, prefix: str = "") -> set[str]:
    out: set[str] = set()
    if isinstance(x, dict):
        for key, value in x.items():
            out.add(prefix + key)
            out |= doc_keys(value, prefix + key + ".")
    elif isinstance(x, list):
        for value in x:
            out |= doc_keys(value, prefix.rstrip(".") + "[].")
    return out


def load_data(path: Path) -> Any:
    root = yamlnodes.load_text(str(path))
    assert root is not None
    return policy_load._plain(root, str(path))


def test_every_key_fixture_covers_the_schema() -> None:
    assert doc_keys(load_data(FIXTURES / "every_key.yaml")) == all_keys(SCHEMA)


def test_rule_names_in_the_schema_are_the_registry() -> None:
    registered = rule_names(all_rules())
    if not registered:
        pytest.skip("no rules registered")
    in_schema = set(DEFS["rule"]["enum"])
    assert in_schema == registered, (
        "update $defs.rule.enum in layergate/policy.schema.json: "
        f"add {sorted(registered - in_schema)}, remove {sorted(in_schema - registered)}")


def test_schema_is_valid_draft_2020_12() -> None:
    import jsonschema

    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert json.loads(policy.schema_text()) == SCHEMA


def keywords(s: Any) -> set[str]:
    if isinstance(s, dict):
        found = set(s)
        for key, value in s.items():
            if key in ("properties", "$defs"):
                for sub in value.values():
                    found |= keywords(sub)
            elif isinstance(value, dict):
                found |= keywords(value)
        return found
    return set()


def test_fast_path_knows_every_keyword_the_schema_uses() -> None:
    assert keywords(SCHEMA) <= set(schema_subset.KEYWORDS) | schema_subset.ANNOTATIONS


def test_every_pattern_hint_names_a_pattern_of_the_schema() -> None:
    patterns = set()
    stack: list[Any] = [SCHEMA]
    while stack:
        s = stack.pop()
        if isinstance(s, dict):
            if isinstance(s.get("pattern"), str):
                patterns.add(s["pattern"])
            stack.extend(s.values())
    assert set(policy_schema.PATTERN_HINTS) <= patterns
    assert patterns - set(policy_schema.PATTERN_HINTS) == {
        DEFS["reviewed_layer"]["properties"]["recorded_at"]["pattern"]}


# The fast path must say "valid" exactly when jsonschema does, on valid and broken documents alike.
ODD_VALUES: list[Any] = [None, True, False, 0, -1, 1, 1.0, 1.5, "", "x", "LG101", "us-east-1", "123456789012",
                         "2026-01-01", "arn:aws:lambda:us-east-1:123456789012:layer:x:1", "*", "o-abc123def4",
                         "a" * 64, [], ["x"], ["us-east-1", "us-east-1"], {}, {"x": 1}]


def mutations(doc: Any) -> Any:
    def paths(x: Any, at: tuple[Any, ...] = ()) -> Any:
        yield at
        if isinstance(x, dict):
            for k, v in x.items():
                yield from paths(v, (*at, k))
        elif isinstance(x, list):
            for i, v in enumerate(x):
                yield from paths(v, (*at, i))

    def replaced(x: Any, at: tuple[Any, ...], new: Any, delete: bool = False) -> Any:
        if not at:
            return new
        x = dict(x) if isinstance(x, dict) else list(x)
        if len(at) == 1 and delete:
            del x[at[0]]
        else:
            x[at[0]] = replaced(x[at[0]], at[1:], new, delete)
        return x

    for at in list(paths(doc)):
        for v in ODD_VALUES:
            yield replaced(doc, at, v)
        if at:
            yield replaced(doc, at, None, delete=True)
        node = doc
        for part in at:
            node = node[part]
        if isinstance(node, dict):
            yield replaced(doc, at, {**node, "unknown_key": 1})


def test_fast_path_agrees_with_jsonschema() -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(SCHEMA)
    checked = disagreements = 0
    for doc in mutations(load_data(FIXTURES / "every_key.yaml")):  # holds every key of the schema
        fast = schema_subset.conforms(SCHEMA, doc, SCHEMA)
        slow = validator.is_valid(doc)
        checked += 1
        if fast != slow:
            disagreements += 1
            print("disagree:", json.dumps(doc)[:300], "fast", fast, "jsonschema", slow)
    assert checked > 1000 and disagreements == 0


def test_valid_policy_does_not_import_jsonschema() -> None:
    code = ("import sys; from layergate import policy; policy.load(sys.argv[1]); "
            "print('jsonschema' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(FIXTURES / "full.yaml")], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "False"


def test_schema_text_through_importlib_resources(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the package is not plain files (a zip), the schema comes through importlib.resources."""
    shipped = policy.schema_text()
    monkeypatch.setattr(policy_schema.os.path, "dirname", lambda _p: "/nonexistent-directory")
    assert policy_schema.schema_text() == shipped
