"""`layergate inventory` end to end: the real CLI against an organization in moto on loopback.

The organization (``inventory_world``): a management account (the caller) publishing an internal layer in
three versions (:1 shared with everyone, :3 with the organization) and one layer nobody uses; team-a with
a function on that internal layer plus an outside publisher's layer (ca-central-1) and one on its own
layer (sa-east-1); team-b with a function on a layer of the suspended legacy account (sa-east-1), a
function without layers, and a region it has not enabled; and an account whose role cannot be assumed.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from inventory_world import DATADOG, OUTSIDER, Org, env, org_fixture  # noqa: F401

from layergate.cli import main

pytestmark = pytest.mark.aws

TODAY = "2026-12-01"
FIX = {
    "LG201": "Add the publisher under publishers: in .layergate.yaml once you trust it, or use a layer from an allowed "
    "publisher.",
    "LG301": "Run `layergate lock` to record the SHA-256, review the layer version, then fill in reviewed_by and "
    "reviewed_at.",
}


def created(org: Org, key: str) -> str:
    """The day moto says a layer version was published (the world is built when the session starts)."""
    layer = org.layers[key]
    account, region = layer.arn.split(":")[4], layer.arn.split(":")[3]
    name, version = layer.arn.rsplit(":", 1)
    answer = org.world.lambda_client(account, region).get_layer_version(LayerName=name, VersionNumber=int(version))
    return str(answer["CreatedDate"])[:10]


@dataclasses.dataclass
class Run:
    status: int
    out: str
    err: str
    policy: str  # the policy file's text

    def findings(self) -> list[str]:
        return [line for line in self.out.splitlines() if line.startswith("aws://") and " NOT COVERED " not in line]

    def line_of(self, needle: str) -> int:
        return next(i for i, line in enumerate(self.policy.splitlines(), 1) if needle in line)


def policy_text(org: Org) -> str:
    ids, L = org.ids, org.layers
    return f"""\
version: 1
org:
  id: {org.org_id}
  accounts: ["{ids['management']}", "{ids['team-a']}", "{ids['team-b']}", "{OUTSIDER}"]
max_review_age_days: 20
publishers:
  - vendor: datadog
  - account: "{ids['management']}"
    name: platform
  - account: "{ids['team-a']}"
    name: team-a
layers:
  - arn: {L['dd-ext'].arn}
    sha256: {L['dd-ext'].sha256}
    reviewed_by: alice
    reviewed_at: 2026-11-01
    extension: true
  - arn: {L['platform-utils:3'].arn}
    sha256: {'0' * 64}
    reviewed_by: alice
    reviewed_at: 2026-11-21
ignore:
  - rule: LG701
    resource: orders-worker
    reason: moving to orders-common 2 in the next release
"""


def run(org: Org, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        *args: str, policy: str | None = None) -> Run:
    env(monkeypatch, org)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir(exist_ok=True)
    text = policy if policy is not None else policy_text(org)
    (tmp_path / ".layergate.yaml").write_text(text)
    capsys.readouterr()
    status = main(["inventory", "--endpoint-url", org.url, "--today", TODAY, "--no-color", *args])
    out, err = capsys.readouterr()
    return Run(status, out, err, text)


@pytest.fixture
def disabled_region(org: Org) -> object:
    org.router.disabled.add((org.ids["team-b"], "me-south-1"))
    yield
    org.router.disabled.discard((org.ids["team-b"], "me-south-1"))


def test_whole_organization(org: Org, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                            tmp_path: Path, disabled_region: object) -> None:
    r = run(org, monkeypatch, capsys, tmp_path, "--org", "--regions", "ca-central-1,sa-east-1", "--regions",
            "me-south-1")
    ids, L, F = org.ids, org.layers, org.function_arns
    mg, ta, tb, lg, lk = (ids[k] for k in ("management", "team-a", "team-b", "legacy", "locked"))
    ca, sa = "ca-central-1", "sa-east-1"
    pu1, pu3, dd = L["platform-utils:1"].arn, L["platform-utils:3"].arn, L["dd-ext"].arn
    fancy, pdf, old = L["fancy-lib"].arn, L["legacy-pdf"].arn, L["old-auth:1"].arn.rsplit(":", 1)[0]
    platform, datadog = mg, f"{DATADOG} (Datadog)"  # rules name publishers as the catalog knows them

    def line(account: str, region: str, path: str, rule: str, severity: str, message: str) -> str:
        return f"aws://{account}/{region}:{path}: {rule} {severity}  {message}"

    dd_review = (f"its review by alice on 2026-11-01 (.layergate.yaml line {r.line_of(dd)}) is 30 days old, more than "
                 "max_review_age_days (20)")
    expected = [
        line(mg, ca, F["billing"], "LG301", "error", f"function billing uses {pu1} from {platform}, which has no "
             "layers entry with a recorded SHA-256; run `layergate lock`, then review it"),
        line(mg, ca, F["billing"], "LG303", "error", f"function billing uses {dd} from {datadog}: {dd_review}"),
        line(mg, ca, pu1, "LG501", "error", f"layer {pu1} is shared with principal '*' and no OrganizationId: every "
             "AWS account can download and use it"),
        line(mg, ca, F["billing"], "LG701", "warning", f"function billing uses {pu1} from {platform}: 2 newer "
             f"versions exist (newest :3, published {created(org, 'platform-utils:3')})"),
        line(mg, ca, old, "LG702", "warning", f"layer {old} of account {mg} (master) is used by no function in the 3 "
             f"accounts inventoried in {ca} (newest version :1, published {created(org, 'old-auth:1')})"),
        line(tb, sa, F["reports"], "LG201", "error", f"function reports uses {pdf} from {lg}: no publishers entry "
             "allows this account"),
        line(tb, sa, F["reports"], "LG301", "error", f"function reports uses {pdf} from {lg}, which has no layers "
             "entry with a recorded SHA-256; run `layergate lock`, then review it"),
        line(tb, sa, F["reports"], "LG702", "error", f"function reports uses {pdf} from {lg}, an account the "
             "organization lists as SUSPENDED: no team of the organization can publish a fixed version"),
        line(ta, ca, F["orders-api"], "LG201", "error", f"function orders-api uses {fancy} from {OUTSIDER}: no "
             "publishers entry allows this account"),
        line(ta, ca, F["orders-api"], "LG301", "error", f"function orders-api uses {fancy} from {OUTSIDER}, which "
             "has no layers entry with a recorded SHA-256; run `layergate lock`, then review it"),
        line(ta, ca, F["orders-api"], "LG302", "error", f"function orders-api uses {pu3} from {platform}: AWS "
             f"publishes SHA-256 {L['platform-utils:3'].sha256}, but .layergate.yaml line {r.line_of(pu3)} records "
             + "0" * 64),
        line(ta, ca, F["orders-api"], "LG702", "error", f"function orders-api uses {fancy} from {OUTSIDER}, an account "
             f"the policy lists under org.accounts but organization {org.org_id} no longer holds: someone outside it "
             "may control the layer now"),
        line(ta, sa, F["orders-worker"], "LG301", "error", f"function orders-worker uses {L['orders-common:1'].arn} "
             f"from {ta}, which has no layers entry with a recorded SHA-256; run `layergate lock`, then "
             "review it"),
    ]
    expected.sort(key=lambda text: (text.split(":arn:")[0], text.split(": ")[1][:5], text.split("  ", 1)[1]))
    assert r.findings() == expected, r.out
    assert r.status == 3, r.err  # incomplete wins over findings
    accounts = r.out.split("\n\n")[0].splitlines()
    assert accounts == [
        f"account {mg} (master): 3 regions, 1 function, 2 layer uses: 3 errors, 2 warnings, 0 notes",
        f"account {ta} (team-a): 3 regions, 2 functions, 3 layer uses: 5 errors, 0 warnings, 0 notes",
        f"account {tb} (team-b): 3 regions (1 not covered), 2 functions, 1 layer use: 3 errors, 0 warnings, 0 notes",
        f"account {lk} (locked): NOT COVERED: cannot assume arn:aws:iam::{lk}:role/OrganizationAccountAccessRole: "
        f"AccessDenied: User: arn:aws:sts::{mg}:assumed-role/auditor/setup is not authorized to perform: "
        f"sts:AssumeRole on resource: arn:aws:iam::{lk}:role/OrganizationAccountAccessRole",
        f"account {lg} (legacy): SUSPENDED (not inventoried)",
    ]
    lines = r.out.splitlines()
    start = lines.index("Build provenance (recorded by lock --provenance)")
    internal = sorted([pu1, pu3, fancy, L["orders-common:1"].arn])  # published by an account under org.accounts
    assert lines[start - 1:start + 6] == ["", lines[start], *(f"{a}: no provenance recorded" for a in internal), ""]
    gaps = [line for line in r.out.splitlines() if " NOT COVERED  " in line]
    assert gaps == [
        f"aws://{lk}: NOT COVERED  cannot assume arn:aws:iam::{lk}:role/OrganizationAccountAccessRole: AccessDenied: "
        f"User: arn:aws:sts::{mg}:assumed-role/auditor/setup is not authorized to perform: sts:AssumeRole on "
        f"resource: arn:aws:iam::{lk}:role/OrganizationAccountAccessRole",
        f"aws://{tb}/me-south-1: NOT COVERED  ListFunctions: UnrecognizedClientException: The security token "
        "included in the request is invalid.",
    ]
    assert r.out.splitlines()[-1] == (
        "inventory: 3 of 4 accounts covered, 3 regions, 5 functions, 6 layer uses of 6 layer versions from 5 "
        "publishers: 11 errors, 2 warnings, 0 notes, 1 suppressed; INCOMPLETE: 1 account, 1 region not covered"
    )
    assert f"    help: {FIX['LG201']}" in r.out
    notes = [line for line in r.err.splitlines() if line.startswith("note: ")]
    assert notes == [
        "note: LG701 not judged for 3 layers whose versions could not be listed (AWS lets only a layer's publisher "
        f"list them): {dd.rsplit(':', 1)[0]} (AccessDeniedException); {fancy.rsplit(':', 1)[0]} "
        f"(AccessDeniedException); {pdf.rsplit(':', 1)[0]} (AccessDeniedException)",
        "note: LG702 judged unused layers against the functions of the inventoried accounts and regions only: a "
        "function elsewhere (another account or organization the layer is shared with) may still use one",
    ]


def test_one_account_without_the_organization(org: Org, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """--accounts without --org: the role is assumed in that account only; a complete run with errors exits 1."""
    ta = org.ids["team-a"]
    r = run(org, monkeypatch, capsys, tmp_path, "--accounts", ta, "--regions", "ca-central-1,sa-east-1",
            "--format", "text")
    assert r.status == 1, r.err
    # The management account's layer is read as team-a (its consumer; the organization shares it): LG302 still.
    # Without --org nothing says which accounts have left the organization: no LG702.
    assert [line.split("  ")[0].rsplit(": ", 1)[1] for line in r.findings()] == [
        "LG201 error", "LG301 error", "LG302 error", "LG301 error",
    ]
    assert r.out.splitlines()[0] == f"account {ta}: 2 regions, 2 functions, 3 layer uses: 4 errors, 0 warnings, 0 notes"
    assert r.out.splitlines()[-1] == (
        "inventory: 1 of 1 account covered, 2 regions, 2 functions, 3 layer uses of 3 layer versions from 3 "
        "publishers: 4 errors, 0 warnings, 0 notes, 1 suppressed"
    )


def test_clean_and_complete_run_exits_0(org: Org, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    tb = org.ids["team-b"]
    r = run(org, monkeypatch, capsys, tmp_path, "--accounts", tb, "--regions", "ca-central-1")
    assert (r.status, r.out) == (0, (
        f"account {tb}: 1 region, 1 function, 0 layer uses: 0 errors, 0 warnings, 0 notes\n\n"
        "inventory: 1 of 1 account covered, 1 region, 1 function, 0 layer uses of 0 layer versions from 0 publishers: "
        "0 errors, 0 warnings, 0 notes, 0 suppressed\n"
    ))


def test_requested_accounts_the_organization_does_not_hold_or_has_closed(
        org: Org, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    lg, tb = org.ids["legacy"], org.ids["team-b"]
    r = run(org, monkeypatch, capsys, tmp_path, "--org", "--accounts", f"999999999999,{lg}", "--accounts", tb,
            "--regions", "ca-central-1")
    assert r.status == 3
    assert [line for line in r.out.splitlines() if "NOT COVERED  " in line] == [
        "aws://999999999999: NOT COVERED  not an account of the organization (Organizations ListAccounts)",
        f"aws://{lg}: NOT COVERED  the organization lists it as SUSPENDED",
    ]
    assert r.out.splitlines()[-1].endswith("INCOMPLETE: 2 accounts not covered")
    assert r.out.splitlines()[0] == f"account {tb} (team-b): 1 region, 1 function, 0 layer uses: 0 errors, 0 warnings, 0 notes"


def test_organization_accounts_are_read_page_by_page(org: Org, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from layergate.inventory import accounts

    monkeypatch.setattr(accounts, "LIST_ACCOUNTS_PAGE", 2)
    before = org.router.requests.get("organizations", 0)
    r = run(org, monkeypatch, capsys, tmp_path, "--org", "--regions", "sa-east-1", "--format", "json", "--quiet")
    doc = json.loads(r.out)
    assert sorted((a["id"], a["status"], a["covered"]) for a in doc["accounts"]) == sorted(
        (org.ids[k], "ACTIVE", k != "locked") for k in ("management", "team-a", "team-b", "locked"))
    # DescribeOrganization, then ListAccounts in pages of 2 for the 5 accounts: 3 pages.
    assert org.router.requests["organizations"] - before == 4
    assert r.err == ""


def test_all_versions_lists_published_function_versions(org: Org, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    ta = org.ids["team-a"]
    client = org.world.lambda_client(ta, "sa-east-1")
    if not any(v["Version"] != "$LATEST" for v in client.list_versions_by_function(FunctionName="orders-worker")["Versions"]):
        client.publish_version(FunctionName="orders-worker")
    r = run(org, monkeypatch, capsys, tmp_path, "--accounts", ta, "--regions", "sa-east-1", "--all-versions",
            "--format", "json", "-q")
    functions = sorted((f["name"], f["version"], f["arn"], f["layers"]) for f in json.loads(r.out)["functions"])
    arn = org.function_arns["orders-worker"]
    layer = [org.layers["orders-common:1"].arn]
    assert functions == [("orders-worker", "$LATEST", f"{arn}:$LATEST", layer), ("orders-worker", "1", f"{arn}:1", layer)]
    consumers = {f["consumer"] for f in json.loads(r.out)["findings"]}
    assert consumers == {"orders-worker", "orders-worker:1"}


def test_progress_on_a_terminal(org: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from layergate.aws import pool
    from layergate.aws.session import AwsSettings
    from layergate.inventory.collect import Options
    from layergate.inventory.gather import gather

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    env(monkeypatch, org)
    monkeypatch.setattr(pool, "PROGRESS_MIN_ITEMS", 1)
    stream = Terminal()
    inv = gather(AwsSettings(endpoint_url=org.url), Options("OrganizationAccountAccessRole", ("ca-central-1",), False, 4),
                 org=True, requested=(), stream=stream)
    text = stream.getvalue()
    assert "] 4/4 accounts opened" in text
    final = (f"\r[{'#' * 30}] 3/3 accounts listed, {len(inv.functions)} functions seen, {len(inv.layer_versions)} "
             "layer versions described\r\033[K")
    assert text.endswith(final), text[-300:]  # the last counts, then the bar is wiped


def test_no_credentials_is_one_line(org: Org, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                    tmp_path: Path) -> None:
    env(monkeypatch, org)
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.chdir(tmp_path)
    assert main(["inventory", "--endpoint-url", org.url]) == 2
    assert capsys.readouterr().err == (
        "layergate: error: no AWS credentials found: pass --profile, set AWS_PROFILE, or export AWS_ACCESS_KEY_ID "
        "and AWS_SECRET_ACCESS_KEY\n"
    )


def test_org_without_an_organization_is_one_line(aws_env: str, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The plain test keys are account 123456789012, which belongs to no organization in moto."""
    monkeypatch.chdir(tmp_path)
    assert main(["inventory", "--org", "--endpoint-url", aws_env]) == 2
    err = capsys.readouterr().err
    assert err.startswith("layergate: error: --org: cannot list the organization's accounts "
                          "(AWSOrganizationsNotInUseException: "), err
    assert err.endswith("; run as the management account or a delegated administrator, or name the accounts with "
                        "--accounts\n")


def test_unreachable_endpoint_is_one_line(org: Org, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env(monkeypatch, org)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.chdir(tmp_path)
    assert main(["inventory", "--endpoint-url", f"http://127.0.0.1:{port}"]) == 2
    assert capsys.readouterr().err == (
        f"layergate: error: AWS endpoint unreachable: http://127.0.0.1:{port} (Connection refused)\n")


def test_unknown_output_format_fails_before_reading_aws(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["inventory", "--endpoint-url", "http://127.0.0.1:9", "-o", "xlsx=out.xlsx"]) == 2
    assert capsys.readouterr().err == ("layergate: error: --output: unknown format 'xlsx' (choose from text, json, "
                                       "csv, sarif, html, asff)\n")


@pytest.mark.parametrize(("args", "message"), [
    (["--accounts", "12345"], "argument --accounts: expected 12-digit account ids separated by commas, got '12345'"),
    (["--regions", "EU"], "argument --regions: expected region names separated by commas (eu-west-1), got 'EU'"),
    (["--stale-after", "0"], "argument --stale-after: expected a whole number of at least 1, got '0'"),
])
def test_bad_options(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["inventory", *args])
    assert exc.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == f"layergate inventory: error: {message}"


@pytest.mark.slow  # moto builds its EC2 backend on the first DescribeRegions (several seconds)
def test_default_regions_are_those_the_account_has_enabled(org: Org, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import boto3
    from inventory_world import _session

    tb = org.ids["team-b"]
    ec2 = boto3.client("ec2", region_name="us-east-1", endpoint_url=org.world.moto_url,
                       **_session(org.world.moto_url, tb, "publisher"))
    enabled = sorted(r["RegionName"] for r in ec2.describe_regions()["Regions"])
    assert {"ca-central-1", "sa-east-1"} <= set(enabled)
    r = run(org, monkeypatch, capsys, tmp_path, "--accounts", tb, "--format", "json", "-q")
    doc = json.loads(r.out)
    assert doc["accounts"] == [{"id": tb, "name": None, "status": "ACTIVE", "covered": True, "regions": enabled}]
    assert sorted((f["name"], f["region"]) for f in doc["functions"]) == [("nolayers", "ca-central-1"),
                                                                          ("reports", "sa-east-1")]
    assert len(doc["summary"]["scans"]) == len(enabled)
