"""Build provenance: is this layer zip the one our pipeline built, from our repository?

An attestation is a signed in-toto statement whose subject is the artifact's digest. It comes either as a
Sigstore bundle (GitHub artifact attestations, npm provenance: signed by a short-lived Fulcio certificate that
names the repository, workflow, ref and commit, logged in Rekor) or as a DSSE envelope signed with a team's own
key. ``verify.check`` verifies one offline and holds it against the policy's ``provenance:`` expectation.

sigstore and cryptography are imported only here, and only when an attestation is verified: never by ``check``.
"""
