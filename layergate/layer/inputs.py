"""Reading the layers `inspect` and `diff` are given: a local .zip or directory, or a layer version ARN."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from layergate.errors import LayergateError
from layergate.layer.archive import UNREAD
from layergate.layer.inventory import LayerContents, inspect_layer
from layergate.layer.options import limits_from
from layergate.layer.remote import AwsAccess, fetch, is_arn

if TYPE_CHECKING:
    from layergate.policy import Policy


def policy_of(args: argparse.Namespace) -> Policy:
    """``--policy``, else the policy file found from the current directory, else the built-in default."""
    from layergate import policy

    path = args.policy or policy.find(".")
    return policy.load(path) if path is not None else policy.default_policy()


def recorded_sha256(args: argparse.Namespace, arn: str) -> str | None:
    entry = policy_of(args).reviewed(arn)
    return entry.sha256 if entry is not None else None


def read_layer(text: str, args: argparse.Namespace, digests: dict[str, str] | None = None) -> LayerContents:
    """Inspect a local .zip or directory, or a layer version ARN (downloaded and hash-checked); ``digests``
    is filled with the zip's SHA-256 and SHA-512 (for provenance) while the zip is at hand."""
    from layergate.provenance.statement import file_digests

    limits = limits_from(args)
    if not is_arn(text):
        if digests is not None and os.path.isfile(text):
            digests.update(file_digests(text))
        return inspect_layer(text, limits)
    access = AwsAccess(profile=args.profile, endpoint_url=args.endpoint_url)
    # the zip is never much larger than what it holds: headers, at most ~100 bytes per entry
    cap = limits.max_bytes + 128 * limits.max_files
    with fetch(text, access, recorded_sha256(args, text), max_bytes=cap) as fetched:
        if digests is not None:
            digests.update(file_digests(fetched.path))
        return inspect_layer(fetched.path, limits, source=text)


def require_complete(contents: LayerContents, role: str) -> None:
    """``diff`` cannot compare what was not read: that is an error, not a difference."""
    if not contents.complete:
        reasons = "; ".join(f"{p.path + ': ' if p.path else ''}{p.message}" for p in contents.problems
                            if p.kind in UNREAD)
        raise LayergateError(f"{role} could not be read completely ({reasons}); nothing to compare",
                             contents.source)
