"""The policy file (``.layergate.yaml``): records, discovery, loading and JSON Schema validation.

The records here are what rules read. ``load()`` turns a file into a ``Policy`` (or raises an ErrorList
naming every problem with its line); ``find()`` walks up from the scanned path; ``default_policy()`` is
the documented strict default used when no file exists.
"""

from __future__ import annotations

import datetime as dt

from layergate.model import BuiltFrom, Location, Severity
from layergate.records import dataclass, field

POLICY_FILENAMES = (".layergate.yaml", ".layergate.yml")

DEFAULT_EXCLUDES = (".git", "node_modules", ".aws-sam", ".terraform", "cdk.out", ".serverless")

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"


@dataclass(frozen=True, slots=True)
class ProvenanceExpectation:
    """A publisher's ``provenance:``: glob patterns the attestation's identity must match, and where it is kept."""

    repository: str | None = None  # owner/name
    workflow: str | None = None  # .github/workflows/layer.yml
    ref: str | None = None  # refs/heads/main
    issuer: str = GITHUB_ISSUER
    keys: tuple[str, ...] = ()  # PEM public key files (paths resolved against the policy file's folder)
    attestation: str | None = None  # path pattern with {account} {region} {name} {version}, resolved likewise


@dataclass(frozen=True, slots=True)
class PublisherAllow:
    """One ``publishers:`` entry: a catalog vendor or a bare account, optionally limited to name patterns."""

    vendor: str | None
    account: str | None
    name: str  # display name: the vendor's, or the entry's ``name``
    layers: tuple[str, ...]  # layer-name glob patterns; empty = any layer of that publisher
    location: Location
    internal: bool = False  # one of ours, like org.accounts
    signing_profiles: tuple[str, ...] = ()  # AWS Signer profile version ARNs or profile names
    provenance: ProvenanceExpectation | None = None


@dataclass(frozen=True, slots=True)
class ReviewedLayer:
    """One ``layers:`` entry: the SHA-256 recorded for one exact layer version ARN."""

    arn: str
    sha256: str | None
    reviewed_by: str | None
    reviewed_at: dt.date | None
    extension: bool
    note: str
    location: Location
    code_size: int | None = None
    recorded_at: str | None = None
    provenance: BuiltFrom | None = None  # recorded by lock --provenance
    signing_profile: str | None = None  # SigningProfileVersionArn when lock recorded it
    signing_job: str | None = None  # SigningJobArn


@dataclass(frozen=True, slots=True)
class DenyEntry:
    arn: str  # ARN glob
    reason: str
    location: Location


@dataclass(frozen=True, slots=True)
class IgnoreEntry:
    """A suppression: ``rule`` (id or slug) plus any of arn/file/resource globs; all given must match."""

    rule: str
    reason: str
    location: Location
    arn: str | None = None
    file: str | None = None
    resource: str | None = None
    expires: dt.date | None = None


@dataclass(frozen=True, slots=True)
class DeployAccounts:
    """``deploy_accounts:`` entry: the accounts a deploy runs in, for the files ``path`` matches (None: all)."""

    accounts: tuple[str, ...]
    path: str | None = None


@dataclass(frozen=True, slots=True)
class VulnerabilityIgnore:
    """One ``vulnerabilities.ignore`` entry: an advisory (by id or alias) accepted for now."""

    id: str
    reason: str
    location: Location
    expires: dt.date | None = None


@dataclass(frozen=True, slots=True)
class VulnerabilityPolicy:
    """``vulnerabilities:``: advisories at or above ``fail_on`` are errors (LG603), those below warnings."""

    fail_on: str = "high"  # critical, high, medium, low
    ignore: tuple[VulnerabilityIgnore, ...] = ()
    declared: bool = False  # the policy has the key: then check fails when it has no advisory source


@dataclass(frozen=True, slots=True)
class OrgInfo:
    id: str | None
    accounts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class UpgradeIgnore:
    """One ``upgrade: ignore:`` entry: a layer (ARN or name glob), all of it or only some versions."""

    layer: str
    versions: tuple[int, ...]  # empty: every version of the layer
    reason: str
    location: Location


@dataclass(frozen=True, slots=True)
class UpgradePolicy:
    """The ``upgrade:`` section: how `layergate upgrade` chooses versions."""

    cooldown_days: int = 0
    ignore: tuple[UpgradeIgnore, ...] = ()


@dataclass(frozen=True, slots=True)
class Policy:
    path: str | None  # None for the built-in default
    version: int = 1
    regions: tuple[str, ...] = ()
    deploy_accounts: tuple[DeployAccounts, ...] = ()
    fail_on: Severity = Severity.ERROR
    publishers: tuple[PublisherAllow, ...] = ()
    org: OrgInfo = field(default_factory=lambda: OrgInfo(None, ()))
    layers: tuple[ReviewedLayer, ...] = ()
    max_review_age_days: int | None = None
    deny: tuple[DenyEntry, ...] = ()
    ignore: tuple[IgnoreEntry, ...] = ()
    vulnerabilities: VulnerabilityPolicy = field(default_factory=VulnerabilityPolicy)
    exclude: tuple[str, ...] = DEFAULT_EXCLUDES
    upgrade: UpgradePolicy = field(default_factory=UpgradePolicy)

    @property
    def is_default(self) -> bool:
        return self.path is None

    def reviewed(self, arn: str) -> ReviewedLayer | None:
        """The ``layers:`` entry for exactly this layer version ARN."""
        for entry in self.layers:
            if entry.arn == arn:
                return entry
        return None


def default_policy() -> Policy:
    """No policy file: trust no outside publisher, require pins and recorded hashes (documented in README)."""
    return Policy(path=None)


def find(start: str) -> str | None:
    """The policy file for ``start``: walks up to the repository root (the directory holding .git)."""
    from layergate import policy_load

    return policy_load.find(start)


def load(path: str) -> Policy:
    """The validated policy in ``path``; raises ErrorList naming every problem with file:line:col."""
    from layergate import policy_load

    return policy_load.load(path)


def schema_text() -> str:
    """The policy JSON Schema (Draft 2020-12), as ``layergate schema`` prints it."""
    from layergate import policy_schema

    return policy_schema.schema_text()
