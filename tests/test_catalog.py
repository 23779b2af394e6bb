"""The publisher catalog: lookups by (partition, region, account, layer name), and the data's own hygiene."""

from __future__ import annotations

import json
import re

import pytest

from layergate import catalog
from layergate.arn import PARTITIONS, LayerArn
from layergate.catalog import Catalog, load, partition_of


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return load()


def who(cat: Catalog, arn: str) -> str | None:
    v = cat.publisher(LayerArn.parse(arn))
    return v.key if v else None


@pytest.mark.parametrize(
    ("arn", "vendor"),
    [
        ("arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:56", "datadog"),
        ("arn:aws:lambda:eu-west-1:464622532012:layer:Datadog-Python312-ARM:99", "datadog"),
        ("arn:aws-us-gov:lambda:us-gov-west-1:002406178527:layer:Datadog-Extension-FIPS:60", "datadog"),
        ("arn:aws:lambda:us-east-1:451483290750:layer:NewRelicPython312:20", "newrelic"),
        ("arn:aws:lambda:us-east-1:114300393969:layer:lumigo-node-tracer:200", "lumigo"),
        ("arn:aws:lambda:us-east-1:724777057400:layer:lumigo-python-tracer:150", "lumigo"),
        ("arn:aws:lambda:us-east-1:943013980633:layer:SentryPythonServerlessSDK:100", "sentry"),
        ("arn:aws:lambda:us-east-1:254067382080:layer:splunk-apm:100", "splunk"),
        ("arn:aws-cn:lambda:cn-north-1:107998019096:layer:instana-python:5", "instana"),
        ("arn:aws:lambda:us-east-1:901920570463:layer:aws-otel-python-amd64-ver-1-25-0:1", "aws-otel"),
        ("arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7",
         "powertools-python"),
        ("arn:aws:lambda:us-east-1:094274105915:layer:AWSLambdaPowertoolsTypeScriptV2:20", "powertools-typescript"),
        # China and GovCloud: one account publishes both languages, the layer name tells them apart
        ("arn:aws-cn:lambda:cn-north-1:498634801083:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7",
         "powertools-python"),
        ("arn:aws-cn:lambda:cn-north-1:498634801083:layer:AWSLambdaPowertoolsTypeScriptV2:20",
         "powertools-typescript"),
        ("arn:aws-us-gov:lambda:us-gov-east-1:165087284144:layer:AWSLambdaPowertoolsTypeScriptV2:20",
         "powertools-typescript"),
        ("arn:aws-cn:lambda:cn-northwest-1:069767869989:layer:LambdaAdapterLayerX86:24",
         "aws-lambda-web-adapter"),
        ("arn:aws:lambda:us-east-1:956882708938:layer:sumologic-extension-amd64:12", "sumologic"),
        ("arn:aws:lambda:us-east-1:113088814899:layer:Klayers-python38-requests:1", "klayers"),
    ],
)
def test_vendor_accounts(cat: Catalog, arn: str, vendor: str) -> None:
    assert who(cat, arn) == vendor


def test_partition_matters(cat: Catalog) -> None:
    # Datadog's commercial account says nothing about GovCloud, and the other way round.
    assert who(cat, "arn:aws-us-gov:lambda:us-gov-west-1:464622532012:layer:Datadog-Extension:1") is None
    assert who(cat, "arn:aws:lambda:us-east-1:002406178527:layer:Datadog-Extension:1") is None
    # Powertools' GovCloud accounts are one per region.
    assert who(cat, "arn:aws-us-gov:lambda:us-gov-west-1:165087284144:layer:AWSLambdaPowertoolsPythonV3:1") is None


def test_lambda_insights_per_region(cat: Catalog) -> None:
    x86 = "LambdaInsightsExtension:53"
    arm = "LambdaInsightsExtension-Arm64:20"
    assert who(cat, f"arn:aws:lambda:us-east-1:580247275435:layer:{x86}") == "lambda-insights"
    assert who(cat, f"arn:aws:lambda:us-east-1:580247275435:layer:{arm}") == "lambda-insights"
    # ap-southeast-4 publishes x86 and arm64 from different accounts
    assert who(cat, f"arn:aws:lambda:ap-southeast-4:158895979263:layer:{x86}") == "lambda-insights"
    assert who(cat, f"arn:aws:lambda:ap-southeast-4:605207715842:layer:{arm}") == "lambda-insights"
    # the default commercial account does not publish there, and the region accounts are not global
    assert who(cat, f"arn:aws:lambda:ap-southeast-4:580247275435:layer:{x86}") is None
    assert who(cat, f"arn:aws:lambda:us-east-1:158895979263:layer:{x86}") is None
    assert cat.accounts("lambda-insights", region="ap-southeast-4") == {"158895979263", "605207715842"}
    assert cat.accounts("lambda-insights", region="us-east-1") == {"580247275435"}
    assert cat.accounts("lambda-insights", region="cn-northwest-1") == {"488211338238"}
    assert cat.accounts("lambda-insights", region="us-gov-east-1") == {"122132214140", "198461476570"}
    assert cat.accounts("lambda-insights", partition="aws-us-gov") == {
        "122132214140", "751350123760", "198461476570"}
    assert who(cat, f"arn:aws-us-gov:lambda:us-gov-west-1:198461476570:layer:{arm}") == "lambda-insights"


def test_per_region_aws_extensions(cat: Catalog) -> None:
    assert who(cat, "arn:aws:lambda:eu-west-1:015030872274:layer:AWS-Parameters-and-Secrets-Lambda-Extension:12"
               ) == "aws-parameters-secrets"
    assert who(cat, "arn:aws:lambda:us-east-1:015030872274:layer:AWS-Parameters-and-Secrets-Lambda-Extension:12"
               ) is None
    assert who(cat, "arn:aws-cn:lambda:cn-north-1:615057806174:layer:AWS-AppConfig-Extension:68") == "aws-appconfig"
    assert cat.accounts("aws-appconfig", region="us-gov-west-1") == {"946746059096"}


def test_default_account_yields_to_region_specific_one(cat: Catalog) -> None:
    distro = "layer:AWSOpenTelemetryDistroPython:5"
    assert who(cat, f"arn:aws:lambda:us-east-1:615299751070:{distro}") == "aws-otel-distro"
    assert who(cat, f"arn:aws:lambda:af-south-1:904233096616:{distro}") == "aws-otel-distro"
    assert who(cat, f"arn:aws:lambda:af-south-1:615299751070:{distro}") is None
    assert cat.accounts("aws-otel-distro", region="af-south-1") == {"904233096616"}
    assert cat.accounts("aws-otel-distro", region="eu-west-1") == {"615299751070"}


def test_one_account_two_vendors_decided_by_layer_name(cat: Catalog) -> None:
    acct = "066549572091"
    assert who(cat, f"arn:aws:lambda:il-central-1:{acct}:layer:LambdaInsightsExtension-Arm64:3") == "lambda-insights"
    assert who(cat, f"arn:aws:lambda:il-central-1:{acct}:layer:epsagon-node-layer:3") == "epsagon"
    assert who(cat, f"arn:aws:lambda:il-central-1:{acct}:layer:something-else:3") is None
    # outside il-central-1 only Epsagon publishes from it, so the account alone decides
    assert who(cat, f"arn:aws:lambda:us-east-1:{acct}:layer:something-else:3") == "epsagon"
    assert cat.label(acct, "aws", "il-central-1") == acct
    assert cat.label(acct, "aws", "il-central-1", name="LambdaInsightsExtension-Arm64") == (
        f"{acct} (AWS CloudWatch Lambda Insights)")
    assert cat.label(acct, "aws", "us-east-1") == f"{acct} (Epsagon)"


def test_unconfirmed_accounts_are_not_labelled(cat: Catalog) -> None:
    for arn in (
        "arn:aws:lambda:us-east-1:770693421928:layer:Klayers-p312-requests:3",
        "arn:aws:lambda:us-east-1:657959507023:layer:Dynatrace_OneAgent_1_295_python:1",
        "arn:aws:lambda:us-east-1:184161586896:layer:opentelemetry-collector-amd64-0_12_0:1",
    ):
        parsed = LayerArn.parse(arn)
        m = cat.match(parsed)
        assert m is not None and not m.confirmed
        assert cat.publisher(parsed) is None
    assert cat.label("770693421928") == "770693421928"
    assert cat.accounts("klayers") == {"113088814899"}
    assert cat.accounts("klayers", include_unconfirmed=True) == {"113088814899", "770693421928"}
    # an unconfirmed collector layer still counts as an extension: that only asks for more review
    assert cat.is_extension(
        LayerArn.parse("arn:aws:lambda:us-east-1:184161586896:layer:opentelemetry-collector-amd64-0_12_0:1"))


@pytest.mark.parametrize(
    ("arn", "extension"),
    [
        ("arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension-ARM:56", True),
        ("arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Python312:99", False),
        ("arn:aws:lambda:us-east-1:451483290750:layer:NewRelicLambdaExtension:30", True),
        ("arn:aws:lambda:us-east-1:267093732750:layer:elastic-apm-extension-ver-1-5-0-x86_64:1", True),
        ("arn:aws:lambda:us-east-1:267093732750:layer:elastic-apm-python-ver-6-20-0:1", False),
        ("arn:aws:lambda:us-east-1:254067382080:layer:splunk-apm-collector:10", True),
        ("arn:aws:lambda:us-east-1:254067382080:layer:signalfx-lambda-python-wrapper:10", False),
        ("arn:aws:lambda:us-east-1:901920570463:layer:aws-otel-python-amd64-ver-1-25-0:1", True),
        ("arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7", False),
        ("arn:aws:lambda:eu-west-1:753240598075:layer:LambdaAdapterLayerArm64:24", True),
        ("arn:aws:lambda:us-east-1:338050622354:layer:appdynamics-lambda-extension:9", True),
        # a name the catalog does not know from that account is not claimed as an extension
        ("arn:aws:lambda:us-east-1:464622532012:layer:Unrelated:1", False),
        # the name alone is not enough: the same name from an unknown account is not known
        ("arn:aws:lambda:us-east-1:123456789012:layer:Datadog-Extension:56", False),
    ],
)
def test_is_extension(cat: Catalog, arn: str, extension: bool) -> None:
    assert cat.is_extension(LayerArn.parse(arn)) is extension


def test_unknown_and_managed(cat: Catalog) -> None:
    assert who(cat, "arn:aws:lambda:us-east-1:123456789012:layer:mine:1") is None
    assert cat.publisher(LayerArn.parse("arn:aws:lambda:::awslayer:AWSLambda-Python-AWS-SDK")) is None
    assert cat.label("123456789012") == "123456789012"
    assert cat.accounts("no-such-vendor") == frozenset()


def test_vendor_lookup_by_key_name_or_alias(cat: Catalog) -> None:
    for text in ("datadog", "Datadog", "DATADOG"):
        assert cat.vendor(text) is not None and cat.vendor(text).key == "datadog"  # type: ignore[union-attr]
    assert cat.vendor("New Relic").key == "newrelic"  # type: ignore[union-attr]
    assert cat.vendor("adot").key == "aws-otel"  # type: ignore[union-attr]
    assert cat.vendor("signalfx").key == "splunk"  # type: ignore[union-attr]
    assert cat.vendor("datdog") is None


def test_label(cat: Catalog) -> None:
    assert cat.label("464622532012") == "464622532012 (Datadog)"
    assert cat.label("002406178527", "aws-us-gov") == "002406178527 (Datadog)"
    assert cat.label("002406178527") == "002406178527"
    assert cat.label("580247275435", region="eu-west-1") == "580247275435 (AWS CloudWatch Lambda Insights)"


def test_vendors_sorted_and_unique(cat: Catalog) -> None:
    keys = [v.key for v in cat.vendors()]
    assert keys == sorted(keys) and len(keys) == len(set(keys))
    assert {"datadog", "lambda-insights", "aws-parameters-secrets", "aws-appconfig", "powertools-python",
            "aws-otel", "aws-otel-distro", "epsagon"} <= set(keys)


def test_partition_of() -> None:
    assert [partition_of(r) for r in ("us-east-1", "cn-north-1", "us-gov-west-1", "us-iso-east-1",
                                      "us-isob-east-1", "eu-isoe-west-1", "us-isof-south-1")] == [
        "aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f"]


# --- the data itself ---------------------------------------------------------------------------------------

REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


def test_every_entry_is_well_formed(cat: Catalog) -> None:
    for v in cat.vendors():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", v.key), v.key
        assert v.name and v.source.strip(), v.key
        assert v.layers, f"{v.key}: no layer-name patterns"
        assert all(p.kind in catalog.KINDS for p in v.layers), v.key
        for e in v.accounts:
            where = f"{v.key} {e.account}"
            assert re.fullmatch(r"\d{12}", e.account), where
            assert e.partition in PARTITIONS, where
            assert e.source.strip(), where
            for r in e.regions:
                assert REGION.match(r) and partition_of(r) == e.partition, f"{where} {r}"
            for p in e.layers:  # an account's narrowing must name layers the vendor is known for
                assert any(vp.pattern == p for vp in v.layers), f"{where} {p}"


def test_no_account_claimed_twice_without_a_name_to_tell_apart(cat: Catalog) -> None:
    """Where two vendors claim one account in one region, the layer name must decide (see test above)."""
    seen: dict[tuple[str, str, str], list[tuple[str, tuple[str, ...]]]] = {}
    for v in cat.vendors():
        for e in v.accounts:
            for r in e.regions or ("*",):
                seen.setdefault((e.partition, r, e.account), []).append((v.key, e.layers))
    clashes = []
    for (part, region, acct), owners in sorted(seen.items()):
        if region != "*":  # an entry for every region also applies in this one
            owners = owners + seen.get((part, "*", acct), [])
        if len({key for key, _ in owners}) < 2:
            continue
        narrowed = [set(layers) for _, layers in owners]
        if all(narrowed) and not set.intersection(*narrowed):
            continue  # every claim is limited to its own layer names: no overlap
        clashes.append((part, region, acct, sorted(key for key, _ in owners)))
    assert clashes == [("aws", "il-central-1", "066549572091", ["epsagon", "lambda-insights"])]


def test_data_file_fields_are_known() -> None:
    with open(catalog.DATA_FILE, encoding="utf-8") as fh:
        doc = json.load(fh)
    assert set(doc) == {"format", "collected", "note", "vendors"} and doc["format"] == 1
    for v in doc["vendors"]:
        assert set(v) <= {"key", "name", "aliases", "source", "note", "layers", "accounts"}, v["key"]
        for a in v["accounts"]:
            assert set(a) <= {"account", "partition", "regions", "layers", "confirmed", "source"}, a
            assert isinstance(a["account"], str)


def test_load_is_cached() -> None:
    assert load() is load()


def test_docs_list_every_vendor_and_account(cat: Catalog) -> None:
    """docs/catalog.md is the user's view of this data: a vendor or account missing there is drift."""
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "catalog.md").read_text(encoding="utf-8")
    missing = [f"{v.key} {e.account}" for v in cat.vendors() for e in v.accounts
               if f"`{e.account}`" not in doc or f"`{v.key}`" not in doc]
    assert missing == []


def test_module_level_vendors_is_the_shipped_catalog(cat: Catalog) -> None:
    assert catalog.vendors() == cat.vendors()
