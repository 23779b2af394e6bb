"""The shared records every input format is turned into. Rules only ever see these.

A parser (one module per format under ``layergate.sources``) produces one ``Scan`` per file (or per
stack of a CDK assembly); rules read scans and emit ``Finding``s. Nothing here knows which format a
record came from.
"""

from __future__ import annotations

import enum

from layergate.records import dataclass, field


class Severity(enum.IntEnum):
    """Ordered so that ``severity >= fail_on`` decides the exit status."""

    NOTE = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (expected error, warning or note)") from None


@dataclass(frozen=True, slots=True)
class Location:
    """Where a finding points. ``line``/``column`` are 1-based; 0 means not known (a plan address)."""

    file: str
    line: int = 0
    column: int = 0
    path: str = ""  # logical path: Resources/Fn/Properties/Layers/0, module.app.aws_lambda_function.x
    context: str = ""  # what the user recognizes beside the path, e.g. a CDK construct path

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.column or 1}"
        return f"{self.file}" + (f" ({self.path})" if self.path else "")


class ResolutionKind(enum.StrEnum):
    LITERAL = "literal"  # written in the repository
    PARAMETER = "parameter"  # a template parameter or variable; ``source`` says where the value came from
    INTERNAL = "internal"  # a layer this deployment publishes
    DYNAMIC = "dynamic"  # decided at deploy time (SSM, data source without version, environment)
    UNKNOWN = "unknown"  # cannot be determined (ImportValue, nested stack output, unknown plan value)


@dataclass(frozen=True, slots=True)
class Resolution:
    kind: ResolutionKind
    detail: str = ""  # parameter/variable name, or the reason for dynamic/unknown
    source: str = ""  # for PARAMETER: "default", "parameters file <f>", "command line"


@dataclass(frozen=True, slots=True)
class Candidate:
    """One concrete value a layer entry can take.

    ``region`` is set when the value was produced for one deploy region (``${AWS::Region}`` expanded,
    a region-keyed mapping); ``None`` means the same value is used in every region the function deploys to.
    ``value`` is the raw string: it may be a malformed ARN, which is for LG104 to say.
    """

    value: str
    region: str | None = None


@dataclass(frozen=True, slots=True)
class LayerRef:
    """One entry of one function's layer list."""

    consumer: str  # function id: logical id, Terraform address, functions.<name>
    location: Location
    expression: str  # the raw expression as written, rendered compactly (for messages)
    resolution: Resolution
    candidates: tuple[Candidate, ...] = ()
    layer_def: str | None = None  # id of the LayerDef it points at, for INTERNAL references
    position: int = 0  # index in the function's effective layer list


@dataclass(frozen=True, slots=True)
class ContentSource:
    """Where a layer this deployment publishes takes its content from."""

    kind: str  # "s3", "local", "unknown"
    uri: str = ""  # s3://bucket/key, or the local path as written
    object_version: str | None = None  # S3 object version, when pinned
    local_path: str | None = None  # resolved local directory or zip, when it exists in the repository


@dataclass(frozen=True, slots=True)
class LayerDef:
    """A layer version this deployment publishes."""

    id: str  # logical id / address / layers.<name>
    name: str  # layer name (may equal id)
    location: Location
    content: ContentSource


@dataclass(frozen=True, slots=True)
class LayerGrant:
    """A permission on a layer version this deployment publishes (who may use it)."""

    layer: str  # LayerDef id, or the layer ARN expression when it is not a local definition
    principal: str  # 12-digit account, "*", or arn:aws:iam::<acct>:root
    organization_id: str | None
    location: Location
    # The resource that grants it, when it is not the layer itself: a LayerVersionPermission logical id,
    # a Terraform address, ``layers.<name>.allowedAccounts``. Findings name it, and suppressions on it apply.
    resource: str = ""


@dataclass(frozen=True, slots=True)
class CodeSigningUse:
    """A function's ``CodeSigningConfigArn`` / ``code_signing_config_arn``, as written.

    ``config`` is the id of a ``CodeSigningConfig`` of the same scan when ``local``, else the ARN as written
    (a config defined elsewhere); ``problem`` says why the value cannot be determined.
    """

    config: str
    location: Location
    local: bool = False
    problem: str = ""


@dataclass(frozen=True, slots=True)
class Function:
    """A function the deployment defines (counted in the summary, with or without layers)."""

    id: str
    location: Location
    code_signing: CodeSigningUse | None = None  # None: the function has no code signing config


@dataclass(frozen=True, slots=True)
class SigningProfileRef:
    """One allowed publisher of a code signing config: a signing profile version ARN, or only the profile's
    name (a profile the deployment defines itself); ``problem`` says why neither can be determined."""

    arn: str
    name: str
    location: Location
    problem: str = ""


@dataclass(frozen=True, slots=True)
class CodeSigningConfig:
    """A code signing config this deployment defines (AWS::Lambda::CodeSigningConfig,
    aws_lambda_code_signing_config).

    ``enforcement`` is ``Enforce`` or ``Warn`` (the default when no policy is written), or empty when it
    cannot be determined (``problem`` says why); ``enforcement_location`` points at the value, or at the
    config when it is not written.
    """

    id: str
    location: Location
    enforcement: str
    enforcement_location: Location
    profiles: tuple[SigningProfileRef, ...] = ()
    problem: str = ""


@dataclass(frozen=True, slots=True)
class Note:
    """A fact a parser saw that a rule may turn into a finding (e.g. a plugin that injects layers).

    ``kind`` is a rule slug; the rule with that slug decides severity and wording of the fix.
    """

    kind: str
    location: Location
    message: str
    subject: str = ""  # e.g. the resource or function it concerns


@dataclass(frozen=True, slots=True)
class InlineSuppression:
    """``Metadata: layergate: ignore: [...]`` on a resource: rule ids or slugs, for that resource only."""

    resource: str
    rules: tuple[str, ...]
    reason: str
    location: Location


@dataclass(frozen=True, slots=True)
class Scan:
    """Everything one input file (or one stack) says about layers."""

    file: str
    format: str  # "cloudformation", "sam", "serverless", "terraform-plan", "cdk"
    functions: tuple[Function, ...] = ()
    refs: tuple[LayerRef, ...] = ()
    layer_defs: tuple[LayerDef, ...] = ()
    grants: tuple[LayerGrant, ...] = ()
    notes: tuple[Note, ...] = ()
    suppressions: tuple[InlineSuppression, ...] = ()
    regions: tuple[str, ...] = ()  # deploy regions this file states itself (serverless provider.region)
    signing_configs: tuple[CodeSigningConfig, ...] = ()


@dataclass(frozen=True, slots=True)
class BuiltFrom:
    """What a verified build provenance attestation says about a layer zip: where and how it was built."""

    repository: str  # owner/name
    commit: str
    workflow: str  # .github/workflows/layer.yml
    ref: str = ""
    attestation_sha256: str = ""  # SHA-256 of the attestation file that said so

    def __str__(self) -> str:
        return f"built from {self.repository}@{self.commit[:12]} by workflow {self.workflow}" + (
            f" ({self.ref})" if self.ref else "")

    def as_json(self) -> dict[str, str | None]:
        """The fields as the JSON reports write them (an unknown ref or digest is null)."""
        return {"repository": self.repository, "commit": self.commit, "workflow": self.workflow,
                "ref": self.ref or None, "attestation_sha256": self.attestation_sha256 or None}


@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    slug: str
    severity: Severity
    message: str
    location: Location
    arn: str | None = None
    fix: str = ""
    consumer: str | None = None
    related: tuple[str, ...] = ()  # further resources it concerns (the layer a permission shares)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.file, loc.line, loc.column, self.rule_id, self.message)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a run decided: findings kept, how many were suppressed, and what was read."""

    findings: tuple[Finding, ...]
    suppressed: int
    scans: tuple[Scan, ...] = field(default=())
    files_by_format: tuple[tuple[str, int], ...] = ()
