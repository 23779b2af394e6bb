"""`layergate fix`: rewrite floating layer references (LG101, LG102) into the version ARN they resolve to today.

An SSM parameter (``{{resolve:ssm:...}}``, an ``AWS::SSM::Parameter::Value<String>`` parameter, Serverless
``${ssm:...}``) becomes the layer version ARN it holds in the deploy regions; an unversioned ARN gets the
layer's newest version appended; a Terraform ``aws_lambda_layer_version`` data source without ``version``
gets one. Only those characters change. What cannot be rewritten safely is listed with the reason, and
nothing is rewritten by guess.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from layergate.commands import common, online

if TYPE_CHECKING:
    from layergate.model import Scan
    from layergate.policy import Policy


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "fix",
        help="rewrite floating layer references into the version ARN they resolve to today (reads AWS)",
        description="Rewrite every floating layer reference under PATH (LG101: an SSM parameter or a Terraform "
        "data source without version; LG102: an ARN without version) into the layer version ARN it resolves "
        "to today, read from AWS, changing nothing else in the file. References that cannot be rewritten "
        "safely are listed with the reason. Exit 0: every floating reference fixed (or none found); 1: some "
        "could not be fixed; 2: usage, input or AWS error (nothing written).",
    )
    common.add_input_options(p)
    p.add_argument("--dry-run", action="store_true", help="print the change as a unified diff; write nothing")
    p.add_argument("--lock", action="store_true",
                   help="also record the SHA-256 of the newly pinned versions in the policy, as `layergate lock` "
                   "does (reviewed_by left out, so LG301 fails until someone has reviewed them)")
    online.add_aws_options(p)
    p.add_argument("--ssm-endpoint-url", metavar="URL",
                   help="SSM endpoint to use instead of AWS's (a VPC endpoint, or a local test endpoint)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from layergate.fix import apply, plan, sites
    from layergate.fix.resolve import ask_all
    from layergate.scanning import scan_paths

    prepared = common.prepare(args)
    if args.lock:
        online.require_policy_file(prepared.policy.path, "fix --lock")
    result = scan_paths(args.paths, prepared.options, prepared.policy.exclude)
    cache: dict[str, sites.Source] = {}

    def read(path: str) -> sites.Source:
        if path not in cache:
            cache[path] = sites.read(path)
        return cache[path]

    targets = plan.targets(result.scans, prepared.regions, read)
    state: dict[int, plan.Pending | plan.Fixed | str] = {i: t.todo for i, t in enumerate(targets)}
    known = _known_versions(result.scans, prepared.policy)
    notes: dict[str, str] = {}  # version ARN -> how it was found, when it was probed
    while pending := {i: s for i, s in state.items() if isinstance(s, plan.Pending)}:
        answers = ask_all([a for s in pending.values() for a in s.asks], profile=args.profile,
                          endpoint_url=args.endpoint_url, ssm_endpoint_url=args.ssm_endpoint_url, jobs=args.jobs,
                          known=known)
        notes.update((x.value, x.note) for x in answers.values() if x.note)
        for i, p in pending.items():
            state[i] = p.finish(answers)
    fixed = [s for s in state.values() if isinstance(s, plan.Fixed)]
    files = apply.changes([f.edit for f in fixed], read)
    out = sys.stderr if args.dry_run else sys.stdout
    locked, lock_problems = _lock(args, prepared, fixed, files) if args.lock and fixed else ([], [])
    lines = []
    for i, t in enumerate(targets):
        s = state[i]
        if isinstance(s, plan.Fixed):
            how = "".join(f" ({notes[a]})" for a in s.arns if a in notes)
            lines.append((t.ref.location, f"{t.ref.location}: fixed {t.rule}: {t.ref.expression} -> {s.pinned}{how}"))
        else:
            lines.append((t.ref.location, f"{t.ref.location}: not fixed {t.rule}: {t.ref.expression}: {s}"))
    for _, line in sorted(lines, key=lambda x: (x[0].file, x[0].line, x[0].column)):
        print(line, file=out)
    for line in locked + [f"error: {p}" for p in lock_problems]:
        print(line, file=out)
    if lock_problems:  # a pinned version that cannot be recorded: write nothing
        print("fix: nothing written: the new versions could not all be recorded", file=sys.stderr)
        return 1
    if args.dry_run:
        for f in files:
            sys.stdout.write(f.diff())
    else:
        apply.write_all(files)
    refused = len(targets) - len(fixed)
    tail = ("nothing to write" if not files else f"dry run: {len(files)} {_files(len(files))} not written"
            if args.dry_run else f"{len(files)} {_files(len(files))} written")
    print(f"fix: {len(fixed)} fixed, {refused} not fixed; {tail}", file=sys.stderr)
    return 1 if refused else 0


def _known_versions(scans: Sequence[Scan], policy: Policy) -> dict[str, int]:
    """The highest version of each layer named anywhere locally: where probing another account's layer starts."""
    from layergate.arn import try_parse

    texts = [e.arn for e in policy.layers] + [c.value for scan in scans for ref in scan.refs for c in ref.candidates]
    out: dict[str, int] = {}
    for text in texts:
        arn = try_parse(text)
        if arn is not None and arn.version is not None and not arn.managed:
            out[arn.layer_arn] = max(out.get(arn.layer_arn, 0), arn.version)
    return out


def _lock(args: argparse.Namespace, prepared: common.Prepared, fixed: list[Any],
          files: list[Any]) -> tuple[list[str], list[str]]:
    """Record the pinned versions as `lock` would; the policy's new text joins ``files`` (written together)."""
    import datetime as dt

    from layergate import catalog
    from layergate.arn import LayerArn
    from layergate.commands import lock
    from layergate.fix.apply import FileChange
    from layergate.lockfile import LockFile

    policy = prepared.policy
    assert policy.path is not None
    lockfile = LockFile(policy.path)  # read before AWS is asked, so a concurrent edit is noticed at write time
    arns = [LayerArn.parse(a) for a in dict.fromkeys(a for f in fixed for a in f.arns)]
    facts = online.read_layers(args, arns)
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    done = lock.make_plan(arns, {}, facts, policy, catalog.load(), updates=set(), reviewer=None,
                          today=prepared.today, now=now, download=False)
    if done.edits and not done.problems:
        new_text = lockfile.edit(done.edits)
        files.append(FileChange(lockfile.path, lockfile.original, new_text.encode("utf-8")))
    return done.lines, done.problems


def _files(n: int) -> str:
    return "file" if n == 1 else "files"
