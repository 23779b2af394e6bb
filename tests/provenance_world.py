"""A layer zip with a DSSE envelope beside it, signed with a key made here, and a policy that lists the key."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from lockverify_world import make_zip

from layergate.provenance import dsse_key, statement


def slsa_statement(digests: dict[str, str], repository: str = "acme/layers", commit: str = "abc1234def5678") -> bytes:
    """An in-toto statement with a SLSA v1 predicate, as GitHub's attestations have, for one subject."""
    return json.dumps({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "layer.zip", "digest": digests}],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {"buildDefinition": {
            "externalParameters": {"workflow": {"repository": f"https://github.com/{repository}",
                                                "path": ".github/workflows/layer.yml", "ref": "refs/heads/main"}},
            "resolvedDependencies": [{"digest": {"gitCommit": commit}}]}},
    }).encode()


def signed_zip(tmp_path: Path, repository: str = "acme/layers") -> tuple[Path, Path, ec.EllipticCurvePrivateKey]:
    layer = tmp_path / "layer.zip"
    layer.write_bytes(make_zip({"python/mod.py": "X = 1\n"}))
    key = ec.generate_private_key(ec.SECP256R1())
    pub = tmp_path / "layer.pub"
    pub.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo))
    payload = slsa_statement({"sha256": statement.file_digests(str(layer))["sha256"]}, repository,
                             "0123456789abcdef0123")
    sig = key.sign(dsse_key.pae(statement.IN_TOTO_PAYLOAD_TYPE, payload), ec.ECDSA(hashes.SHA256()))
    envelope = tmp_path / "layer.zip.dsse.json"
    envelope.write_text(json.dumps({"payloadType": statement.IN_TOTO_PAYLOAD_TYPE,
                                    "payload": base64.b64encode(payload).decode(),
                                    "signatures": [{"sig": base64.b64encode(sig).decode()}]}))
    (tmp_path / ".layergate.yaml").write_text(
        'version: 1\npublishers:\n  - account: "111111111111"\n    internal: true\n'
        "    provenance: {repository: acme/layers, ref: refs/heads/main, keys: [layer.pub]}\n")
    return layer, envelope, key
