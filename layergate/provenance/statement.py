"""The in-toto statement inside an attestation: its subjects' digests, and the SLSA build identity it claims."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from layergate.records import dataclass

IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"
DIGESTS = ("sha256", "sha512")  # what subjects use: GitHub attestations sha256, npm provenance sha512


@dataclass(frozen=True, slots=True)
class Statement:
    subjects: tuple[tuple[str, Mapping[str, str]], ...]  # (name, {algorithm: hex})
    predicate_type: str
    predicate: Mapping[str, Any]


def parse(payload_type: str, payload: bytes) -> Statement:
    """The statement, or ValueError saying why this is not one."""
    if payload_type != IN_TOTO_PAYLOAD_TYPE:
        raise ValueError(f"the envelope holds {payload_type!r}, not an in-toto statement ({IN_TOTO_PAYLOAD_TYPE})")
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"the in-toto statement is not JSON: {e}") from None
    subjects = data.get("subject") if isinstance(data, dict) else None
    if not isinstance(subjects, list) or not subjects:
        raise ValueError("the in-toto statement names no subject")
    out = []
    for s in subjects:
        digest = s.get("digest") if isinstance(s, dict) else None
        if not isinstance(digest, dict):
            raise ValueError("an in-toto subject has no digest")
        out.append((str(s.get("name", "")), {str(k).lower(): str(v).lower() for k, v in digest.items()}))
    predicate = data.get("predicate")
    return Statement(tuple(out), str(data.get("predicateType", "")), predicate if isinstance(predicate, dict) else {})


def file_digests(path: str) -> dict[str, str]:
    """SHA-256 and SHA-512 of a file, read once."""
    hashes = {name: hashlib.new(name) for name in DIGESTS}
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            for h in hashes.values():
                h.update(chunk)
    return {name: h.hexdigest() for name, h in hashes.items()}


def subject_matches(statement: Statement, digests: Mapping[str, str]) -> bool:
    """Some subject's digest equals the artifact's, in an algorithm both know (and none known disagrees)."""
    for _name, digest in statement.subjects:
        common = [a for a in DIGESTS if a in digest and a in digests]
        if common and all(digest[a] == digests[a] for a in common):
            return True
    return False


def subject_text(statement: Statement) -> str:
    parts = []
    for name, digest in statement.subjects:
        alg = next((a for a in DIGESTS if a in digest), next(iter(digest), ""))
        parts.append(f"{name or '(unnamed)'} {alg}:{digest.get(alg, '')[:16]}...")
    return ", ".join(parts)
