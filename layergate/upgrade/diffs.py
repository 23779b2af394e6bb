"""What each upgrade brings: the `diff` of the pinned and the proposed version, read from AWS.

Both zips are downloaded and hash-checked as `layergate diff` does (the pinned one against the SHA-256
recorded in the policy when there is one), several moves at a time. A version that cannot be read or
does not match its hash is a problem of that move, said in the report; the others are still shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from layergate.arn import LayerArn
from layergate.aws.pool import run_all
from layergate.errors import LayergateError
from layergate.layer.layerdiff import LayerDiff
from layergate.layer.limits import DEFAULT_LIMITS
from layergate.layer.remote import AwsAccess
from layergate.policy import Policy
from layergate.records import dataclass

if TYPE_CHECKING:
    from layergate.layer.inventory import LayerContents


@dataclass(frozen=True, slots=True)
class DiffResult:
    old: LayerArn
    new: LayerArn
    diff: LayerDiff | None
    problem: str = ""


def diff_all(pairs: Sequence[tuple[LayerArn, LayerArn]], access: AwsAccess, policy: Policy,
             jobs: int) -> list[DiffResult]:
    return run_all(list(pairs), lambda pair, _stop: _diff(pair[0], pair[1], access, policy), jobs=jobs)


def _diff(old: LayerArn, new: LayerArn, access: AwsAccess, policy: Policy) -> DiffResult:
    from layergate.layer.inputs import require_complete
    from layergate.layer.layerdiff import diff_layers

    try:
        before = _read(old, access, policy)
        require_complete(before, "the pinned version")
        after = _read(new, access, policy)
        require_complete(after, "the new version")
    except LayergateError as exc:
        return DiffResult(old, new, None, str(exc))
    return DiffResult(old, new, diff_layers(before, after))


def _read(arn: LayerArn, access: AwsAccess, policy: Policy) -> LayerContents:
    from layergate.layer.inventory import inspect_layer
    from layergate.layer.remote import fetch

    entry = policy.reviewed(str(arn))
    limits = DEFAULT_LIMITS
    cap = limits.max_bytes + 128 * limits.max_files
    with fetch(str(arn), access, entry.sha256 if entry else None, max_bytes=cap) as fetched:
        return inspect_layer(fetched.path, limits, source=str(arn))
