"""``--policy-ref REF``: take the policy from a git ref, so a change cannot approve itself.

A pull request that adds its own publisher, hash or suppression to ``.layergate.yaml`` is checked against
the policy of its base (REF) until that policy change is merged. What the working-tree policy would add is
reported as run notes, so reviewers see it: new publishers, new reviewed layers or changed hashes, new
suppressions, and anything else that loosens the gate (removed deny entries, a laxer ``fail_on``, a longer
review age, more organization accounts).
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from typing import TypeVar

from layergate import records
from layergate.errors import ErrorList, LayergateError, PolicyError
from layergate.policy import (
    POLICY_FILENAMES,
    DenyEntry,
    IgnoreEntry,
    Policy,
    PublisherAllow,
    ReviewedLayer,
    default_policy,
)

GIT_TIMEOUT = 30


def resolve(ref: str, policy_arg: str | None, start: str) -> tuple[Policy, list[str]]:
    """The policy as of ``ref`` (for the run) and notes on what the working tree adds to it."""
    from layergate import policy as policy_mod

    working_path = policy_arg or policy_mod.find(start)
    anchor = working_path or start
    root = repo_root(anchor)
    commit = rev_parse(root, ref)
    relative = policy_at_ref(root, commit, working_path, start)
    notes: list[str] = []
    if relative is None:
        base = default_policy()
        notes.append(f"no policy file at {ref}: this run uses the strict built-in default policy")
    else:
        base = load_at(root, commit, relative, f"{ref}:{relative}")
        notes.append(f"this run uses the policy at {ref} ({relative}); changes to it take effect once merged")
    if working_path is not None:
        working = policy_mod.load(working_path)
        added = additions(base, working)
        notes.extend(f"the working-tree policy {item} (not in {ref}: not used for this run)" for item in added)
        if not added:
            notes.append(f"the working-tree policy adds nothing to the policy at {ref}")
    return base, notes


def _git(root: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "-C", root, *args], capture_output=True, timeout=GIT_TIMEOUT, check=False)
    except FileNotFoundError:
        raise LayergateError("--policy-ref needs git, which is not on PATH") from None
    except subprocess.TimeoutExpired:
        raise LayergateError(f"--policy-ref: git {args[0]} did not answer in {GIT_TIMEOUT}s") from None


def repo_root(path: str) -> str:
    where = path if os.path.isdir(path) else (os.path.dirname(path) or ".")
    proc = _git(where, "rev-parse", "--show-toplevel")
    if proc.returncode != 0:
        raise LayergateError(f"--policy-ref: {where} is not inside a git repository")
    return proc.stdout.decode().strip()


def rev_parse(root: str, ref: str) -> str:
    proc = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    sha = proc.stdout.decode().strip()
    if proc.returncode != 0 or not re.fullmatch(r"[0-9a-f]{40,64}", sha):
        raise LayergateError(
            f"--policy-ref: {ref!r} is not a commit in this repository (in CI, fetch it: "
            "actions/checkout with fetch-depth: 0, or git fetch origin <branch>)"
        )
    return sha


def exists_at(root: str, commit: str, relative: str) -> bool:
    return _git(root, "cat-file", "-e", f"{commit}:{relative}").returncode == 0


def policy_at_ref(root: str, commit: str, working_path: str | None, start: str) -> str | None:
    """Where the policy lives at the ref: the working tree's policy path, else the first policy file found
    walking up from ``start`` (a change may delete or move the file)."""
    root_real = os.path.realpath(root)
    if working_path is not None:
        relative = os.path.relpath(os.path.realpath(working_path), root_real).replace(os.sep, "/")
        if relative.startswith("../"):
            raise LayergateError(f"--policy-ref: the policy {working_path} is outside the repository")
        return relative if exists_at(root, commit, relative) else None
    here = os.path.realpath(start)
    if not os.path.isdir(here):
        here = os.path.dirname(here)
    while True:
        rel_dir = os.path.relpath(here, root_real).replace(os.sep, "/")
        if rel_dir.startswith(".."):
            return None
        for name in POLICY_FILENAMES:
            candidate = name if rel_dir == "." else f"{rel_dir}/{name}"
            if exists_at(root, commit, candidate):
                return candidate
        if rel_dir == ".":
            return None
        here = os.path.dirname(here)


def load_at(root: str, commit: str, relative: str, shown: str) -> Policy:
    """Load the policy file's content at ``commit``; errors and locations name ``shown`` (REF:path)."""
    from layergate import policy as policy_mod

    proc = _git(root, "show", f"{commit}:{relative}")
    if proc.returncode != 0:
        raise PolicyError(f"cannot read it from git: {proc.stderr.decode(errors='replace').strip()}", shown)
    with tempfile.TemporaryDirectory(prefix="layergate-ref-") as tmp:
        path = os.path.join(tmp, os.path.basename(relative))
        with open(path, "wb") as fh:
            fh.write(proc.stdout)
        try:
            loaded = policy_mod.load(path)
        except ErrorList as exc:
            raise ErrorList([_renamed(e, path, shown) for e in exc.errors]) from None
        except LayergateError as exc:
            raise _renamed(exc, path, shown) from None
    return relocate(loaded, shown)


def _renamed(exc: LayergateError, path: str, shown: str) -> LayergateError:
    if exc.file == path:
        exc.file = shown
    return exc


def relocate(policy: Policy, shown: str) -> Policy:
    """The same policy with every location naming ``shown`` instead of the temporary file."""
    return records.replace(
        policy,
        path=shown,
        publishers=_moved(policy.publishers, shown),
        layers=_moved(policy.layers, shown),
        deny=_moved(policy.deny, shown),
        ignore=_moved(policy.ignore, shown),
    )


_Entry = TypeVar("_Entry", PublisherAllow, ReviewedLayer, DenyEntry, IgnoreEntry)


def _moved(items: tuple[_Entry, ...], shown: str) -> tuple[_Entry, ...]:
    return tuple(records.replace(i, location=records.replace(i.location, file=shown)) for i in items)


def additions(base: Policy, working: Policy) -> list[str]:
    """What ``working`` allows that ``base`` does not, one line each, with the working file's line."""
    out: list[str] = []
    old_publishers = {(p.vendor, p.account, p.layers) for p in base.publishers}
    for p in working.publishers:
        if (p.vendor, p.account, p.layers) not in old_publishers:
            who = f"vendor {p.vendor}" if p.vendor else f"account {p.account}"
            names = f" (layers {', '.join(p.layers)})" if p.layers else " (any layer)"
            out.append(f"adds publisher {who}{names} at {p.location}")
    old_layers = {entry.arn: entry for entry in base.layers}
    for entry in working.layers:
        before = old_layers.get(entry.arn)
        if before is None:
            out.append(f"adds reviewed layer {entry.arn} (sha256 {entry.sha256 or 'none'}) at {entry.location}")
        elif before.sha256 != entry.sha256:
            out.append(f"changes the recorded sha256 of {entry.arn} from {before.sha256 or 'none'} to "
                       f"{entry.sha256 or 'none'} at {entry.location}")
        elif entry.extension and not before.extension:
            out.append(f"marks {entry.arn} as a reviewed extension at {entry.location}")
    old_ignores = {(i.rule, i.arn, i.file, i.resource, i.expires) for i in base.ignore}
    for i in working.ignore:
        if (i.rule, i.arn, i.file, i.resource, i.expires) not in old_ignores:
            scope = ", ".join(f"{k} {v}" for k, v in (("arn", i.arn), ("file", i.file), ("resource", i.resource),
                                                       ("until", i.expires)) if v)
            out.append(f"adds a suppression of {i.rule}{' (' + scope + ')' if scope else ''} at {i.location}")
    kept_deny = {d.arn for d in working.deny}
    out.extend(f"removes deny entry {d.arn} (was at {d.location})" for d in base.deny if d.arn not in kept_deny)
    if working.fail_on > base.fail_on:
        out.append(f"raises fail_on from {base.fail_on} to {working.fail_on}")
    if base.max_review_age_days is not None and (
        working.max_review_age_days is None or working.max_review_age_days > base.max_review_age_days
    ):
        out.append(f"lengthens max_review_age_days from {base.max_review_age_days} to "
                   f"{working.max_review_age_days or 'unlimited'}")
    new_accounts = [a for a in working.org.accounts if a not in base.org.accounts]
    if new_accounts:
        out.append(f"adds organization accounts {', '.join(new_accounts)}")
    if working.org.id != base.org.id and working.org.id:
        out.append(f"sets org.id to {working.org.id}")
    return out
