"""Build provenance: real Sigstore bundles (verified offline), key-signed DSSE envelopes, and the verdicts."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from provenance_world import slsa_statement

from layergate.model import BuiltFrom
from layergate.policy import ProvenanceExpectation
from layergate.provenance import assess, dsse_key, locate, statement
from layergate.provenance.verify import Problem, Verdict

FIX = Path(__file__).parent / "fixtures" / "provenance"
PYPI = FIX / "pypi_attestation_models-0.0.4a2.tar.gz"
PYPI_BUNDLE = f"{PYPI}.sigstore.json"
NPM2 = FIX / "sigstore-2.0.0.tgz"
NPM1 = FIX / "sigstore-1.3.0.tgz"
TOB = ProvenanceExpectation(repository="trailofbits/pypi-attestation-models", workflow=".github/workflows/release.yml",
                            ref="refs/tags/v*")
TOB_BUILT = BuiltFrom("trailofbits/pypi-attestation-models", "153c9a3f5c152ef5405cba227676534658acde27",
                      ".github/workflows/release.yml", "refs/tags/v0.0.4a2",
                      "faf6ebd0a6573479d34ffd0610eba529b155a1cebf643f50d30308daaa675994")


def _digests(path: Path | str) -> dict[str, str]:
    return statement.file_digests(str(path))


def test_real_bundle_verifies_offline_and_names_its_build() -> None:
    verdict = assess.assess([PYPI_BUNDLE], _digests(PYPI), TOB)
    assert verdict == Verdict(PYPI_BUNDLE, (), TOB_BUILT)
    assert str(TOB_BUILT) == ("built from trailofbits/pypi-attestation-models@153c9a3f5c15 by workflow "
                              ".github/workflows/release.yml (refs/tags/v0.0.4a2)")


def test_one_byte_changed_in_the_artifact_is_another_digest(tmp_path: Path) -> None:
    data = bytearray(PYPI.read_bytes())
    data[len(data) // 2] ^= 1
    changed = tmp_path / "layer.zip"
    changed.write_bytes(bytes(data))
    sha = hashlib.sha256(data).hexdigest()
    assert assess.assess([PYPI_BUNDLE], _digests(changed), TOB) == Verdict(PYPI_BUNDLE, (Problem(
        "LG308", f"has an attestation of another artifact: attestation {PYPI_BUNDLE} attests "
        f"pypi_attestation_models-0.0.4a2.tar.gz sha256:c9709ce6fd5b67b5..., but the layer zip's SHA-256 is {sha}"),),
        TOB_BUILT)


def test_valid_bundle_of_another_artifact_is_lg308() -> None:
    verdict = assess.assess([PYPI_BUNDLE], _digests(NPM2), TOB)
    assert [p.rule_id for p in verdict.problems] == ["LG308"]
    assert verdict.problems[0].message.endswith(
        "but the layer zip's SHA-256 is b30fd8960310982103abb4e2be9ab9051e61c7db02efc02c3e413d57f60c3268")


def test_policy_expecting_another_repository_is_lg307() -> None:
    expected = ProvenanceExpectation(repository="acme/layers", workflow=".github/workflows/layer.yml")
    assert assess.assess([PYPI_BUNDLE], _digests(PYPI), expected) == Verdict(PYPI_BUNDLE, (Problem(
        "LG307", f"was not built where the policy expects: attestation {PYPI_BUNDLE} says, by its signing "
        "certificate, repository trailofbits/pypi-attestation-models, expected acme/layers; workflow "
        ".github/workflows/release.yml, expected .github/workflows/layer.yml"),), TOB_BUILT)


def test_wrong_issuer_and_ref_are_lg307() -> None:
    expected = ProvenanceExpectation(repository="trailofbits/*", ref="refs/heads/main", issuer="https://gitlab.com")
    verdict = assess.assess([PYPI_BUNDLE], _digests(PYPI), expected)
    assert verdict.problems == (Problem(
        "LG307", f"was not built where the policy expects: attestation {PYPI_BUNDLE} says, by its signing "
        "certificate, issuer https://token.actions.githubusercontent.com, expected https://gitlab.com; "
        "ref refs/tags/v0.0.4a2, expected refs/heads/main"),)


def test_no_expected_repository_is_not_a_pass() -> None:
    verdict = assess.assess([PYPI_BUNDLE], _digests(PYPI), None)
    assert [p.rule_id for p in verdict.problems] == ["LG307"]
    assert "the policy's publishers entry sets no provenance.repository" in verdict.problems[0].message


def test_real_npm_bundles_that_do_not_verify_offline_are_lg306() -> None:
    npm = ProvenanceExpectation(repository="sigstore/sigstore-js")
    b2, b1 = f"{NPM2}.sigstore.json", f"{NPM1}.sigstore.json"
    assert assess.assess([b2], _digests(NPM2), npm) == Verdict(b2, (Problem(
        "LG306", f"has no valid attestation: attestation {b2} does not verify offline: sigstore: Integrated time "
        "only supported for dsse/hashedrekord 0.0.1 types"),))
    assert assess.assess([b1], _digests(NPM1), npm) == Verdict(b1, (Problem(
        "LG306", f"has no valid attestation: attestation {b1} does not verify offline: not a Sigstore bundle this "
        "verifier reads (failed to load bundle: 1 validation error for Bundle; "
        "verificationMaterial.tlogEntries.0.inclusionProof; Input should be an object [type=model_type, "
        "input_value=None, input_type=NoneType])"),))


def test_npm_subjects_are_sha512() -> None:
    raw = json.loads(Path(f"{NPM2}.sigstore.json").read_text())
    payload = base64.b64decode(raw["dsseEnvelope"]["payload"])
    stmt = statement.parse(statement.IN_TOTO_PAYLOAD_TYPE, payload)
    assert statement.subject_matches(stmt, _digests(NPM2))
    assert not statement.subject_matches(stmt, _digests(NPM1))


def test_swapped_bundle_that_does_not_verify_is_lg306() -> None:
    b2 = f"{NPM2}.sigstore.json"
    assert [p.rule_id for p in assess.assess([b2], _digests(PYPI), TOB).problems] == ["LG306"]


def test_best_of_several_places_and_missing(tmp_path: Path) -> None:
    gone = str(tmp_path / "gone.sigstore.json")
    verdict = assess.assess([f"{NPM2}.sigstore.json", gone, PYPI_BUNDLE], _digests(PYPI), TOB)
    assert verdict == Verdict(PYPI_BUNDLE, (), TOB_BUILT)
    assert assess.assess([gone], _digests(PYPI), TOB) == Verdict(gone, (Problem(
        "LG306", f"has no attestation (looked for {gone})"),))


def test_not_json_is_lg306(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sigstore.json"
    junk.write_text("not json\n")
    verdict = assess.assess([str(junk)], _digests(PYPI), TOB)
    assert verdict.problems == (Problem(
        "LG306", f"has no valid attestation: attestation {junk} does not verify offline: Expecting value: "
        "line 1 column 1 (char 0)"),)


def test_json_lines_file_holds_one_bundle_per_line(tmp_path: Path) -> None:
    lines = tmp_path / "sha256.jsonl"
    npm = json.dumps(json.loads(Path(f"{NPM2}.sigstore.json").read_text()))
    tob = json.dumps(json.loads(Path(PYPI_BUNDLE).read_text()))
    lines.write_text(f"{npm}\n{tob}\n")
    verdict = assess.assess([str(lines)], _digests(PYPI), TOB)
    assert (verdict.attestation, verdict.problems) == (f"{lines}#2", ())


def test_placeholders_are_filled() -> None:
    from layergate.arn import LayerArn

    arn = LayerArn.parse("arn:aws:lambda:eu-west-1:111111111111:layer:otel:7")
    assert locate.fill("att/{account}/{region}/{name}-{version}.json", arn) == "att/111111111111/eu-west-1/otel-7.json"


# -- key-signed DSSE envelopes (keys generated here) -----------------------------------------------------


Signer = Callable[[bytes], bytes]


def _keys() -> dict[str, tuple[object, Signer]]:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    ed_key = ed25519.Ed25519PrivateKey.generate()
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return {
        "ecdsa": (ec_key, lambda m: ec_key.sign(m, ec.ECDSA(hashes.SHA256()))),
        "ed25519": (ed_key, ed_key.sign),
        "rsa-pss": (rsa_key, lambda m: rsa_key.sign(m, padding.PSS(padding.MGF1(hashes.SHA256()),
                                                                    padding.PSS.MAX_LENGTH), hashes.SHA256())),
    }


KEYS = _keys()


def _write_key(path: Path, private: object) -> str:
    public = private.public_key()  # type: ignore[attr-defined]
    path.write_bytes(public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return str(path)


def _envelope(path: Path, payload: bytes, sign: Signer, payload_type: str = statement.IN_TOTO_PAYLOAD_TYPE) -> str:
    sig = sign(dsse_key.pae(payload_type, payload))
    path.write_text(json.dumps({"payloadType": payload_type, "payload": base64.b64encode(payload).decode(),
                                "signatures": [{"keyid": "", "sig": base64.b64encode(sig).decode()}]}))
    return str(path)


@pytest.mark.parametrize("kind", sorted(KEYS))
def test_key_signed_envelope_passes(tmp_path: Path, kind: str) -> None:
    private, sign = KEYS[kind]
    key = _write_key(tmp_path / "layer.pub", private)
    digests = _digests(PYPI)
    env = _envelope(tmp_path / "layer.zip.dsse.json", slsa_statement({"sha512": digests["sha512"]}), sign)
    expected = ProvenanceExpectation(repository="acme/*", workflow=".github/workflows/layer.yml", keys=(key,))
    verdict = assess.assess([env], digests, expected)
    raw_sha = hashlib.sha256(Path(env).read_bytes()).hexdigest()
    assert verdict == Verdict(env, (), BuiltFrom("acme/layers", "abc1234def5678", ".github/workflows/layer.yml",
                                                 "refs/heads/main", raw_sha))


def test_key_signed_envelope_fails(tmp_path: Path) -> None:
    (good, sign), (other, _) = KEYS["ecdsa"], KEYS["ed25519"]
    key = _write_key(tmp_path / "layer.pub", good)
    stranger = _write_key(tmp_path / "other.pub", other)
    digests = _digests(PYPI)
    env = _envelope(tmp_path / "a.dsse.json", slsa_statement({"sha256": digests["sha256"]}), sign)
    expect = ProvenanceExpectation(repository="acme/layers", keys=(key,))

    wrong_key = assess.assess([env], digests, ProvenanceExpectation(repository="acme/layers", keys=(stranger,)))
    assert wrong_key.problems == (Problem("LG306", f"has no valid attestation: attestation {env} does not verify "
                                                   f"offline: its signature verifies with none of the policy's keys "
                                                   f"({stranger})"),)
    no_keys = assess.assess([env], digests, ProvenanceExpectation(repository="acme/layers"))
    assert no_keys.problems == (Problem("LG306", f"has no valid attestation: attestation {env} does not verify "
                                                 "offline: a key-signed DSSE envelope, but the policy's provenance "
                                                 "lists no keys"),)

    tampered = json.loads(Path(env).read_text())
    tampered["payload"] = base64.b64encode(slsa_statement({"sha256": digests["sha256"]}, "evil/layers")).decode()
    Path(env).write_text(json.dumps(tampered))
    assert [p.rule_id for p in assess.assess([env], digests, expect).problems] == ["LG306"]

    other_repo = _envelope(tmp_path / "b.dsse.json", slsa_statement({"sha256": digests["sha256"]}, "evil/layers"), sign)
    assert assess.assess([other_repo], digests, expect).problems == (Problem(
        "LG307", f"was not built where the policy expects: attestation {other_repo} says, by its provenance (signed "
        f"with {key}), repository evil/layers, expected acme/layers"),)

    other_zip = _envelope(tmp_path / "c.dsse.json", slsa_statement({"sha256": "0" * 64}), sign)
    assert [p.rule_id for p in assess.assess([other_zip], digests, expect).problems] == ["LG308"]

    not_in_toto = _envelope(tmp_path / "d.dsse.json", b"{}", sign, payload_type="text/plain")
    assert assess.assess([not_in_toto], digests, expect).problems == (Problem(
        "LG306", f"has no valid attestation: attestation {not_in_toto} does not verify offline: the envelope holds "
        "'text/plain', not an in-toto statement (application/vnd.in-toto+json)"),)
