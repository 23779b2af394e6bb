"""The deployed state as scans, and the rules run over it: inventories built as records, no AWS needed."""

from __future__ import annotations

import datetime as dt

from layergate import catalog
from layergate.aws.layers import Grant
from layergate.checks import Context
from layergate.inventory import findings
from layergate.inventory.model import (
    Account,
    FunctionRecord,
    Gap,
    Inventory,
    LayerHistory,
    LayerVersionFacts,
    PublishedLayer,
)
from layergate.model import (
    Candidate,
    Finding,
    Function,
    LayerGrant,
    LayerRef,
    Location,
    Resolution,
    ResolutionKind,
    Scan,
)
from layergate.policy import DenyEntry, OrgInfo, Policy, PublisherAllow, ReviewedLayer

ME, OTHER, VENDOR = "111111111111", "222222222222", "333333333333"
R = "eu-west-1"
OURS = f"arn:aws:lambda:{R}:{ME}:layer:shared"
GONE = f"arn:aws:lambda:{R}:{VENDOR}:layer:gone:3"
BANNED = f"arn:aws:lambda:{R}:{VENDOR}:layer:banned:1"
POLICY_FILE = "/repo/.layergate.yaml"


def fn(name: str, *layers: str, version: str = "$LATEST", region: str = R) -> FunctionRecord:
    arn = f"arn:aws:lambda:{region}:{ME}:function:{name}" + ("" if version == "$LATEST" else f":{version}")
    return FunctionRecord(ME, region, arn, name, version, "python3.12", ("x86_64",), "2026-11-01T00:00:00.000+0000",
                          "Zip", layers)


def inventory(functions: tuple[FunctionRecord, ...], facts: tuple[LayerVersionFacts, ...] = (),
              histories: tuple[LayerHistory, ...] = (), gaps: tuple[Gap, ...] = (),
              published: tuple[PublishedLayer, ...] = ()) -> Inventory:
    return Inventory(caller=ME, partition="aws", organization=None, org_accounts=(), accounts=(Account(ME),),
                     regions=((ME, (R, "us-east-1")),), functions=functions, layer_versions=facts,
                     histories=histories, published=published, gaps=gaps)


def context(**policy: object) -> Context:
    base = {"path": POLICY_FILE, "publishers": (PublisherAllow(None, VENDOR, "vendor", (), Location(POLICY_FILE, 3)),
                                                PublisherAllow(None, ME, "us", (), Location(POLICY_FILE, 5)))}
    base.update(policy)
    return Context(policy=Policy(**base), catalog=catalog.load(), regions=(R,), today=dt.date(2026, 12, 1))  # type: ignore[arg-type]


def reviewed(arn: str, line: int) -> ReviewedLayer:
    return ReviewedLayer(arn, "a" * 64, "alice", dt.date(2026, 11, 20), False, "", Location(POLICY_FILE, line))


def test_functions_become_literal_refs_and_publisher_policies_grants() -> None:
    inv = inventory(
        (fn("api", f"{OURS}:2", GONE), fn("idle")),
        facts=(LayerVersionFacts(f"{OURS}:2", ME, "b" * 64, 10, "", grants=(Grant("x", OTHER, None),)),),
        gaps=(Gap(ME, "us-east-1", "ListFunctions: AccessDeniedException: no"),),
    )
    file = f"aws://{ME}/{R}"
    api = Location(file, path=f"arn:aws:lambda:{R}:{ME}:function:api")
    literal = Resolution(ResolutionKind.LITERAL, "deployed")
    assert findings.scans(inv) == [Scan(
        file=file, format="aws",
        functions=(Function("api", api), Function("idle", Location(file, path=f"arn:aws:lambda:{R}:{ME}:function:idle"))),
        refs=(LayerRef("api", api, f"{OURS}:2", literal, (Candidate(f"{OURS}:2", R),), position=0),
              LayerRef("api", api, GONE, literal, (Candidate(GONE, R),), position=1)),
        grants=(LayerGrant(f"{OURS}:2", OTHER, None, Location(file, path=f"{OURS}:2")),),
        regions=(R,),
    )]  # us-east-1 was not read: no scan for it


def test_rules_of_check_and_online_rules_over_deployed_state() -> None:
    inv = inventory(
        (fn("api", f"{OURS}:2", GONE), fn("worker", BANNED, version="4")),
        facts=(
            LayerVersionFacts(f"{OURS}:2", ME, "b" * 64, 10, "", grants=(Grant("x", OTHER, None),)),
            LayerVersionFacts(GONE, ME, problem="ResourceNotFoundException: Layer version not found"),
            LayerVersionFacts(BANNED, ME, "c" * 64, 10, "", policy_problem="only the publisher may read the policy"),
        ),
        histories=(LayerHistory(OURS, ((2, "2026-10-01T00:00:00.000+0000"),)),),
    )
    ctx = context(layers=(reviewed(f"{OURS}:2", 10), reviewed(GONE, 14), reviewed(BANNED, 18)),
                  deny=(DenyEntry(f"arn:aws:lambda:*:{VENDOR}:layer:banned:*", "leaks tokens", Location(POLICY_FILE, 22)),),
                  org=OrgInfo("o-abc", (ME,)))
    outcome, notes = findings.evaluate(inv, ctx)
    file = f"aws://{ME}/{R}"
    api = Location(file, path=f"arn:aws:lambda:{R}:{ME}:function:api")
    worker = Location(file, path=f"arn:aws:lambda:{R}:{ME}:function:worker:4")
    assert list(outcome.findings) == [
        Finding("LG202", "denied-layer", findings_severity("LG202"), f"function worker:4 uses {BANNED} from {VENDOR}, "
                f"which the policy denies (arn:aws:lambda:*:{VENDOR}:layer:banned:*): leaks tokens", worker, BANNED,
                fix_of("LG202"), "worker:4"),
        Finding("LG302", "hash-mismatch", findings_severity("LG302"), f"function api uses {OURS}:2 from {ME}: AWS "
                f"publishes SHA-256 {'b' * 64}, but .layergate.yaml line 10 records {'a' * 64}", api, f"{OURS}:2",
                fix_of("LG302"), "api"),
        Finding("LG302", "hash-mismatch", findings_severity("LG302"), f"function worker:4 uses {BANNED} from {VENDOR}: "
                f"AWS publishes SHA-256 {'c' * 64}, but .layergate.yaml line 18 records {'a' * 64}", worker, BANNED,
                fix_of("LG302"), "worker:4"),
        Finding("LG304", "layer-unavailable", findings_severity("LG304"), f"function api uses {GONE} from {VENDOR}, "
                f"which AWS does not describe to account {ME}: ResourceNotFoundException: Layer version not found", api,
                GONE, fix_of("LG304"), "api"),
        Finding("LG502", "layer-shared-outside-org", findings_severity("LG502"), f"layer {OURS}:2 is shared with account "
                f"{OTHER}, which is not in org.accounts", Location(file, path=f"{OURS}:2"), None, fix_of("LG502"),
                f"{OURS}:2"),
    ]
    # The gone vendor layer was never listed: LG701 says it could not judge it rather than pass it.
    assert notes == [
        "LG701 not judged for 2 layers whose versions could not be listed (AWS lets only a layer's publisher list "
        f"them): arn:aws:lambda:{R}:{VENDOR}:layer:banned (not listed); arn:aws:lambda:{R}:{VENDOR}:layer:gone "
        "(not listed)"]


def findings_severity(rule_id: str) -> object:
    from layergate.checks import find_rule

    rule = find_rule(rule_id)
    assert rule is not None
    return rule.severity


def fix_of(rule_id: str) -> str:
    from layergate.checks import find_rule

    rule = find_rule(rule_id)
    assert rule is not None
    return rule.fix


def test_stale_after_and_versions_the_listing_does_not_hold() -> None:
    history = LayerHistory(OURS, ((5, "2026-11-02T00:00:00.000+0000"), (4, ""), (2, "")))
    inv = inventory((fn("one-behind", f"{OURS}:4"), fn("three-behind", f"{OURS}:2"), fn("deleted", f"{OURS}:3")),
                    histories=(history,))
    ctx = context(layers=tuple(reviewed(f"{OURS}:{v}", 10 + v) for v in (2, 3, 4)))
    outcome, notes = findings.evaluate(inv, ctx, stale_after=2)
    stale = [(f.consumer, f.message) for f in outcome.findings if f.rule_id == "LG701"]
    assert stale == [("three-behind", f"function three-behind uses {OURS}:2 from {ME}: 2 newer versions exist (newest "
                                      ":5, published 2026-11-02)")]
    assert notes == ["LG701 not judged for 1 layer whose versions could not be listed (AWS lets only a layer's "
                     f"publisher list them): {OURS} (ListLayerVersions does not list version 3)"]


def test_unused_layers_only_where_functions_were_read() -> None:
    inv = inventory(
        (fn("api", f"{OURS}:2"),),
        published=(PublishedLayer(ME, R, OURS, "shared", 2, "2026-10-01T00:00:00.000+0000"),
                   PublishedLayer(ME, R, f"arn:aws:lambda:{R}:{ME}:layer:spare", "spare", 1, ""),
                   PublishedLayer(ME, "us-east-1", f"arn:aws:lambda:us-east-1:{ME}:layer:elsewhere", "elsewhere", 1, "")),
        gaps=(Gap(ME, "us-east-1", "ListFunctions: ThrottlingException: slow down"),),
    )
    outcome, notes = findings.evaluate(inv, context(layers=(reviewed(f"{OURS}:2", 10),)))
    assert [(f.rule_id, f.severity.name, f.location.path, f.message) for f in outcome.findings] == [
        ("LG702", "WARNING", f"arn:aws:lambda:{R}:{ME}:layer:spare", f"layer arn:aws:lambda:{R}:{ME}:layer:spare of "
         f"account {ME} is used by no function in the 1 account inventoried in {R} (newest version :1)"),
    ]
    assert notes[-1].startswith("LG702 judged unused layers against the functions of the inventoried accounts")


def test_suppressions_match_the_function_name_and_the_account_file() -> None:
    from layergate.policy import IgnoreEntry

    inv = inventory((fn("legacy-api", BANNED),), facts=(LayerVersionFacts(BANNED, ME, "c" * 64, 1, ""),))
    ignore = (IgnoreEntry("LG301", "vendor review pending", Location(POLICY_FILE, 30), resource="legacy-*",
                          file=f"aws://{ME}/*"),)
    outcome, _ = findings.evaluate(inv, context(ignore=ignore))
    assert [f.rule_id for f in outcome.findings] == []
    assert outcome.suppressed == 1
