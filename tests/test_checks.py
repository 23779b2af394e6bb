"""Unit tests of the rule checks over hand-built records: whole findings, not counts.

The end-to-end replay of every rule's cases through the CLI lives in test_rule_cases.py; these pin the
logic at the edges that are awkward to reach from a template (region-tied candidates, dynamic values
with a current value, grants in every form).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from types import ModuleType

import pytest

from layergate import catalog
from layergate.checks import (
    Context,
    denied_layer,
    expired_suppression,
    floating_reference,
    layer_count_or_duplicate,
    layer_shared_outside_org,
    malformed_arn,
    mutable_layer_source,
    plugin_injected_layers,
    public_layer_permission,
    publisher_not_allowed,
    region_or_partition_mismatch,
    review_expired,
    unresolvable_reference,
    unreviewed_extension,
    unreviewed_version,
    unversioned_arn,
)
from layergate.model import (
    Candidate,
    ContentSource,
    Finding,
    LayerDef,
    LayerGrant,
    LayerRef,
    Location,
    Note,
    Resolution,
    ResolutionKind,
    Scan,
)
from layergate.policy import DenyEntry, IgnoreEntry, OrgInfo, Policy, PublisherAllow, ReviewedLayer

FILE = "template.yaml"
POLICY_FILE = "repo/.layergate.yaml"
TODAY = dt.date(2026, 12, 1)

DD = "464622532012"
DD_EXT = f"arn:aws:lambda:us-east-1:{DD}:layer:Datadog-Extension:56"
DD_PY = f"arn:aws:lambda:us-east-1:{DD}:layer:Datadog-Python312:101"
OWN = "arn:aws:lambda:us-east-1:123456789012:layer:shared-utils:3"
LITERAL = Resolution(ResolutionKind.LITERAL)


def loc(line: int, file: str = FILE) -> Location:
    return Location(file, line, 11, f"Resources/Fn/Properties/Layers/{line}")


def ref(
    *values: str | Candidate,
    line: int = 10,
    consumer: str = "Fn",
    resolution: Resolution = LITERAL,
    position: int = 0,
    layer_def: str | None = None,
    expression: str | None = None,
) -> LayerRef:
    candidates = tuple(v if isinstance(v, Candidate) else Candidate(v) for v in values)
    return LayerRef(
        consumer=consumer,
        location=loc(line),
        expression=expression if expression is not None else (candidates[0].value if candidates else ""),
        resolution=resolution,
        candidates=candidates,
        layer_def=layer_def,
        position=position,
    )


def scan(*refs: LayerRef, **kw: object) -> Scan:
    return Scan(file=FILE, format="cloudformation", refs=refs, **kw)  # type: ignore[arg-type]


def policy(**kw: object) -> Policy:
    return Policy(path=POLICY_FILE, **kw)  # type: ignore[arg-type]


def ctx(pol: Policy | None = None, regions: tuple[str, ...] = ("us-east-1",)) -> Context:
    return Context(policy=pol or policy(), catalog=catalog.load(), regions=regions, today=TODAY)


def reviewed(arn: str, line: int = 20, **kw: object) -> ReviewedLayer:
    fields: dict[str, object] = {
        "sha256": "ab" * 32,
        "reviewed_by": "alice",
        "reviewed_at": dt.date(2026, 11, 2),
        "extension": False,
        "note": "",
        "location": Location(POLICY_FILE, line, 5),
    }
    fields.update(kw)
    return ReviewedLayer(arn=arn, **fields)  # type: ignore[arg-type]


Row = tuple[str, str, str, str, str | None, str | None]


def rows(findings: Iterable[Finding]) -> list[Row]:
    """Everything a finding says except the fix (checked once per rule in test_rule_catalog)."""
    return [(f.rule_id, str(f.severity), str(f.location), f.message, f.arn, f.consumer) for f in findings]


def run(module: ModuleType, s: Scan, c: Context) -> list[Row]:
    return rows(module.check(s, c))


# LG101 -------------------------------------------------------------------------------------------


def test_floating_dynamic_is_error_with_reason() -> None:
    r = ref(
        resolution=Resolution(ResolutionKind.DYNAMIC, "SSM parameter /layers/datadog"),
        expression="{{resolve:ssm:/layers/datadog}}",
    )
    assert run(floating_reference, scan(r), ctx()) == [
        (
            "LG101",
            "error",
            "template.yaml:10:11",
            "function Fn takes layer '{{resolve:ssm:/layers/datadog}}' that the repository does not pin: SSM"
            " parameter /layers/datadog",
            None,
            "Fn",
        )
    ]


def test_floating_reason_that_quotes_the_expression_is_not_repeated() -> None:
    expr = "{{resolve:ssm:/layers/datadog}}"
    r = ref(
        resolution=Resolution(ResolutionKind.DYNAMIC, f"{expr} reads SSM parameter /layers/datadog"), expression=expr
    )
    assert [x[3] for x in run(floating_reference, scan(r), ctx())] == [
        f"function Fn takes a layer that the repository does not pin: {expr} reads SSM parameter /layers/datadog"
    ]


def test_floating_dynamic_with_current_value_names_it() -> None:
    r = ref(
        DD_EXT,
        resolution=Resolution(ResolutionKind.DYNAMIC, "data source data.aws_lambda_layer_version.dd without version"),
        expression="data.aws_lambda_layer_version.dd.arn",
    )
    assert run(floating_reference, scan(r), ctx()) == [
        (
            "LG101",
            "error",
            "template.yaml:10:11",
            "function Fn takes layer 'data.aws_lambda_layer_version.dd.arn' that the repository does not pin:"
            " data source data.aws_lambda_layer_version.dd without version (currently"
            f" {DD_EXT} from 464622532012 (Datadog))",
            DD_EXT,
            "Fn",
        )
    ]


def test_floating_parameter_default_is_warning_but_committed_values_pass() -> None:
    default = ref(DD_EXT, resolution=Resolution(ResolutionKind.PARAMETER, "DatadogLayer", "default"))
    from_file = ref(
        DD_EXT, line=12, resolution=Resolution(ResolutionKind.PARAMETER, "DatadogLayer", "parameters file p.json")
    )
    cli = ref(DD_EXT, line=13, resolution=Resolution(ResolutionKind.PARAMETER, "DatadogLayer", "command line"))
    findings = list(floating_reference.check(scan(default, from_file, cli), ctx()))
    assert rows(findings) == [
        (
            "LG101",
            "warning",
            "template.yaml:10:11",
            f"function Fn takes layer {DD_EXT} from 464622532012 (Datadog) through the default of parameter"
            " DatadogLayer; a deploy can override it without this check seeing the value",
            DD_EXT,
            "Fn",
        )
    ]
    assert findings[0].fix.startswith("Write the layer version ARN in place of the parameter")


def test_floating_several_parameters_one_from_default() -> None:
    r = ref(
        DD_EXT,
        resolution=Resolution(ResolutionKind.PARAMETER, "DatadogAccount, ExtensionVersion", "command line, default"),
    )
    assert [x[3] for x in run(floating_reference, scan(r), ctx())] == [
        f"function Fn takes layer {DD_EXT} from 464622532012 (Datadog) through parameters DatadogAccount,"
        " ExtensionVersion (values from: command line, default); a deploy can override it without this"
        " check seeing the value"
    ]


def test_floating_ignores_literal_internal_unknown() -> None:
    s = scan(
        ref(DD_EXT),
        ref(resolution=Resolution(ResolutionKind.INTERNAL), layer_def="Deps", line=11),
        ref(resolution=Resolution(ResolutionKind.UNKNOWN, "Fn::ImportValue"), line=12),
    )
    assert run(floating_reference, s, ctx()) == []


# LG102 / LG103 / LG104 -----------------------------------------------------------------------------


def test_unversioned_plain_and_managed() -> None:
    s = scan(
        ref(f"arn:aws:lambda:us-east-1:{DD}:layer:Datadog-Extension"),
        ref("arn:aws:lambda:::awslayer:AmazonLinux2", line=11),
        ref(DD_EXT, line=12),
    )
    assert run(unversioned_arn, s, ctx()) == [
        (
            "LG102",
            "error",
            "template.yaml:10:11",
            f"function Fn uses arn:aws:lambda:us-east-1:{DD}:layer:Datadog-Extension from 464622532012"
            " (Datadog) without a version; there is no exact layer version to review or record a hash for",
            f"arn:aws:lambda:us-east-1:{DD}:layer:Datadog-Extension",
            "Fn",
        ),
        (
            "LG102",
            "error",
            "template.yaml:11:11",
            "function Fn uses the AWS-managed layer arn:aws:lambda:::awslayer:AmazonLinux2, which names no"
            " account and no version; its content cannot be pinned or reviewed",
            "arn:aws:lambda:::awslayer:AmazonLinux2",
            "Fn",
        ),
    ]


def test_unresolvable_unknown_and_valueless_parameter() -> None:
    s = scan(
        ref(
            resolution=Resolution(ResolutionKind.UNKNOWN, "Fn::ImportValue SharedLayerArn"),
            expression="!ImportValue SharedLayerArn",
        ),
        ref(resolution=Resolution(ResolutionKind.PARAMETER, "LayerArn"), expression="!Ref LayerArn", line=11),
        ref(resolution=Resolution(ResolutionKind.DYNAMIC, "SSM"), expression="x", line=12),
        ref(DD_EXT, line=13),
    )
    assert run(unresolvable_reference, s, ctx()) == [
        (
            "LG103",
            "error",
            "template.yaml:10:11",
            "function Fn has layer '!ImportValue SharedLayerArn' that cannot be resolved: Fn::ImportValue"
            " SharedLayerArn; a layer that cannot be seen cannot be checked",
            None,
            "Fn",
        ),
        (
            "LG103",
            "error",
            "template.yaml:11:11",
            "function Fn has layer '!Ref LayerArn' that cannot be resolved: parameter LayerArn has no"
            " default and no value was given; a layer that cannot be seen cannot be checked",
            None,
            "Fn",
        ),
    ]


def test_malformed_reports_each_distinct_value_with_reason() -> None:
    bad = "arn:aws:lambda:us-east-1:46462253201:layer:Datadog-Extension:56"
    s = scan(ref(Candidate(bad, "us-east-1"), Candidate(bad, "eu-west-1"), Candidate(DD_EXT)))
    assert run(malformed_arn, s, ctx()) == [
        (
            "LG104",
            "error",
            "template.yaml:10:11",
            f"function Fn has layer '{bad}', which is not a layer ARN: account '46462253201' is not 12 digits",
            None,
            "Fn",
        )
    ]


# LG105 ---------------------------------------------------------------------------------------------


def test_region_untied_candidate_checked_against_every_deploy_region() -> None:
    s = scan(ref(DD_EXT))
    assert run(region_or_partition_mismatch, s, ctx(regions=("us-east-1", "eu-west-1", "cn-north-1"))) == [
        (
            "LG105",
            "error",
            "template.yaml:10:11",
            f"function Fn uses {DD_EXT} from 464622532012 (Datadog), a layer in us-east-1, but the function"
            " deploys to eu-west-1, cn-north-1 (partition aws-cn); Lambda only loads layers from the"
            " function's own region",
            DD_EXT,
            "Fn",
        )
    ]


def test_region_tied_candidates_only_checked_against_their_region() -> None:
    eu = DD_EXT.replace("us-east-1", "eu-west-1")
    good = scan(ref(Candidate(DD_EXT, "us-east-1"), Candidate(eu, "eu-west-1")))
    assert run(region_or_partition_mismatch, good, ctx(regions=("us-east-1", "eu-west-1"))) == []
    crossed = scan(ref(Candidate(DD_EXT, "eu-west-1"), Candidate(eu, "eu-west-1")))
    assert [r[3] for r in run(region_or_partition_mismatch, crossed, ctx(regions=("us-east-1", "eu-west-1")))] == [
        f"function Fn uses {DD_EXT} from 464622532012 (Datadog), a layer in us-east-1, but the function"
        " deploys to eu-west-1; Lambda only loads layers from the function's own region"
    ]


def test_region_file_stated_region_replaces_policy_regions() -> None:
    s = scan(ref(DD_EXT), regions=("us-east-1",))
    assert run(region_or_partition_mismatch, s, ctx(regions=("us-east-1", "eu-west-1"))) == []
    s = scan(ref(DD_EXT), regions=("eu-west-1",))
    assert len(run(region_or_partition_mismatch, s, ctx(regions=("us-east-1",)))) == 1


def test_region_partition_inconsistent_with_own_region_even_without_deploy_regions() -> None:
    arn = f"arn:aws-cn:lambda:us-east-1:{DD}:layer:Datadog-Extension:56"
    assert run(region_or_partition_mismatch, scan(ref(arn)), ctx(regions=())) == [
        (
            "LG105",
            "error",
            "template.yaml:10:11",
            f"function Fn uses {arn} from {DD}, whose partition aws-cn does not hold its region us-east-1",
            arn,
            "Fn",
        )
    ]


def test_region_managed_layer_only_partition_matters() -> None:
    managed = "arn:aws:lambda:::awslayer:AWSLambda-Python37-SciPy1x"
    found = run(region_or_partition_mismatch, scan(ref(managed)), ctx(regions=("us-east-1", "cn-north-1")))
    assert [r[3] for r in found] == [
        f"function Fn uses {managed} from AWS (managed awslayer), an AWS-managed layer of partition aws, but the"
        " function deploys to cn-north-1 (partition aws-cn); Lambda only loads layers from the function's own"
        " region"
    ]


def test_region_no_deploy_regions_no_finding() -> None:
    assert run(region_or_partition_mismatch, scan(ref(DD_EXT)), ctx(regions=())) == []


# LG106 ---------------------------------------------------------------------------------------------


def _six(consumer: str = "Fn") -> list[LayerRef]:
    return [
        ref(f"arn:aws:lambda:us-east-1:123456789012:layer:l{i}:1", line=10 + i, position=i, consumer=consumer)
        for i in range(6)
    ]


def test_count_over_five_points_at_sixth_entry() -> None:
    s = scan(*_six(), *_six("Other")[:5])
    assert run(layer_count_or_duplicate, s, ctx()) == [
        (
            "LG106",
            "error",
            "template.yaml:15:11",
            "function Fn has 6 layers; Lambda allows at most 5 per function",
            None,
            "Fn",
        )
    ]


def test_count_per_region_with_region_tied_entry() -> None:
    refs = [*_six()[:5], ref(Candidate(DD_EXT, "us-east-1"), line=20, position=5)]
    s = scan(*refs)
    assert run(layer_count_or_duplicate, s, ctx(regions=("us-east-1", "eu-west-1"))) == [
        (
            "LG106",
            "error",
            "template.yaml:20:11",
            "function Fn has 6 layers in us-east-1; Lambda allows at most 5 per function",
            None,
            "Fn",
        )
    ]


def test_duplicates_same_arn_two_versions_and_internal() -> None:
    dd55 = DD_EXT.replace(":56", ":55")
    s = scan(
        ref(DD_EXT, line=10, position=0),
        ref(DD_EXT, line=11, position=1),
        ref(dd55, line=12, position=2),
        ref(resolution=Resolution(ResolutionKind.INTERNAL), layer_def="Deps", line=13, position=3),
        ref(resolution=Resolution(ResolutionKind.INTERNAL), layer_def="Deps", line=14, position=4),
        ref(DD_EXT, consumer="Other", line=15),
    )
    assert run(layer_count_or_duplicate, s, ctx()) == [
        (
            "LG106",
            "error",
            "template.yaml:11:11",
            f"function Fn lists {DD_EXT} from 464622532012 (Datadog) twice (also at line 10); Lambda rejects"
            " a layer listed twice",
            DD_EXT,
            "Fn",
        ),
        (
            "LG106",
            "error",
            "template.yaml:12:11",
            f"function Fn lists two versions of arn:aws:lambda:us-east-1:{DD}:layer:Datadog-Extension from"
            " 464622532012 (Datadog): version 55 here and version 56 at line 10; Lambda loads one version of"
            " a layer",
            dd55,
            "Fn",
        ),
        (
            "LG106",
            "error",
            "template.yaml:14:11",
            "function Fn lists layer Deps of this deployment twice (also at line 13); Lambda rejects a layer"
            " listed twice",
            None,
            "Fn",
        ),
    ]


def test_duplicates_entry_offering_internal_layer_or_arn() -> None:
    s = scan(
        ref(resolution=Resolution(ResolutionKind.INTERNAL, "Deps"), layer_def="Deps", line=10, position=0),
        ref(DD_EXT, layer_def="Deps", line=11, position=1),  # !If [UseVendor, <arn>, !Ref Deps]
    )
    assert [x[2:4] for x in run(layer_count_or_duplicate, s, ctx())] == [
        (
            "template.yaml:11:11",
            "function Fn lists layer Deps of this deployment twice (also at line 10); Lambda rejects a layer"
            " listed twice",
        )
    ]


def test_duplicates_only_within_one_region() -> None:
    eu = DD_EXT.replace("us-east-1", "eu-west-1")
    s = scan(
        ref(Candidate(DD_EXT, "us-east-1"), line=10, position=0),
        ref(Candidate(eu, "eu-west-1"), line=11, position=1),
    )
    assert run(layer_count_or_duplicate, s, ctx(regions=("us-east-1", "eu-west-1"))) == []


# LG107 ---------------------------------------------------------------------------------------------


def test_plugin_note_becomes_finding() -> None:
    note = Note(
        "plugin-injected-layers",
        Location("serverless.yml", 4, 5, "plugins/0"),
        "plugin serverless-plugin-datadog adds Datadog layers to every function at package time",
        subject="functions.api",
    )
    other = Note("something-else", Location("serverless.yml", 1, 1), "x")
    s = Scan(file="serverless.yml", format="serverless", notes=(note, other))
    assert run(plugin_injected_layers, s, ctx()) == [
        (
            "LG107",
            "error",
            "serverless.yml:4:5",
            "plugin serverless-plugin-datadog adds Datadog layers to every function at package time",
            None,
            "functions.api",
        )
    ]


def test_entry_with_unknown_part_reports_it_and_still_checks_what_is_visible() -> None:
    # !If [UseShared, !ImportValue SharedLayer, <Datadog ARN>]: one branch unknown, one visible
    r = ref(DD_EXT, resolution=Resolution(ResolutionKind.UNKNOWN, "Fn::ImportValue SharedLayer"), expression="!If ...")
    c = ctx(policy(publishers=()))
    assert [x[0] for x in run(unresolvable_reference, scan(r), c)] == ["LG103"]
    assert [x[0] for x in run(publisher_not_allowed, scan(r), c)] == ["LG201"]
    assert [x[0] for x in run(unreviewed_version, scan(r), c)] == ["LG301"]


# LG201 / LG202 -------------------------------------------------------------------------------------


def _allow(vendor: str | None = None, account: str | None = None, layers: tuple[str, ...] = ()) -> PublisherAllow:
    return PublisherAllow(vendor, account, vendor or "platform", layers, Location(POLICY_FILE, 3, 5))


def test_publisher_default_policy_trusts_nobody() -> None:
    c = Context(
        policy=Policy(path=None),
        catalog=catalog.load(),
        regions=("us-east-1",),
        today=TODAY,
    )
    assert run(publisher_not_allowed, scan(ref(DD_EXT)), c) == [
        (
            "LG201",
            "error",
            "template.yaml:10:11",
            f"function Fn uses {DD_EXT} from 464622532012 (Datadog): no policy file, so no publisher is trusted",
            DD_EXT,
            "Fn",
        )
    ]


def test_publisher_vendor_entry_with_name_globs() -> None:
    pol = policy(publishers=(_allow(vendor="datadog", layers=("Datadog-Extension*",)),))
    s = scan(ref(DD_EXT), ref(DD_PY, line=11))
    assert run(publisher_not_allowed, s, ctx(pol)) == [
        (
            "LG201",
            "error",
            "template.yaml:11:11",
            f"function Fn uses {DD_PY} from 464622532012 (Datadog): the publishers entry for datadog allows"
            " only layers matching Datadog-Extension*",
            DD_PY,
            "Fn",
        )
    ]


def test_publisher_account_entry_and_org_accounts_not_implicit() -> None:
    pol = policy(org=OrgInfo("o-abc123def4", ("123456789012",)))
    assert [r[3] for r in run(publisher_not_allowed, scan(ref(OWN)), ctx(pol))] == [
        f"function Fn uses {OWN} from 123456789012: no publishers entry allows this account"
    ]
    pol = policy(publishers=(_allow(account="123456789012", layers=("other-*",)),))
    assert [r[3] for r in run(publisher_not_allowed, scan(ref(OWN)), ctx(pol))] == [
        f"function Fn uses {OWN} from 123456789012: the publishers entry for platform allows only"
        " layers matching other-*"
    ]
    pol = policy(publishers=(_allow(account="123456789012"),))
    assert run(publisher_not_allowed, scan(ref(OWN), ref(DD_EXT, line=11)), ctx(pol)) == [
        (
            "LG201",
            "error",
            "template.yaml:11:11",
            f"function Fn uses {DD_EXT} from 464622532012 (Datadog): no publishers entry allows this account",
            DD_EXT,
            "Fn",
        )
    ]


def test_publisher_vendor_entry_respects_partition() -> None:
    gov = f"arn:aws-us-gov:lambda:us-gov-west-1:{DD}:layer:Datadog-Extension:56"
    pol = policy(publishers=(_allow(vendor="datadog"),))
    assert [r[4] for r in run(publisher_not_allowed, scan(ref(DD_EXT), ref(gov, line=11)), ctx(pol))] == [gov]


def test_publisher_vendor_entry_needs_confirmed_account_and_catalog_name() -> None:
    # 066549572091 publishes Lambda Insights arm64 in il-central-1 only; elsewhere it is Epsagon's.
    insights = "arn:aws:lambda:il-central-1:066549572091:layer:LambdaInsightsExtension-Arm64:5"
    epsagon = "arn:aws:lambda:il-central-1:066549572091:layer:epsagon-node-layer:5"
    klayers = "arn:aws:lambda:us-east-1:770693421928:layer:Klayers-p312-requests:7"  # unconfirmed account
    pol = policy(publishers=(_allow(vendor="lambda-insights"), _allow(vendor="klayers")))
    s = scan(ref(insights), ref(epsagon, line=11), ref(klayers, line=12))
    assert [r[2:4] for r in run(publisher_not_allowed, s, ctx(pol, regions=("il-central-1",)))] == [
        (
            "template.yaml:11:11",
            f"function Fn uses {epsagon} from 066549572091 (Epsagon): no publishers entry allows this account",
        ),
        (
            "template.yaml:12:11",
            f"function Fn uses {klayers} from 770693421928: the publishers entry for klayers does not cover it,"
            " because the catalog knows this account for klayers only second-hand; allow it with an account"
            " entry if you trust it",
        ),
    ]


def test_publisher_skips_internal_and_malformed() -> None:
    s = scan(ref(resolution=Resolution(ResolutionKind.INTERNAL), layer_def="Deps"), ref("not-an-arn", line=11))
    assert run(publisher_not_allowed, s, ctx()) == []


def test_deny_glob_with_reason_and_unversioned() -> None:
    klayers = "arn:aws:lambda:us-east-1:770693421928:layer:Klayers-p312-requests"
    pol = policy(
        deny=(
            DenyEntry("arn:aws:lambda:*:*:layer:Klayers-*:*", "community layers are not allowed", loc(30, POLICY_FILE)),
        )
    )
    s = scan(ref(f"{klayers}:7"), ref(klayers, line=11), ref(DD_EXT, line=12))
    assert run(denied_layer, s, ctx(pol)) == [
        (
            "LG202",
            "error",
            "template.yaml:10:11",
            f"function Fn uses {klayers}:7 from 770693421928, which the policy denies"
            " (arn:aws:lambda:*:*:layer:Klayers-*:*): community layers are not allowed",
            f"{klayers}:7",
            "Fn",
        ),
        (
            "LG202",
            "error",
            "template.yaml:11:11",
            f"function Fn uses {klayers} from 770693421928, which the policy denies"
            " (arn:aws:lambda:*:*:layer:Klayers-*:*): community layers are not allowed",
            klayers,
            "Fn",
        ),
    ]


# LG301 / LG303 / LG401 -----------------------------------------------------------------------------


def test_unreviewed_missing_hash_and_reviewer() -> None:
    a, b, c = (DD_EXT.replace(":56", f":{v}") for v in (1, 2, 3))
    pol = policy(
        layers=(
            reviewed(b, line=21, sha256=None, reviewed_by=None),
            reviewed(c, line=25, reviewed_by=None, reviewed_at=None),
            reviewed(DD_EXT, line=30),
        )
    )
    s = scan(ref(a), ref(b, line=11), ref(c, line=12), ref(DD_EXT, line=13), ref(DD_EXT.removesuffix(":56"), line=14))
    assert [r[2:4] for r in run(unreviewed_version, s, ctx(pol))] == [
        (
            "template.yaml:10:11",
            f"function Fn uses {a} from 464622532012 (Datadog), which has no layers entry with a recorded"
            " SHA-256; run `layergate lock`, then review it",
        ),
        (
            "template.yaml:11:11",
            f"function Fn uses {b} from 464622532012 (Datadog), which has a layers entry (.layergate.yaml"
            " line 21) without sha256; run `layergate lock`",
        ),
        (
            "template.yaml:12:11",
            f"function Fn uses {c} from 464622532012 (Datadog), which has a recorded SHA-256 (.layergate.yaml"
            " line 25) but no reviewed_by; `layergate lock` records hashes unreviewed, so fill in reviewed_by"
            " after reviewing the layer",
        ),
    ]


def test_review_expired_only_with_max_age() -> None:
    old = reviewed(DD_EXT, line=30, reviewed_at=dt.date(2025, 11, 30))
    assert run(review_expired, scan(ref(DD_EXT)), ctx(policy(layers=(old,)))) == []
    pol = policy(layers=(old,), max_review_age_days=365)
    assert run(review_expired, scan(ref(DD_EXT)), ctx(pol)) == [
        (
            "LG303",
            "error",
            "template.yaml:10:11",
            f"function Fn uses {DD_EXT} from 464622532012 (Datadog): its review by alice on 2025-11-30"
            " (.layergate.yaml line 30) is 366 days old, more than max_review_age_days (365)",
            DD_EXT,
            "Fn",
        )
    ]
    fresh = reviewed(DD_EXT, line=30, reviewed_at=dt.date(2025, 12, 1))  # exactly 365 days: still valid
    assert run(review_expired, scan(ref(DD_EXT)), ctx(policy(layers=(fresh,), max_review_age_days=365))) == []


def test_review_expired_undated_review_fails_closed() -> None:
    pol = policy(layers=(reviewed(DD_EXT, line=30, reviewed_at=None),), max_review_age_days=365)
    assert [r[3] for r in run(review_expired, scan(ref(DD_EXT)), ctx(pol))] == [
        f"function Fn uses {DD_EXT} from 464622532012 (Datadog): its review by alice (.layergate.yaml line 30)"
        " has no reviewed_at, so its age cannot be held to max_review_age_days (365)"
    ]


def test_extension_needs_extension_flag() -> None:
    pol = policy(layers=(reviewed(DD_EXT, line=30), reviewed(DD_PY, line=40)))
    s = scan(ref(DD_EXT), ref(DD_PY, line=11), ref(DD_EXT.replace(":56", ":57"), line=12))
    assert [r[2:4] for r in run(unreviewed_extension, s, ctx(pol))] == [
        (
            "template.yaml:10:11",
            f"function Fn uses {DD_EXT} from 464622532012 (Datadog), an extension that runs beside the handler"
            " with its environment and role; its layers entry (.layergate.yaml line 30) lacks extension: true",
        ),
        (
            "template.yaml:12:11",
            f"function Fn uses {DD_EXT.replace(':56', ':57')} from 464622532012 (Datadog), an extension that"
            " runs beside the handler with its environment and role; no layers entry reviews it as one"
            " (extension: true)",
        ),
    ]
    ok = policy(layers=(reviewed(DD_EXT, line=30, extension=True),))
    assert run(unreviewed_extension, scan(ref(DD_EXT)), ctx(ok)) == []


# LG501 / LG502 / LG503 -----------------------------------------------------------------------------


def grant(principal: str, org: str | None = None, line: int = 40) -> LayerGrant:
    return LayerGrant("SharedLayer", principal, org, loc(line))


def test_public_permission() -> None:
    s = scan(grants=(grant("*"), grant("*", "o-abc123def4", 41), grant("123456789012", line=42)))
    assert run(public_layer_permission, s, ctx()) == [
        (
            "LG501",
            "error",
            "template.yaml:40:11",
            "layer SharedLayer is shared with principal '*' and no OrganizationId: every AWS account can"
            " download and use it",
            None,
            "SharedLayer",
        )
    ]


def test_shared_outside_org_with_org_listed() -> None:
    pol = policy(org=OrgInfo("o-abc123def4", ("123456789012",)))
    s = scan(
        grants=(
            grant("123456789012"),
            grant("arn:aws:iam::210987654321:root", line=41),
            grant(DD, line=42),
            grant("*", "o-zzz999zzz9", line=43),
            grant("*", "o-abc123def4", line=44),
            grant("*", line=45),
            grant("${SharedAccount}", line=46),
        )
    )
    assert run(layer_shared_outside_org, s, ctx(pol)) == [
        (
            "LG502",
            "error",
            "template.yaml:41:11",
            "layer SharedLayer is shared with account 210987654321, which is not in org.accounts",
            None,
            "SharedLayer",
        ),
        (
            "LG502",
            "error",
            "template.yaml:42:11",
            "layer SharedLayer is shared with account 464622532012 (Datadog), which is not in org.accounts",
            None,
            "SharedLayer",
        ),
        (
            "LG502",
            "error",
            "template.yaml:43:11",
            "layer SharedLayer is shared with organization o-zzz999zzz9, not this organization (o-abc123def4)",
            None,
            "SharedLayer",
        ),
        (
            "LG502",
            "error",
            "template.yaml:46:11",
            "layer SharedLayer is shared with principal '${SharedAccount}', which is not an account id"
            " layergate can judge",
            None,
            "SharedLayer",
        ),
    ]


def test_shared_with_undeterminable_principal_or_organization_fails_closed() -> None:
    s = scan(
        grants=(
            grant("<unknown: Fn::ImportValue shared-account>"),
            grant("*", "<unknown: parameter OrgId has no default and no value was given>", line=41),
        )
    )
    assert [r[1:4] for r in run(layer_shared_outside_org, s, ctx())] == [
        (
            "error",
            "template.yaml:40:11",
            "layer SharedLayer is shared with a principal layergate cannot determine (Fn::ImportValue"
            " shared-account): it may be any account or '*'",
        ),
        (
            "error",
            "template.yaml:41:11",
            "layer SharedLayer is shared with '*' in an organization layergate cannot determine (parameter OrgId"
            " has no default and no value was given)",
        ),
    ]


def test_shared_without_org_in_policy_is_warning() -> None:
    s = scan(grants=(grant("123456789012"), grant("*", "o-abc123def4", 41)))
    assert run(layer_shared_outside_org, s, ctx()) == [
        (
            "LG502",
            "warning",
            "template.yaml:40:11",
            "layer SharedLayer is shared with account 123456789012, and the policy lists no org.accounts to"
            " tell whether it is inside the organization",
            None,
            "SharedLayer",
        ),
        (
            "LG502",
            "warning",
            "template.yaml:41:11",
            "layer SharedLayer is shared with organization o-abc123def4, and the policy names no org.id to"
            " compare it with",
            None,
            "SharedLayer",
        ),
    ]


def test_mutable_source() -> None:
    defs = (
        LayerDef("Deps", "deps", loc(50), ContentSource("s3", "s3://bucket/deps.zip")),
        LayerDef("Pinned", "pinned", loc(51), ContentSource("s3", "s3://bucket/p.zip", object_version="3sL4kq")),
        LayerDef("Local", "local", loc(52), ContentSource("local", "layers/local", local_path="layers/local")),
        LayerDef("Odd", "odd", loc(53), ContentSource("unknown", "!GetAtt Bucket.Arn")),
    )
    assert run(mutable_layer_source, scan(layer_defs=defs), ctx()) == [
        (
            "LG503",
            "warning",
            "template.yaml:50:11",
            "layer Deps is published from s3://bucket/deps.zip without an object version: whoever can write"
            " that key changes the layer after review",
            None,
            "Deps",
        ),
        (
            "LG503",
            "warning",
            "template.yaml:53:11",
            "layer Odd takes its content from !GetAtt Bucket.Arn layergate cannot determine, so it cannot"
            " tell whether the content is pinned",
            None,
            "Odd",
        ),
    ]


# LG901 ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expires", "expected"),
    [(dt.date(2026, 11, 30), True), (TODAY, False), (dt.date(2027, 1, 1), False), (None, False)],
)
def test_expired_suppression(expires: dt.date | None, expected: bool) -> None:
    entry = IgnoreEntry("LG301", "sandbox account", Location(POLICY_FILE, 60, 5), expires=expires)
    found = rows(expired_suppression.check_policy(ctx(policy(ignore=(entry,)))))
    assert found == (
        [
            (
                "LG901",
                "warning",
                "repo/.layergate.yaml:60:5",
                "suppression of LG301 (sandbox account) expired on 2026-11-30 and no longer applies",
                None,
                None,
            )
        ]
        if expected
        else []
    )


def test_lg106_alternatives_at_one_position_are_one_entry() -> None:
    """`- !If [UseA, !Ref LayerA, !Ref LayerB]` gives two internal references at one position."""
    from layergate.checks import layer_count_or_duplicate

    internal = Resolution(ResolutionKind.INTERNAL)
    refs = [LayerRef("Fn", loc(10 + i), f"!Ref L{i}", internal, (), layer_def=f"L{i}", position=i) for i in range(5)]
    refs += [LayerRef("Fn", loc(14), "!If [C, !Ref L4, !Ref L5]", internal, (), layer_def=name, position=4)
             for name in ("L5", "L4")]
    assert run(layer_count_or_duplicate, scan(*refs), ctx()) == []
