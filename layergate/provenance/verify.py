"""One attestation against one artifact and the policy's expectation: verified offline, or what is wrong.

The outcome names rules by id: LG306 (no valid attestation: missing, unreadable, or not verifiable offline),
LG307 (a valid attestation, signed by an identity the policy does not expect), LG308 (a valid attestation of
another artifact). A bundle that cannot be verified without the network is LG306, never a pass.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from layergate.model import BuiltFrom
from layergate.provenance import dsse_key, identity, statement

if TYPE_CHECKING:
    from layergate.policy import ProvenanceExpectation

MAX_ATTESTATION_BYTES = 16 << 20  # bundles are a few KiB; a larger file is not one


@dataclass(frozen=True, slots=True)
class Problem:
    rule_id: str  # LG306, LG307, LG308
    message: str  # a clause: "attestation a.sigstore.json ..."


@dataclass(frozen=True, slots=True)
class Verdict:
    attestation: str  # the file that was checked (or looked for)
    problems: tuple[Problem, ...] = ()
    built_from: BuiltFrom | None = None  # what a valid attestation says, even when it fails the policy

    @property
    def ok(self) -> bool:
        return not self.problems


def missing(looked_for: str) -> Verdict:
    return Verdict(looked_for, (Problem("LG306", f"has no attestation (looked for {looked_for})"),))


def check(path: str, digests: Mapping[str, str], expected: ProvenanceExpectation) -> Verdict:
    """Verify the attestation in ``path`` for an artifact with these digests (``statement.file_digests``)."""
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_ATTESTATION_BYTES + 1)
    except OSError as e:
        return Verdict(path, (Problem("LG306", f"has no readable attestation: {path}: {e.strerror}"),))
    name = f"attestation {path}"
    try:
        if len(raw) > MAX_ATTESTATION_BYTES:
            raise ValueError(f"larger than {MAX_ATTESTATION_BYTES >> 20} MiB")
        data = json.loads(raw)
        if dsse_key.is_envelope(data):
            payload_type, payload, key = dsse_key.verify(data, expected.keys)
            signer = None
        else:
            payload_type, payload, signer = _sigstore(raw)
        stmt = statement.parse(payload_type, payload)
    except (ValueError, UnicodeDecodeError) as e:
        return Verdict(path, (Problem("LG306", f"has no valid attestation: {name} does not verify offline: {e}"),))
    who = identity.from_certificate(signer) if signer is not None else identity.from_predicate(
        stmt.predicate_type, stmt.predicate)
    built = BuiltFrom(who.repository, who.commit, who.workflow, who.ref, hashlib.sha256(raw).hexdigest())
    problems = []
    if not statement.subject_matches(stmt, digests):
        problems.append(Problem("LG308", f"has an attestation of another artifact: {name} attests "
                                         f"{statement.subject_text(stmt)}, but the layer zip's SHA-256 is "
                                         f"{digests['sha256']}"))
    wrong = list(identity.mismatches(who, expected, check_issuer=signer is not None))
    if wrong:
        by = "its signing certificate" if signer is not None else f"its provenance (signed with {key})"
        problems.append(Problem("LG307", f"was not built where the policy expects: {name} says, by {by}, "
                                         + "; ".join(wrong)))
    return Verdict(path, tuple(problems), built)


def _sigstore(raw: bytes) -> tuple[str, bytes, object]:
    """Payload type, payload and the verified signing certificate of a Sigstore bundle, offline."""
    from sigstore.errors import Error as SigstoreError
    from sigstore.models import Bundle, InvalidBundle
    from sigstore.verify import Verifier

    # sigstore logs that it will not refresh its trusted root offline: expected, not news for the user
    logging.getLogger("sigstore").setLevel(logging.ERROR)
    try:
        bundle = Bundle.from_json(raw)
    except InvalidBundle as e:
        raise ValueError(f"not a Sigstore bundle this verifier reads ({str(e).splitlines()[0]})") from None
    try:
        verifier = Verifier.production(offline=True)
        payload_type, payload = verifier.verify_dsse(bundle, _IdentityLater())
    except SigstoreError as e:
        raise ValueError(str(e).splitlines()[0] if str(e) else type(e).__name__) from None
    return payload_type, payload, bundle.signing_certificate


class _IdentityLater:
    """sigstore's verification policy seam: the identity is held against the policy's globs afterwards (so a
    wrong identity is LG307, told apart from a signature that does not verify)."""

    def verify(self, cert: object) -> None:
        return None
