"""LG308 attestation-digest-mismatch: a valid attestation of some other artifact.

An online rule: ``layergate verify --provenance`` emits it. The attestation verifies, but no subject of its
in-toto statement has the layer zip's digest (SHA-256, or SHA-512 as npm provenance uses): it vouches for
another build, or the zip was changed after it was attested.
"""

from __future__ import annotations

from layergate.model import Severity
from layergate.rule import Rule

RULE = Rule(
    id="LG308",
    slug="attestation-digest-mismatch",
    severity=Severity.ERROR,
    title="Build provenance attestation of another artifact than the layer zip",
    fix="Do not deploy: the zip is not the one that was attested; publish the attested zip, or attest "
    "the one that was published.",
    online=True,
)
