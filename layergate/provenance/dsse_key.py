"""A DSSE envelope signed with a team's own key (KMS, HSM), verified against the public keys in the policy."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from typing import Any

from layergate.errors import InputError


def is_envelope(data: object) -> bool:
    return isinstance(data, Mapping) and "payload" in data and "signatures" in data and "mediaType" not in data


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE's pre-authentication encoding: what the signature covers."""
    t = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def verify(envelope: Mapping[str, Any], key_files: Sequence[str]) -> tuple[str, bytes, str]:
    """(payload type, payload, the key file that verified it); ValueError when no listed key signed it."""
    try:
        payload = base64.b64decode(str(envelope["payload"]), validate=True)
        sigs = [base64.b64decode(str(s["sig"]), validate=True) for s in envelope["signatures"]]
    except (KeyError, TypeError, binascii.Error) as e:
        raise ValueError(f"not a DSSE envelope: {e}") from None
    payload_type = str(envelope.get("payloadType", ""))
    message = pae(payload_type, payload)
    if not key_files:
        raise ValueError("a key-signed DSSE envelope, but the policy's provenance lists no keys")
    for path in key_files:
        key = _public_key(path)
        if any(_verifies(key, sig, message) for sig in sigs):
            return payload_type, payload, path
    raise ValueError(f"its signature verifies with none of the policy's keys ({', '.join(key_files)})")


def _public_key(path: str) -> Any:
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        with open(path, "rb") as f:
            return load_pem_public_key(f.read())
    except OSError as e:
        raise InputError(f"cannot read public key: {e.strerror}", path) from None
    except ValueError:
        raise InputError("not a PEM public key", path) from None


def _verifies(key: Any, sig: bytes, message: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(sig, message, ec.ECDSA(hashes.SHA256() if key.curve.key_size <= 256 else hashes.SHA384()))
        elif isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(sig, message)
        elif isinstance(key, rsa.RSAPublicKey):
            try:
                key.verify(sig, message, padding.PSS(padding.MGF1(hashes.SHA256()), padding.PSS.AUTO), hashes.SHA256())
            except InvalidSignature:
                key.verify(sig, message, padding.PKCS1v15(), hashes.SHA256())
        else:
            return False
    except InvalidSignature:
        return False
    return True
