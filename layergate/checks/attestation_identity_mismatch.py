"""LG307 attestation-identity-mismatch: a valid attestation, but not from the build the policy expects.

An online rule: ``layergate verify --provenance`` emits it. The attestation verifies, but the identity it
was signed with (the Fulcio certificate's repository, workflow, ref and OIDC issuer; for a key-signed
envelope, its SLSA predicate) does not match the publisher's ``provenance:`` patterns in the policy.
"""

from __future__ import annotations

from layergate.model import Severity
from layergate.rule import Rule

RULE = Rule(
    id="LG307",
    slug="attestation-identity-mismatch",
    severity=Severity.ERROR,
    title="Build provenance attestation signed by an identity the policy does not expect",
    fix="Do not deploy: find out who built this zip; if the repository or workflow moved on purpose, "
    "update the publisher's provenance: patterns.",
    online=True,
)
