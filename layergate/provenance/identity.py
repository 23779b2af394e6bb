"""Who built an artifact: read from a Fulcio certificate or a SLSA predicate, and held against the policy.

Fulcio puts the GitHub Actions claims in X.509 extensions under 1.3.6.1.4.1.57264.1 (the "v2" ones DER
UTF8Strings, the legacy ones raw bytes). A key-signed DSSE envelope has no certificate: its SLSA predicate
says where the build came from, and the key vouches for it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from layergate.records import dataclass

if TYPE_CHECKING:
    from cryptography.x509 import Certificate

    from layergate.policy import ProvenanceExpectation

_FULCIO = "1.3.6.1.4.1.57264.1."
# v2 extension (DER UTF8String) first, then its legacy raw-bytes form
_ISSUER = ("8", "1")
_REPOSITORY = ("12", "5")
_COMMIT = ("13", "3")
_REF = ("14", "6")
_BUILD_CONFIG = ("18",)  # https://github.com/o/r/.github/workflows/x.yml@refs/heads/main
_GITHUB = "https://github.com/"


@dataclass(frozen=True, slots=True)
class BuildIdentity:
    repository: str  # owner/name
    workflow: str  # .github/workflows/x.yml
    ref: str
    commit: str
    issuer: str = ""  # OIDC issuer (Sigstore only)

    def describe(self) -> str:
        return (f"repository {self.repository or '(none)'}, workflow {self.workflow or '(none)'}, "
                f"ref {self.ref or '(none)'}")


def from_certificate(cert: Certificate) -> BuildIdentity:
    values: dict[str, str] = {}
    for ext in cert.extensions:
        oid = ext.oid.dotted_string
        if oid.startswith(_FULCIO):
            raw: bytes = getattr(ext.value, "value", b"")
            values[oid[len(_FULCIO):]] = _utf8_string(raw) if int(oid.rsplit(".", 1)[1]) >= 8 else raw.decode(
                "utf-8", "replace")

    def first(keys: tuple[str, ...]) -> str:
        return next((values[k] for k in keys if values.get(k)), "")

    repository = first(_REPOSITORY).removeprefix(_GITHUB)
    config = first(_BUILD_CONFIG)
    workflow = config.removeprefix(f"{_GITHUB}{repository}/").split("@", 1)[0] if config else ""
    return BuildIdentity(repository, workflow, first(_REF), first(_COMMIT), first(_ISSUER))


def _utf8_string(der: bytes) -> str:
    """The text of a DER UTF8String (tag 0x0c, definite length)."""
    if len(der) < 2 or der[0] != 0x0C:
        return ""
    length, start = der[1], 2
    if length & 0x80:
        n = length & 0x7F
        length, start = int.from_bytes(der[2:2 + n], "big"), 2 + n
    return der[start:start + length].decode("utf-8", "replace")


def from_predicate(predicate_type: str, predicate: Mapping[str, Any]) -> BuildIdentity:
    """SLSA provenance v1 (GitHub's) or v0.2 (npm's, slsa-github-generator's); empty fields when absent."""
    if predicate_type.startswith("https://slsa.dev/provenance/v1"):
        build = _mapping(predicate.get("buildDefinition"))
        workflow = _mapping(_mapping(build.get("externalParameters")).get("workflow"))
        deps = build.get("resolvedDependencies")
        commit = ""
        if isinstance(deps, list) and deps:
            commit = str(_mapping(_mapping(deps[0]).get("digest")).get("gitCommit", ""))
        return BuildIdentity(str(workflow.get("repository", "")).removeprefix(_GITHUB),
                             str(workflow.get("path", "")), str(workflow.get("ref", "")), commit)
    if predicate_type.startswith("https://slsa.dev/provenance/v0.2"):
        source = _mapping(_mapping(predicate.get("invocation")).get("configSource"))
        uri = str(source.get("uri", "")).removeprefix("git+").removeprefix(_GITHUB)
        repository, _, ref = uri.partition("@")
        return BuildIdentity(repository.removesuffix(".git"), str(source.get("entryPoint", "")), ref,
                             str(_mapping(source.get("digest")).get("sha1", "")))
    return BuildIdentity("", "", "", "")


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def mismatches(identity: BuildIdentity, expected: ProvenanceExpectation, *, check_issuer: bool) -> Iterator[str]:
    """What the identity gets wrong, one phrase each ("repository acme/other, expected acme/layers")."""
    wanted = [("repository", identity.repository, expected.repository),
              ("workflow", identity.workflow, expected.workflow),
              ("ref", identity.ref, expected.ref)]
    if check_issuer:
        wanted.insert(0, ("issuer", identity.issuer, expected.issuer))
    for what, actual, pattern in wanted:
        if pattern is not None and not fnmatchcase(actual, pattern):
            yield f"{what} {actual or '(none)'}, expected {pattern}"
