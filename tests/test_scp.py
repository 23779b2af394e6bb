"""`layergate scp`: the JSON's structure, and what it denies, evaluated with an IAM condition evaluator."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from iam_eval import Request, denied, like

from layergate import catalog
from layergate.checks import Context
from layergate.checks import publisher_not_allowed as lg201
from layergate.cli import main
from layergate.errors import PolicyError
from layergate.model import Candidate, LayerRef, Location, Resolution, ResolutionKind, Scan
from layergate.policy import DenyEntry, OrgInfo, Policy, PublisherAllow
from layergate.scp import SCP_MAX_CHARS, ScpOptions, compact, generate, intersect

HERE = Location(".layergate.yaml", 5, 5)
CREATE = "lambda:CreateFunction"
UPDATE = "lambda:UpdateFunctionConfiguration"
SHARE = "lambda:AddLayerVersionPermission"
DD = "arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:56"


def allow(vendor: str | None = None, account: str | None = None, layers: tuple[str, ...] = ()) -> PublisherAllow:
    return PublisherAllow(vendor=vendor, account=account, name=vendor or account or "", layers=layers, location=HERE)


def small_policy() -> Policy:
    return Policy(
        path=".layergate.yaml",
        regions=("us-east-1", "eu-west-1"),
        publishers=(allow("datadog", layers=("Datadog-Extension*",)), allow(account="123456789012")),
        org=OrgInfo("o-abc123def4", ("210987654321",)),
        deny=(DenyEntry("arn:aws:lambda:*:*:layer:Klayers-*:*", "community layers", HERE),),
    )


def test_small_policy_is_one_scp_with_exact_statements() -> None:
    result = generate(small_policy(), catalog.load(), ScpOptions())
    assert len(result.documents) == 1
    assert result.documents[0] == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "LayergateDenyListedLayers", "Effect": "Deny", "Action": [CREATE, UPDATE], "Resource": "*",
             "Condition": {"ForAnyValue:StringLike": {"lambda:Layer": ["arn:aws:lambda:*:*:layer:Klayers-*:*"]}}},
            {"Sid": "LayergateDenyLayerSharing", "Effect": "Deny", "Action": SHARE, "Resource": "*"},
            {"Sid": "LayergateDenyUntrustedLayers", "Effect": "Deny", "Action": [CREATE, UPDATE], "Resource": "*",
             "Condition": {"ForAnyValue:StringNotLike": {"lambda:Layer": [
                 "arn:aws:lambda:*:464622532012:layer:Datadog-Extension*:*",
                 "arn:aws:lambda:*:123456789012:layer:*:*",
             ]}}},
        ],
    }
    assert len(result.texts()[0]) <= SCP_MAX_CHARS
    assert any("no condition key for the Principal" in n for n in result.notes)


@pytest.mark.parametrize(("layers", "expected"), [
    ((DD,), []),
    (("arn:aws:lambda:eu-west-1:464622532012:layer:Datadog-Extension-ARM:12",), []),
    (("arn:aws:lambda:us-east-1:123456789012:layer:anything:1",), []),
    ((), []),  # UpdateFunctionConfiguration removing every layer
    (None, []),  # a request that sets no layers
    # The vendor, but a layer name the policy entry does not allow:
    (("arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Python312:90",), ["LayergateDenyUntrustedLayers"]),
    (("arn:aws:lambda:us-east-1:999999999999:layer:evil:1",), ["LayergateDenyUntrustedLayers"]),
    # One allowed layer does not carry a foreign one through:
    ((DD, "arn:aws:lambda:us-east-1:999999999999:layer:evil:1"), ["LayergateDenyUntrustedLayers"]),
    # A trusted account id written as the layer name, or a trusted vendor in another partition:
    (("arn:aws:lambda:us-east-1:999999999999:layer:464622532012:1",), ["LayergateDenyUntrustedLayers"]),
    (("arn:aws-cn:lambda:cn-north-1:464622532012:layer:Datadog-Extension:1",), ["LayergateDenyUntrustedLayers"]),
    # The deny list wins even for an allowed account:
    (("arn:aws:lambda:us-east-1:123456789012:layer:Klayers-p312-boto3:1",), ["LayergateDenyListedLayers"]),
    # Case matters in ARNs:
    (("arn:aws:lambda:us-east-1:464622532012:layer:datadog-extension:1",), ["LayergateDenyUntrustedLayers"]),
])
def test_what_the_scp_denies(layers: tuple[str, ...] | None, expected: list[str]) -> None:
    docs = generate(small_policy(), catalog.load(), ScpOptions()).documents
    for action in (CREATE, UPDATE):
        assert denied(docs, Request(action, "us-east-1", layers)) == expected
    assert denied(docs, Request("lambda:InvokeFunction", "us-east-1", layers)) == []


def test_sharing_is_denied_except_for_named_roles() -> None:
    role = "arn:aws:iam::123456789012:role/layer-publisher"
    docs = generate(small_policy(), catalog.load(), ScpOptions(sharing_roles=(role,))).documents
    assert denied(docs, Request(SHARE, principal_arn="arn:aws:iam::123456789012:role/dev")) == [
        "LayergateDenyLayerSharing"]
    assert denied(docs, Request(SHARE, principal_arn=role)) == []
    without = generate(small_policy(), catalog.load(), ScpOptions(sharing_statement=False)).documents
    assert denied(without, Request(SHARE)) == []


def test_allowed_accounts_are_added() -> None:
    docs = generate(small_policy(), catalog.load(), ScpOptions(allow_accounts=("210987654321",))).documents
    own = ("arn:aws:lambda:us-east-1:210987654321:layer:shared-utils:4",)
    assert denied(docs, Request(CREATE, layers=own)) == []
    assert denied(generate(small_policy(), catalog.load(), ScpOptions()).documents, Request(CREATE, layers=own)) == [
        "LayergateDenyUntrustedLayers"]


def test_no_publishers_denies_every_layer() -> None:
    policy = Policy(path="p.yaml", publishers=())
    docs = generate(policy, catalog.load(), ScpOptions(sharing_statement=False)).documents
    stmt = docs[0]["Statement"][0]
    assert stmt["Condition"] == {"Null": {"lambda:Layer": "false"}}
    assert denied(docs, Request(CREATE, layers=(DD,))) == ["LayergateDenyUntrustedLayers"]
    assert denied(docs, Request(CREATE, layers=None)) == []


BIG_REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-4", "af-south-1", "ca-west-1", "il-central-1",
               "eu-central-2", "ap-east-1", "us-west-2", "me-central-1", "sa-east-1", "ap-south-2")
OWN_ACCOUNTS = tuple(f"1000000000{i:02d}" for i in range(20))


def big_policy() -> Policy:
    """Every vendor of the catalog and twenty accounts of one's own: more than one SCP can hold."""
    vendors = tuple(allow(v.key) for v in catalog.load().vendors())
    return Policy(path=".layergate.yaml", regions=BIG_REGIONS,
                  publishers=vendors + tuple(allow(account=a) for a in OWN_ACCOUNTS))


def test_large_policies_are_split_by_region_and_each_fits() -> None:
    result = generate(big_policy(), catalog.load(), ScpOptions())
    texts = result.texts()
    assert len(texts) > 1
    assert all(len(t) <= SCP_MAX_CHARS for t in texts)
    assert any(f"split into {len(texts)} service control policies" in n for n in result.notes)
    sids = [s["Sid"] for d in result.documents for s in d["Statement"]]
    assert len(sids) == len(set(sids))
    covered = [r for d in result.documents for s in d["Statement"]
               for r in s.get("Condition", {}).get("StringEquals", {}).get("aws:RequestedRegion", [])]
    assert sorted(covered) == sorted(BIG_REGIONS)  # every region in exactly one statement


def lg201_allows(policy: Policy, arn: str) -> bool:
    ref = LayerRef(consumer="Fn", location=Location("t.yaml", 1, 1), expression=arn,
                   resolution=Resolution(ResolutionKind.LITERAL), candidates=(Candidate(arn),))
    ctx = Context(policy=policy, catalog=catalog.load(), regions=BIG_REGIONS, today=dt.date(2026, 12, 1))
    return not list(lg201.check(Scan(file="t.yaml", format="cloudformation", refs=(ref,)), ctx))


def test_split_scps_deny_exactly_what_lg201_rejects() -> None:
    """Every catalog account in every region, plus foreign ones: the SCPs and LG201 agree on each."""
    policy = big_policy()
    docs = generate(policy, catalog.load(), ScpOptions()).documents
    cat = catalog.load()
    accounts = sorted({e.account for v in cat.vendors() for e in v.accounts if e.partition == "aws"})
    accounts += [OWN_ACCOUNTS[0], OWN_ACCOUNTS[-1], "999999999999"]
    names = ("LambdaInsightsExtension", "AWS-AppConfig-Extension", "AWSLambdaPowertoolsPythonV3-python313-x86_64",
             "AWSLambdaPowertoolsTypeScriptV2", "sumologic-extension-amd64", "evil")
    checked = 0
    for region in BIG_REGIONS:
        for account in accounts:
            for name in names:
                arn = f"arn:aws:lambda:{region}:{account}:layer:{name}:7"
                scp_denies = bool(denied(docs, Request(CREATE, region, (arn,))))
                assert scp_denies == (not lg201_allows(policy, arn)), arn
                checked += 1
    assert checked > 500
    # Regions the policy does not name: layered functions are denied outright, layer-less ones are not.
    assert denied(docs, Request(CREATE, "eu-north-1", (DD.replace("us-east-1", "eu-north-1"),))) == [
        "LayergateDenyLayersElsewhere"]
    assert denied(docs, Request(CREATE, "eu-north-1", None)) == []


def test_single_scp_trusts_an_account_in_every_region() -> None:
    """Documented widening of the one-policy form: the account, not its region, is what is trusted."""
    docs = generate(small_policy(), catalog.load(), ScpOptions()).documents
    stmt = docs[0]["Statement"][-1]
    assert all(p.split(":")[3] == "*" for p in stmt["Condition"]["ForAnyValue:StringNotLike"]["lambda:Layer"])


def test_too_large_without_regions_is_an_error() -> None:
    policy = Policy(path="p.yaml", regions=(), publishers=big_policy().publishers)
    with pytest.raises(PolicyError, match="no regions to split them by"):
        generate(policy, catalog.load(), ScpOptions())
    result = generate(policy, catalog.load(), ScpOptions(regions=("us-east-1",)))
    assert all(len(compact(d)) <= SCP_MAX_CHARS for d in result.documents)
    # One region whose publishers alone exceed an SCP cannot be expressed at all.
    many = tuple(allow(account=f"2000000000{i:02d}") for i in range(120))
    with pytest.raises(PolicyError, match="the publishers allowed in us-east-1 need more than one SCP holds"):
        generate(Policy(path="p.yaml", regions=("us-east-1",), publishers=many), catalog.load(), ScpOptions())


def test_unknown_vendor_and_inexpressible_patterns_are_errors() -> None:
    with pytest.raises(PolicyError, match="unknown vendor 'nosuchvendor'"):
        generate(Policy(path="p.yaml", publishers=(allow("nosuchvendor"),)), catalog.load(), ScpOptions())
    with pytest.raises(PolicyError, match=r"layer pattern 'Datadog-\[AB\]\*' cannot be written as an IAM pattern"):
        generate(Policy(path="p.yaml", publishers=(allow("datadog", layers=("Datadog-[AB]*",)),)),
                 catalog.load(), ScpOptions())


def test_policy_and_catalog_name_globs_are_intersected() -> None:
    assert intersect("*", "sumologic-extension*") == "sumologic-extension*"
    assert intersect("sumologic-extension-amd64", "sumologic-extension*") == "sumologic-extension-amd64"
    assert intersect("sumologic-extension-arm*", "sumologic-extension*") == "sumologic-extension-arm*"
    assert intersect("other", "sumologic-extension*") is None
    policy = Policy(path="p.yaml", publishers=(allow("sumologic", layers=("sumologic-extension-arm*",)),))
    patterns = generate(policy, catalog.load(), ScpOptions()).documents[0]["Statement"][-1]["Condition"][
        "ForAnyValue:StringNotLike"]["lambda:Layer"]
    assert patterns == ["arn:aws:lambda:*:956882708938:layer:sumologic-extension-arm*:*"]


def test_evaluator_follows_stringlike_semantics() -> None:
    assert like("arn:aws:lambda:*:1:layer:*:*", "arn:aws:lambda:us-east-1:1:layer:x:3")
    assert like("a*", "a") and like("a?c", "abc") and not like("a?c", "ac")
    assert not like("A*", "a") and like("a.b", "a.b") and not like("a.b", "axb")
    assert json.loads(json.dumps(generate(small_policy(), catalog.load(), ScpOptions()).documents))


POLICY_YAML = """\
version: 1
regions: [us-east-1]
publishers:
  - vendor: datadog
    layers: ["Datadog-Extension*"]
  - account: "123456789012"
    name: platform-team
"""


def test_cli_prints_one_compact_policy_per_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy_file = tmp_path / ".layergate.yaml"
    policy_file.write_text(POLICY_YAML, encoding="utf-8")
    assert main(["scp", "--policy", str(policy_file), "--sharing-role", "arn:aws:iam::*:role/layer-publisher"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 1 and " " not in lines[0]
    doc = json.loads(lines[0])
    assert [s["Sid"] for s in doc["Statement"]] == ["LayergateDenyLayerSharing", "LayergateDenyUntrustedLayers"]
    assert doc["Statement"][0]["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": [
        "arn:aws:iam::*:role/layer-publisher"]}}
    assert err.startswith("note: IAM has no condition key for the Principal or OrganizationId")


def test_cli_writes_numbered_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy_file = tmp_path / "policy.yaml"
    lines = ["version: 1", f"regions: [{', '.join(BIG_REGIONS)}]", "publishers:"]
    lines += [f"  - vendor: {v.key}" for v in catalog.load().vendors()]
    lines += [f'  - account: "{a}"' for a in OWN_ACCOUNTS]
    policy_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out_dir = tmp_path / "scp"
    assert main(["scp", "--policy", str(policy_file), "--out-dir", str(out_dir)]) == 0
    out, err = capsys.readouterr()
    files = sorted(out_dir.iterdir())
    assert [f.name for f in files] == [f"layergate-scp-{i}.json" for i in range(1, len(files) + 1)]
    assert len(files) > 1
    for f, line in zip(files, out.splitlines(), strict=True):
        text = f.read_text(encoding="utf-8").rstrip("\n")
        assert line == f"{f}: {len(text)} of {SCP_MAX_CHARS} characters, {len(json.loads(text)['Statement'])} statements"
        assert len(text) <= SCP_MAX_CHARS
    assert f"split into {len(files)} service control policies" in err


def test_cli_without_a_policy_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    assert main(["scp"]) == 2
    assert capsys.readouterr().err.startswith("layergate: error: no .layergate.yaml found")
