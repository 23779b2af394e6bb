"""`layergate lock`: record the SHA-256 AWS publishes for every referenced layer version not yet recorded.

Trust on first use, then fail closed: a recorded hash is never replaced silently. A version whose
published hash differs from the recorded one is reported (recorded vs published) and the run exits 1;
``--update ARN`` replaces one entry on purpose. The policy file is written once, at the end, only
after every AWS call has come back; a run that fails part-way leaves it untouched.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from layergate.arn import ArnError, LayerArn
from layergate.commands import common, online
from layergate.errors import LayergateError
from layergate.provenance import cli as provenance
from layergate.records import dataclass, field

if TYPE_CHECKING:
    from layergate.aws.layers import Facts
    from layergate.catalog import Catalog
    from layergate.lockfile import Edit
    from layergate.policy import Policy
    from layergate.provenance.verify import Verdict

REVIEW_KEYS = ("reviewed_by", "reviewed_at")


def version_arn(text: str) -> LayerArn:
    try:
        arn = LayerArn.parse(text)
    except ArnError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a layer ARN: {exc}") from None
    if arn.version is None:
        raise argparse.ArgumentTypeError(f"{text!r} names no version; --update takes a layer version ARN")
    return arn


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "lock",
        help="record the SHA-256 of referenced layer versions in the policy (reads AWS)",
        description="Record, in the policy file's layers: list, the SHA-256 AWS publishes for every layer version "
        "referenced under PATH that has none yet. A recorded hash is never changed (use --update). "
        "Exit 0: done; 1: a hash mismatch or a layer version that could not be recorded; 2: usage, input, "
        "policy or AWS error (nothing written).",
    )
    common.add_input_options(p)
    p.add_argument("--download", action="store_true",
                   help="also download each zip, hash it locally, and refuse to record when it differs from AWS's")
    p.add_argument("--dry-run", action="store_true", help="print the change as a unified diff; write nothing")
    p.add_argument("--update", action="append", default=[], type=version_arn, metavar="ARN",
                   help="replace the recorded entry of this layer version (repeatable); prints old and new")
    p.add_argument("--reviewer", metavar="NAME",
                   help="fill in reviewed_by with NAME and reviewed_at with today (default: leave both out, so "
                   "LG301 keeps failing until someone has reviewed the layer)")
    p.add_argument("--quiet", "-q", action="store_true", help="print only changes and problems")
    provenance.add_options(p, local=False)
    online.add_aws_options(p)
    p.set_defaults(func=run)


@dataclass
class Plan:
    edits: list[Edit] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # what happened, one entry per layer version
    problems: list[str] = field(default_factory=list)
    unchanged: int = 0


def run(args: argparse.Namespace) -> int:
    from layergate import catalog
    from layergate.lockfile import LockFile
    from layergate.provenance.assess import needs_attestation
    from layergate.scanning import scan_paths

    if args.reviewer is not None and not args.reviewer.strip():
        raise LayergateError("--reviewer: give the name of the person who reviewed the layers")
    prepared = common.prepare(args)
    policy = prepared.policy
    given = provenance.given_files(args) if provenance.wanted(args) else None
    if given is not None:
        provenance.require_libraries()
    path = online.require_policy_file(policy.path, "lock")
    result = scan_paths(args.paths, prepared.options, policy.exclude)
    found = online.referenced(result.scans)
    for arn in args.update:
        if str(arn) not in found and policy.reviewed(str(arn)) is None:
            raise LayergateError(f"--update: {arn} is neither referenced under {' '.join(args.paths)} nor in {path}")
    lockfile = LockFile(path)  # read before AWS is asked, so a concurrent edit is noticed at write time
    arns = [r.arn for r in found.values()] + [a for a in args.update if str(a) not in found]
    readable = [a for a in dict.fromkeys(arns) if online.unreadable(a) is None]
    attested = frozenset(str(a) for a in readable if given is not None and needs_attestation(policy, a))
    facts = online.read_layers(args, readable, download=args.download, download_for=attested) if readable else {}
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    s3 = provenance.s3_reader(args)
    verdicts = {k: attestation_verdict(facts[k], policy, given or [], s3) for k in attested if k in facts}
    plan = make_plan(arns, found, facts, policy, catalog.load(), updates={str(a) for a in args.update},
                     reviewer=args.reviewer, today=prepared.today, now=now, download=args.download,
                     verdicts=verdicts)
    new_text = lockfile.edit(plan.edits) if plan.edits else None  # may refuse: then nothing is reported as done
    out = sys.stderr if args.dry_run else sys.stdout
    for line in plan.lines + [f"error: {p}" for p in plan.problems]:
        print(line, file=out)
    if new_text is not None:
        if args.dry_run:
            sys.stdout.write(lockfile.diff(new_text))
        else:
            lockfile.write(new_text)
    if not args.quiet:
        print(summary(plan, path, args.dry_run), file=sys.stderr)
        if plan.edits and args.reviewer is None:
            print("note: recorded without reviewed_by: LG301 fails for these layer versions until someone has "
                  "reviewed each one and filled in reviewed_by and reviewed_at", file=sys.stderr)
    return 1 if plan.problems else 0


def make_plan(
    arns: Sequence[LayerArn],
    found: dict[str, online.Referenced],
    facts: dict[str, Facts],
    policy: Policy,
    catalog: Catalog,
    *,
    updates: set[str],
    reviewer: str | None,
    today: dt.date,
    now: str,
    download: bool,
    verdicts: dict[str, Verdict] | None = None,
) -> Plan:
    """Decide, for each layer version, what to record and what to report."""
    from layergate.lockfile import Edit

    plan = Plan()
    review: tuple[tuple[str, Any], ...] = ((("reviewed_by", reviewer), ("reviewed_at", today)) if reviewer else ())
    for arn in dict.fromkeys(arns):
        key = str(arn)
        used = _used_at(found.get(key))
        why = online.unreadable(arn)
        f = facts.get(key)
        if why is not None or f is None:
            plan.problems.append(f"cannot read {key}{used}: {why}")
            continue
        if f.unavailable is not None or f.published is None:
            plan.problems.append(f"cannot read {key}{used}: {f.unavailable}")
            continue
        pub = f.published
        if download and not _download_ok(key, f, plan):
            continue
        verdict = (verdicts or {}).get(key)
        if verdict is not None and not verdict.ok:
            plan.problems.extend(f"refusing to record {key}{used}: it {p.message} ({p.rule_id})"
                                 for p in verdict.problems)
            continue
        entry = policy.reviewed(key)
        signed: tuple[tuple[str, Any], ...] = tuple(
            (k, v) for k, v in (("signing_profile", pub.signing_profile), ("signing_job", pub.signing_job)) if v)
        built = _built(verdict)
        values = (("sha256", pub.sha256), ("code_size", pub.code_size), *signed, ("recorded_at", now), *built)
        extension = (("extension", catalog.is_extension(arn)),)
        if entry is None:
            plan.edits.append(Edit(key, values + extension + review))
            plan.lines.append(f"recorded  {key}  sha256 {pub.sha256}  ({pub.code_size:,} bytes)")
            plan.lines.extend(f"  provenance: {verdict.built_from}" for _ in built if verdict is not None)
        elif not entry.sha256:
            plan.edits.append(Edit(key, values + review, extension))
            plan.lines.append(f"recorded  {key}  sha256 {pub.sha256}  ({pub.code_size:,} bytes; "
                              f"entry at {_where(entry.location.line, policy)} had no sha256)")
            plan.lines.extend(f"  provenance: {verdict.built_from}" for _ in built if verdict is not None)
        elif entry.sha256.lower() == pub.sha256 and signed and entry.signing_profile is None:
            plan.edits.append(Edit(key, built, signed))  # what signed the reviewed zip, recorded once
            plan.lines.append(f"recorded  {key}  signed by {pub.signing_profile}")
            plan.lines.extend(f"  provenance: {verdict.built_from}" for _ in built if verdict is not None)
        elif entry.sha256.lower() == pub.sha256:
            if built and (verdict is not None and entry.provenance != verdict.built_from):
                plan.edits.append(Edit(key, built))
                plan.lines.append(f"recorded  {key}  provenance: {verdict.built_from}")
                continue
            plan.unchanged += 1
            if key in updates:
                plan.lines.append(f"unchanged {key}  (--update: AWS publishes the recorded sha256)")
        elif key in updates:
            removed = () if reviewer else REVIEW_KEYS
            plan.edits.append(Edit(key, values + review, extension, remove=removed))
            plan.lines.extend([
                f"updated   {key}",
                f"  old sha256 {entry.sha256.lower()}  ({_where(entry.location.line, policy)})",
                f"  new sha256 {pub.sha256}  (published by AWS now, {pub.code_size:,} bytes)",
            ])
            if not reviewer:
                plan.lines.append("  reviewed_by and reviewed_at removed: the new content has not been reviewed")
        else:
            plan.problems.append(
                f"checksum mismatch for {key}{used}\n"
                + _aligned([(f"recorded in {_where(entry.location.line, policy)}", entry.sha256.lower()),
                            ("published by AWS now", pub.sha256)])
                + "  This layer version no longer holds what was reviewed; lock never replaces a recorded hash.\n"
                f"  After reviewing it again: layergate lock --update {key}"
            )
    return plan


def attestation_verdict(f: Facts, policy: Policy, given: list[str], s3: Any = None) -> Verdict:
    """The attestation verdict for one downloaded internal layer version (LG306 when it could not be downloaded)."""
    from layergate.provenance import assess, locate, verify

    if f.downloaded is None or f.published is None or f.downloaded.sha256 != f.published.sha256:
        return verify.Verdict(str(f.arn), (verify.Problem("LG306", "could not be downloaded intact to check its "
                                                                   f"attestation {f.download_problem}".rstrip()),))
    expected = assess.expectation(policy, f.arn)
    where = locate.places(given, expected.attestation if expected else None, f.arn, None)
    return assess.assess(where, {"sha256": f.downloaded.sha256, "sha512": f.downloaded.sha512}, expected, s3)


def _built(verdict: Verdict | None) -> tuple[tuple[str, Any], ...]:
    """The ``provenance:`` value lock writes: what the verified attestation says."""
    if verdict is None or verdict.built_from is None:
        return ()
    b = verdict.built_from
    return (("provenance", {"repository": b.repository, "commit": b.commit, "workflow": b.workflow, "ref": b.ref,
                            "attestation_sha256": b.attestation_sha256}),)


def _download_ok(key: str, f: Facts, plan: Plan) -> bool:
    assert f.published is not None
    if f.downloaded is None:
        plan.problems.append(f"refusing to record {key}: {f.download_problem}")
        return False
    if f.downloaded.sha256 != f.published.sha256:
        plan.problems.append(
            f"refusing to record {key}: the downloaded zip does not match the CodeSha256 AWS reports\n"
            + _aligned([("CodeSha256 from AWS", f"{f.published.sha256}  ({f.published.code_size:,} bytes)"),
                        ("downloaded zip", f"{f.downloaded.sha256}  ({f.downloaded.size:,} bytes)")]).rstrip("\n")
        )
        return False
    return True


def _aligned(pairs: Sequence[tuple[str, str]]) -> str:
    width = max(len(label) for label, _ in pairs) + 1
    return "".join(f"  {label + ':':<{width}} {value}\n" for label, value in pairs)


def _used_at(ref: online.Referenced | None) -> str:
    if ref is None or not ref.uses:
        return ""
    first = ref.uses[0].ref
    more = f" and {len(ref.uses) - 1} more" if len(ref.uses) > 1 else ""
    return f" (used by {first.consumer} at {first.location}{more})"


def _where(line: int, policy: Policy) -> str:
    name = os.path.basename(policy.path or ".layergate.yaml")
    return f"{name} line {line}" if line else name


def summary(plan: Plan, path: str, dry_run: bool) -> str:
    recorded = sum(1 for line in plan.lines if line.startswith("recorded"))
    updated = sum(1 for line in plan.lines if line.startswith("updated"))
    parts = [f"{recorded} recorded", f"{updated} updated", f"{plan.unchanged} unchanged",
             f"{len(plan.problems)} {'error' if len(plan.problems) == 1 else 'errors'}"]
    if not plan.edits:
        tail = "nothing to write"
    elif dry_run:
        tail = f"dry run: {path} not written"
    else:
        tail = f"{path} written"
    return f"lock: {', '.join(parts)}; {tail}"
