"""LG306 missing-attestation: an internal layer version without a valid build provenance attestation.

An online rule: ``layergate verify --provenance`` emits it (``inspect --provenance`` prints it for a local
zip). The attestation is missing, unreadable, or does not verify offline against the Sigstore trusted root
that sigstore-python ships (or against the policy's public keys, for a key-signed DSSE envelope). What
cannot be verified is not a pass.
"""

from __future__ import annotations

from layergate.model import Severity
from layergate.rule import Rule

RULE = Rule(
    id="LG306",
    slug="missing-attestation",
    severity=Severity.ERROR,
    title="Internal layer version without a valid build provenance attestation",
    fix="Attest the layer zip in its build pipeline (actions/attest-build-provenance) and keep the bundle "
    "where the policy's provenance.attestation, --attestation or the zip's folder says.",
    online=True,
)
