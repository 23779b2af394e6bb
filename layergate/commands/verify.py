"""`layergate verify`: hold every recorded SHA-256 against what AWS publishes now.

For each referenced layer version with a recorded hash, GetLayerVersion in the ARN's own region:
a different hash is LG302, a version AWS will not return (deleted, or no longer shared with the
caller) is LG304 with AWS's own words. For layer versions the organization publishes (accounts under
``org.accounts``), the version's resource policy is read where the caller may read it: a grant to
every account is LG501. For layers whose publisher entry lists ``signing_profiles``, an unsigned
version or one signed by a profile the policy does not list is LG309.
Findings go through the same suppressions, reporters and exit codes as check.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from layergate import report, signing
from layergate.commands import common, online
from layergate.provenance import cli as provenance
from layergate.records import dataclass

if TYPE_CHECKING:
    from layergate.arn import LayerArn
    from layergate.aws.layers import Facts, Published
    from layergate.checks import Context
    from layergate.model import Finding
    from layergate.policy import Policy
    from layergate.rule import Rule


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "verify",
        help="compare recorded SHA-256 hashes with what AWS publishes now (reads AWS)",
        description="For every layer version referenced under PATH with a recorded SHA-256, ask AWS for the "
        "published hash and compare (LG302); report versions AWS no longer returns (LG304) and versions "
        "the organization publishes to every account (LG501), and versions from publishers that require "
        "signing that are unsigned or signed by a profile the policy does not list (LG309); with --provenance, "
        "verify the build provenance attestation of every internal layer version offline (LG306, LG307, LG308). "
        "Exit 0: pass; 1: findings at or above fail_on; 2: usage, input, policy or AWS error.",
    )
    common.add_input_options(p)
    common.add_output_options(p, sorted(report.FORMATS))
    provenance.add_options(p, local=False)
    online.add_aws_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from layergate import catalog
    from layergate.checks import Context
    from layergate.engine import suppress
    from layergate.model import Finding, Outcome
    from layergate.provenance.assess import needs_attestation
    from layergate.scanning import scan_paths

    prepared = common.prepare(args)
    policy = prepared.policy
    attest = _Attest(provenance.given_files(args), provenance.s3_reader(args)) if provenance.wanted(args) else None
    if attest is not None:
        provenance.require_libraries()
    result = scan_paths(args.paths, prepared.options, policy.exclude)
    ctx = Context(policy=policy, catalog=catalog.load(), regions=prepared.regions, today=prepared.today)
    found = online.referenced(result.scans)
    recorded = {k for k in found if (entry := policy.reviewed(k)) is not None and entry.sha256}
    ours = {k for k, r in found.items() if r.arn.account in policy.org.accounts}
    signed = {k for k, r in found.items() if (req := signing.requirement(policy, ctx.catalog, r.arn)) and req.profiles}
    attested = {k for k, r in found.items() if attest is not None and needs_attestation(policy, r.arn)}
    targets = [k for k in found if k in recorded or k in ours or k in signed or k in attested]
    readable = [found[k].arn for k in targets if online.unreadable(found[k].arn) is None]
    facts = online.read_layers(args, readable, policy_for=frozenset(ours),
                               download_for=frozenset(attested)) if readable else {}
    findings = list(_findings(found, targets, facts, policy, ctx, attest, attested))
    kept, suppressed = suppress(findings, result.scans, ctx)
    outcome = Outcome(
        findings=tuple(sorted(set(kept), key=Finding.sort_key)),
        suppressed=suppressed,
        scans=result.scans,
        files_by_format=result.files_by_format,
    )
    notes = [*prepared.notes, *_notes(found, recorded, targets, facts)]
    if attest is not None:
        notes.append(f"verify: checked the build provenance of {len(attested)} internal layer "
                     f"{'version' if len(attested) == 1 else 'versions'}")
    return common.emit(args, outcome, policy, notes, "verify")


@dataclass(frozen=True, slots=True)
class _Attest:
    given: list[str]  # --attestation files
    s3: Any = None  # reads an s3:// attestation place with this command's AWS settings


def _findings(found: dict[str, online.Referenced], targets: list[str], facts: dict[str, Facts],
              policy: Policy, ctx: Context, attest: _Attest | None = None,
              attested: set[str] | None = None) -> Iterator[Finding]:
    from layergate.checks.common import function

    for key in targets:
        arn = found[key].arn
        problems = list(_problems(arn, facts.get(key), policy))
        f = facts.get(key)
        if f is not None and f.published is not None:
            problems.extend(_signature(arn, f.published, policy, ctx))
        if attest is not None and attested and key in attested and not any(r.id == "LG304" for r, _ in problems):
            problems.extend(_provenance(arn, facts[key], policy, attest))
        for use in found[key].uses:
            for rule, text in problems:
                yield rule.finding(use.ref.location, f"{function(use.ref)} uses {key}{text}", arn=key,
                                   consumer=use.ref.consumer)


def _problems(arn: LayerArn, f: Facts | None, policy: Policy) -> Iterator[tuple[Rule, str]]:
    """What is wrong with one layer version: (rule, the message after "function X uses ARN")."""
    from layergate.checks.common import in_policy

    why = online.unreadable(arn)
    if why is not None or f is None:
        yield _rule("LG304"), f", which cannot be asked of AWS: {why}"
        return
    if f.unavailable is not None or f.published is None:
        yield _rule("LG304"), f", which AWS does not return to this caller: {f.unavailable}"
        return
    entry = policy.reviewed(str(arn))
    if entry is not None and entry.sha256 and entry.sha256.lower() != f.published.sha256:
        yield _rule("LG302"), (f": AWS publishes SHA-256 {f.published.sha256}, but {in_policy(entry.location)} "
                               f"records {entry.sha256.lower()}")
    for grant in f.grants or ():
        if grant.public:
            yield _rule("LG501"), (f", which account {arn.account} (org.accounts) lets every AWS account use: "
                                   f"statement {grant.sid!r} grants Principal '*' without an organization condition")


def _signature(arn: LayerArn, pub: Published, policy: Policy, ctx: Context) -> Iterator[tuple[Rule, str]]:
    """LG309: a layer whose publisher requires signing, unsigned or signed by a profile the policy does not
    list (or by another profile than the one ``lock`` recorded)."""
    from layergate.checks.common import in_policy

    req = signing.requirement(policy, ctx.catalog, arn)
    if req is None or not req.profiles:  # an internal publisher without listed profiles: LG305 asks for them
        return
    rule = _rule("LG309")
    if not pub.signing_profile:
        yield rule, f" from {req.publisher}, which AWS reports as not signed (no SigningProfileVersionArn)"
        return
    if req.profiles and not signing.profile_listed(pub.signing_profile, "", req.profiles):
        yield rule, (f" from {req.publisher}, signed by {pub.signing_profile}, which the policy does not list "
                     f"(signing_profiles: {', '.join(req.profiles)})")
    entry = policy.reviewed(str(arn))
    if entry is not None and entry.signing_profile and entry.signing_profile != pub.signing_profile:
        yield rule, (f" from {req.publisher}, signed by {pub.signing_profile}, but {in_policy(entry.location)} "
                     f"records signing profile {entry.signing_profile}")


def _provenance(arn: LayerArn, f: Facts, policy: Policy, attest: _Attest) -> Iterator[tuple[Rule, str]]:
    """LG306/LG307/LG308 for one internal layer version, from its downloaded zip's digests."""
    from layergate.provenance.assess import assess, expectation
    from layergate.provenance.locate import places

    if f.downloaded is None:
        yield _rule("LG306"), f", whose zip could not be downloaded to check its attestation: {f.download_problem}"
        return
    assert f.published is not None
    if f.downloaded.sha256 != f.published.sha256:
        yield _rule("LG302"), (f": the downloaded zip has SHA-256 {f.downloaded.sha256}, but AWS reports "
                               f"CodeSha256 {f.published.sha256}")
        return
    expected = expectation(policy, arn)
    where = places(attest.given, expected.attestation if expected else None, arn, None)
    verdict = assess(where, {"sha256": f.downloaded.sha256, "sha512": f.downloaded.sha512}, expected, attest.s3)
    for p in verdict.problems:
        yield _rule(p.rule_id), f", which {p.message}"


def _notes(found: dict[str, online.Referenced], recorded: set[str], targets: list[str],
           facts: dict[str, Facts]) -> Iterator[str]:
    checked = sum(1 for k in targets if k in recorded)
    yield f"verify: compared {checked} recorded layer {'version' if checked == 1 else 'versions'} with AWS"
    unrecorded = len(found) - len(recorded)
    if unrecorded:
        yield (f"not compared: {unrecorded} referenced layer {'version' if unrecorded == 1 else 'versions'} without "
               "a recorded SHA-256 (`layergate check` reports them as LG301; `layergate lock` records them)")
    unread = sorted(k for k, f in facts.items() if f.policy_problem)
    if unread:
        yield (f"could not read the layer version policy of {len(unread)} organization layer "
               f"{'version' if len(unread) == 1 else 'versions'}, so LG501 was not checked for "
               f"{'it' if len(unread) == 1 else 'them'}: " + "; ".join(f"{k} ({facts[k].policy_problem.split(':')[0]})"
                                                                      for k in unread))


def _rule(name: str) -> Rule:
    from layergate.checks import find_rule

    rule = find_rule(name)
    if rule is None:
        raise RuntimeError(f"rule {name} is not registered in layergate.checks")
    return rule
