"""`layergate inventory`: which deployed functions load which layers, from whom, and what breaks the policy.

Reads AWS (never a repository): the caller's account, or with ``--org`` every active account of the
organization through an assumed role; in each, every enabled region (or ``--regions``). Findings come
from the same rules and policy as ``check`` where they apply to deployed functions, plus LG302/LG304
(what AWS publishes against what the policy records) and LG701/LG702.
"""

from __future__ import annotations

import argparse
import re
from typing import Any

from layergate.commands import common, online
from layergate.errors import LayergateError

STDOUT_FORMATS = ("text", "json", "csv", "sarif", "html")  # and asff, to a file only (-o asff=FILE)
_ACCOUNT_RE = re.compile(r"^\d{12}$")
_REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


def account_list(text: str) -> list[str]:
    items = [t.strip() for t in text.split(",") if t.strip()]
    bad = [t for t in items if not _ACCOUNT_RE.match(t)]
    if bad or not items:
        raise argparse.ArgumentTypeError(f"expected 12-digit account ids separated by commas, got {text!r}")
    return items


def region_list(text: str) -> list[str]:
    items = [t.strip() for t in text.split(",") if t.strip()]
    bad = [t for t in items if not _REGION_RE.match(t)]
    if bad or not items:
        raise argparse.ArgumentTypeError(f"expected region names separated by commas (eu-west-1), got {text!r}")
    return items


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def add_parser(sub: Any) -> None:
    from layergate.inventory import DEFAULT_ROLE
    from layergate.vulns.options import add_advisory_options

    p: argparse.ArgumentParser = sub.add_parser(
        "inventory",
        help="list the layers deployed functions load across accounts and regions, with findings (reads AWS)",
        description="List every function in the caller's account (or, with --org, every active account of the "
        "organization) and region, the layers each loads and who publishes them, and judge them with the policy. "
        "Exit 0: complete, nothing at or above fail_on; 1: findings at or above fail_on; 2: usage, policy or AWS "
        "error; 3: some account or region could not be read (the report lists them).",
    )
    scope = p.add_argument_group("what to inventory")
    scope.add_argument("--org", action="store_true",
                       help="every active account of the organization (Organizations ListAccounts; run as the "
                            "management account or a delegated administrator)")
    scope.add_argument("--accounts", type=account_list, action="append", default=[], metavar="ID[,ID...]",
                       help="only these accounts (repeatable); without --org, these instead of the caller's own")
    scope.add_argument("--role-name", default=DEFAULT_ROLE, metavar="NAME",
                       help=f"role assumed in every account but the caller's (default: {DEFAULT_ROLE})")
    scope.add_argument("--regions", type=region_list, action="append", default=[], metavar="REGION[,REGION...]",
                       help="only these regions (repeatable; default: every region each account has enabled)")
    scope.add_argument("--all-versions", action="store_true",
                       help="also list every published version of each function, not only $LATEST")
    scope.add_argument("--stale-after", type=positive, default=1, metavar="N",
                       help="LG701: report functions N or more versions behind the newest (default: 1)")
    p.add_argument("--policy", metavar="FILE",
                   help="policy file (default: .layergate.yaml found by walking up from the current directory)")
    p.add_argument("--today", type=common.date_arg, metavar="YYYY-MM-DD",
                   help="evaluate review ages and suppression expiry as of this date")
    common.add_output_options(p, list(STDOUT_FORMATS))
    p.add_argument("--asff-region", metavar="REGION",
                   help="region of the Security Hub that imports -o asff=FILE (default: the profile's region, "
                        "else us-east-1)")
    add_advisory_options(p, online=True)
    online.add_aws_options(p)
    p.set_defaults(func=run, paths=["."])


def run(args: argparse.Namespace) -> int:
    import gc

    # As in check: a run builds large acyclic graphs (answers, records), so the cyclic collector would only
    # traverse them again and again; it is back on when the run ends (the CLI may run in-process).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(args)
    finally:
        if was_enabled:
            gc.enable()


def _run(args: argparse.Namespace) -> int:
    import datetime as dt
    import sys

    from layergate import __version__, catalog
    from layergate.aws.session import AwsSettings
    from layergate.checks import Context
    from layergate.inventory import findings, output
    from layergate.inventory.collect import Options
    from layergate.inventory.gather import gather
    from layergate.inventory.model import InventoryReport
    from layergate.inventory.provenance import collect

    for fmt, _ in args.output:  # before minutes of reading AWS, not after
        if fmt not in output.FORMATS:
            raise LayergateError(f"--output: unknown format {fmt!r} (choose from {', '.join(output.FORMATS)})")
    policy, notes = common.load_policy(args)
    requested = tuple(dict.fromkeys(a for group in args.accounts for a in group))
    regions = tuple(dict.fromkeys(r for group in args.regions for r in group))
    settings = AwsSettings(profile=args.profile, endpoint_url=args.endpoint_url, jobs=args.jobs)
    wants_vulns = bool(args.vulns or args.advisories)
    advisories = None
    if wants_vulns:  # a bad --advisories path fails now, not after reading AWS
        from layergate.vulns.options import online_source

        advisories = online_source(args)
    options = Options(role_name=args.role_name, regions=regions, all_versions=args.all_versions, jobs=args.jobs,
                      contents=wants_vulns)
    inv = gather(settings, options, org=args.org, requested=requested, stream=sys.stderr)
    ctx = Context(policy=_with_org(policy, inv), catalog=catalog.load(),
                  regions=tuple(sorted({r for _, rs in inv.regions for r in rs})), today=args.today or dt.date.today())
    vuln_scan = None
    extra: list[Any] = []
    details: list[Any] = []
    if advisories is not None:
        from layergate.inventory import vulns

        vuln_scan = vulns.assess(inv, advisories)
        extra, details = vulns.findings(inv, vuln_scan, ctx)
    outcome, rule_notes = findings.evaluate(inv, ctx, stale_after=args.stale_after,
                                            declared_org_accounts=policy.org.accounts, extra=extra)
    kept = set(outcome.findings)
    report = InventoryReport(
        inventory=inv,
        outcome=outcome,
        fail_on=common.fail_on(args, policy),
        policy_path=policy.path,
        notes=(*notes, *rule_notes),
        tool_version=__version__,
        generated_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        color=output.color_wanted(args),
        asff_region=args.asff_region or inv.home_region,
        publishers=_labels(inv, ctx),
        vulns=vuln_scan,
        vuln_details=tuple(d for d in details if d[0] in kept),
        provenance=collect(inv, ctx.policy),  # ctx's: with --org, the organization's accounts are internal
    )
    return output.emit(args, report)


def _with_org(policy: Any, inv: Any) -> Any:
    """With --org, the organization AWS lists stands in for a policy that names none (LG502 compares grants
    with it); a policy that names its organization keeps its own."""
    from layergate import records
    from layergate.policy import OrgInfo

    if inv.organization is None:
        return policy
    org = policy.org
    return records.replace(policy, org=OrgInfo(
        id=org.id or inv.organization,
        accounts=org.accounts or tuple(a.id for a in inv.org_accounts),
    ))


def _labels(inv: Any, ctx: Any) -> tuple[tuple[str, str], ...]:
    """How reports name each publisher: the catalog's vendor, else the organization's account name."""
    from layergate.checks.common import publisher
    from layergate.inventory.model import uses

    labels: dict[str, str] = {}
    for use in uses(inv):
        arn = use.arn
        if arn is None or arn.account in labels:
            continue
        label = publisher(ctx, arn)
        if label == arn.account and (known := inv.account(arn.account)) is not None and known.name:
            label = known.label
        labels[arn.account] = label
    return tuple(sorted(labels.items()))
