"""One attestation against one artifact and the policy's expectation: verified offline, or what is wrong.

The outcome names rules by id: LG306 (no valid attestation: missing, unreadable, or not verifiable offline),
LG307 (a valid attestation, signed by an identity the policy does not expect), LG308 (a valid attestation of
another artifact). A bundle that cannot be verified without the network is LG306, never a pass.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from layergate.model import BuiltFrom
from layergate.provenance import dsse_key, identity, statement
from layergate.provenance.locate import MAX_BYTES as MAX_ATTESTATION_BYTES
from layergate.records import dataclass

if TYPE_CHECKING:
    from cryptography.x509 import Certificate

    from layergate.policy import ProvenanceExpectation


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


def unreadable(name: str, why: str) -> Verdict:
    return Verdict(name, (Problem("LG306", f"has no readable attestation: {name}: {why}"),))


def check(name: str, raw: bytes, digests: Mapping[str, str], expected: ProvenanceExpectation | None) -> Verdict:
    """Verify the attestation ``raw`` (read from ``name``) for an artifact with these digests
    (``statement.file_digests``), and hold its identity against ``expected``."""
    what = f"attestation {name}"
    key = ""
    try:
        if len(raw) > MAX_ATTESTATION_BYTES:
            raise ValueError(f"larger than {MAX_ATTESTATION_BYTES >> 20} MiB")
        data = json.loads(raw)
        if dsse_key.is_envelope(data):
            payload_type, payload, key = dsse_key.verify(data, expected.keys if expected else ())
            signer: Certificate | None = None
        else:
            payload_type, payload, signer = _sigstore(raw)
        stmt = statement.parse(payload_type, payload)
    except (ValueError, UnicodeDecodeError) as e:
        return Verdict(name, (Problem("LG306", f"has no valid attestation: {what} does not verify offline: "
                                               f"{_one_line(str(e))}"),))
    who = identity.from_certificate(signer) if signer is not None else identity.from_predicate(
        stmt.predicate_type, stmt.predicate)
    built = BuiltFrom(who.repository, who.commit, who.workflow, who.ref, hashlib.sha256(raw).hexdigest())
    problems = []
    if not statement.subject_matches(stmt, digests):
        problems.append(Problem("LG308", f"has an attestation of another artifact: {what} attests "
                                         f"{statement.subject_text(stmt)}, but the layer zip's SHA-256 is "
                                         f"{digests['sha256']}"))
    by = "its signing certificate" if signer is not None else f"its provenance (signed with {key})"
    if expected is None or expected.repository is None:
        problems.append(Problem("LG307", f"cannot be held against an expected build: the policy's publishers "
                                         f"entry sets no provenance.repository ({what} says, by {by}, "
                                         f"{who.describe()})"))
    else:
        wrong = list(identity.mismatches(who, expected, check_issuer=signer is not None))
        if wrong:
            problems.append(Problem("LG307", f"was not built where the policy expects: {what} says, by {by}, "
                                             + "; ".join(wrong)))
    return Verdict(name, tuple(problems), built)


def best(verdicts: Sequence[Verdict]) -> Verdict:
    """Of several candidate attestations, the one that says most: a pass, else one of this zip (LG307 only),
    else a valid one of another zip (LG308), else the first that did not verify."""
    def rank(v: Verdict) -> int:
        ids = {p.rule_id for p in v.problems}
        return 0 if not ids else 1 if ids == {"LG307"} else 2 if "LG306" not in ids else 3
    return min(verdicts, key=rank)


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]


def _sigstore(raw: bytes) -> tuple[str, bytes, Certificate]:
    """Payload type, payload and the verified signing certificate of a Sigstore bundle, offline."""
    from sigstore.errors import Error as SigstoreError
    from sigstore.models import Bundle, InvalidBundle
    from sigstore.verify import Verifier

    # sigstore logs that it will not refresh its trusted root offline: expected, not news for the user
    logging.getLogger("sigstore").setLevel(logging.ERROR)
    try:
        bundle = Bundle.from_json(raw)
    except InvalidBundle as e:
        lines = [line.strip() for line in str(e).splitlines() if line.strip() and "errors.pydantic" not in line]
        raise ValueError(f"not a Sigstore bundle this verifier reads ({'; '.join(lines[:3])})") from None
    try:
        verifier = Verifier.production(offline=True)
        payload_type, payload = verifier.verify_dsse(bundle, _IdentityLater())
    except SigstoreError as e:
        raise ValueError(f"sigstore: {str(e).splitlines()[0] if str(e) else type(e).__name__}") from None
    return payload_type, payload, bundle.signing_certificate


class _IdentityLater:
    """sigstore's verification policy seam: the identity is held against the policy's globs afterwards (so a
    wrong identity is LG307, told apart from a signature that does not verify)."""

    def verify(self, cert: object) -> None:
        return None
