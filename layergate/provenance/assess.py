"""Which layers need an attestation, what the policy expects of it, and the verdict over every place it may be.

A layer version needs one when its account is one of ours (``org.accounts``, or a publishers entry with
``internal: true``) or its publishers entry states a ``provenance:`` expectation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from layergate.provenance import locate, verify

if TYPE_CHECKING:
    from layergate.arn import LayerArn
    from layergate.policy import Policy, ProvenanceExpectation, PublisherAllow


def publisher_entry(policy: Policy, arn: LayerArn) -> PublisherAllow | None:
    """The account entry of ``publishers:`` that allows this layer version (its name patterns included)."""
    for entry in policy.publishers:
        if entry.account == arn.account and (not entry.layers or any(fnmatchcase(arn.name, p) for p in entry.layers)):
            return entry
    return None


def needs_attestation(policy: Policy, arn: LayerArn) -> bool:
    entry = publisher_entry(policy, arn)
    return arn.account in policy.org.accounts or (entry is not None and (entry.internal or
                                                                          entry.provenance is not None))


def expectation(policy: Policy, arn: LayerArn) -> ProvenanceExpectation | None:
    entry = publisher_entry(policy, arn)
    return entry.provenance if entry is not None else None


def assess(places: Sequence[str], digests: Mapping[str, str], expected: ProvenanceExpectation | None,
           s3: locate.S3Get | None = None) -> verify.Verdict:
    """The best verdict over every attestation found at ``places``; LG306 when there is none.

    ``s3`` reads an ``s3://`` place with the command's AWS settings (online commands only)."""
    verdicts: list[verify.Verdict] = []
    for place in places:
        try:
            raw = locate.read(place, s3)
        except locate.NotThere:
            continue
        except locate.Unreadable as e:
            verdicts.append(verify.unreadable(place, str(e)))
            continue
        verdicts.extend(verify.check(c.name, c.raw, digests, expected) for c in locate.split(place, raw))
    if not verdicts:
        looked = ", ".join(places) if places else ("nowhere: give --attestation FILE or set the publisher's "
                                                   "provenance.attestation")
        return verify.missing(looked)
    return verify.best(verdicts)
