"""What AWS says about many layer versions, each read once, in parallel.

``fetch(requests, clients)`` calls GetLayerVersion (LayerName = the layer ARN, VersionNumber) in each
ARN's own region, optionally downloads the zip, and optionally reads GetLayerVersionPolicy. A version
that is gone or not shared comes back as ``Unavailable`` with AWS's words; anything else that goes
wrong ends the run with an ``OnlineError``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any

from layergate.arn import LayerArn
from layergate.aws import failures
from layergate.aws.download import Downloaded, DownloadError, download_sha256
from layergate.aws.failures import Unavailable
from layergate.aws.pool import Progress, StopFlag, run_all
from layergate.aws.session import LambdaClients
from layergate.errors import OnlineError
from layergate.records import dataclass


@dataclass(frozen=True, slots=True)
class Request:
    arn: LayerArn  # a concrete version
    download: bool = False
    policy: bool = False


@dataclass(frozen=True, slots=True)
class Published:
    """GetLayerVersion's answer, with the hash turned from base64 into hex."""

    sha256: str
    code_size: int
    location: str
    created: str
    signing_profile: str = ""  # SigningProfileVersionArn: empty when the version is not signed
    signing_job: str = ""  # SigningJobArn


@dataclass(frozen=True, slots=True)
class Grant:
    """One statement of a layer version's resource policy."""

    sid: str
    principal: str  # "*", an account id, or an ARN
    organization_id: str | None  # aws:PrincipalOrgID condition, when present

    @property
    def public(self) -> bool:
        return self.principal == "*" and self.organization_id is None


@dataclass(frozen=True, slots=True)
class Facts:
    arn: LayerArn
    published: Published | None = None
    unavailable: Unavailable | None = None
    downloaded: Downloaded | None = None
    download_problem: str = ""
    grants: tuple[Grant, ...] | None = None  # None: not asked for, or not readable by this caller
    policy_problem: str = ""


def fetch(
    requests: Sequence[Request], clients: LambdaClients, *, progress: Progress | None = None
) -> dict[str, Facts]:
    """Facts for every request, keyed by the version ARN. Each ARN is read once however often it appears."""
    unique = list({str(r.arn): r for r in requests}.values())
    clients.prepare(r.arn.region for r in unique)
    results = run_all(
        unique, lambda req, stop: _one(req, clients, stop), jobs=clients.settings.jobs, progress=progress
    )
    return {str(facts.arn): facts for facts in results}


def _one(req: Request, clients: LambdaClients, stop: StopFlag) -> Facts:
    arn = req.arn
    stop.check()
    answer = _call(clients, arn, "GetLayerVersion", "get_layer_version")
    if isinstance(answer, Unavailable):
        return Facts(arn, unavailable=answer)
    published = _published(arn, answer)
    downloaded, download_problem = None, ""
    if req.download:
        stop.check()
        try:
            downloaded = download_sha256(published.location, expected_size=published.code_size)
        except DownloadError as exc:
            download_problem = str(exc)
    grants: tuple[Grant, ...] | None = None
    policy_problem = ""
    if req.policy:
        stop.check()
        policy = _call(clients, arn, "GetLayerVersionPolicy", "get_layer_version_policy")
        if isinstance(policy, Unavailable) and policy.code == "ResourceNotFoundException":
            grants = ()  # the version exists (GetLayerVersion said so) but has no policy: shared with no one
        elif isinstance(policy, Unavailable):
            policy_problem = str(policy)
        else:
            grants = parse_grants(policy.get("Policy", ""))
    return Facts(arn, published, None, downloaded, download_problem, grants, policy_problem)


def _call(clients: LambdaClients, arn: LayerArn, operation: str, method: str) -> Any:
    client = clients.client(arn.region)
    try:
        return getattr(client, method)(LayerName=arn.layer_arn, VersionNumber=arn.version)
    except Exception as exc:
        found = failures.unavailable(exc)
        if found is not None:
            return found
        raise failures.fatal(
            exc,
            operation=operation,
            subject=str(arn),
            region=arn.region,
            endpoint=clients.settings.endpoint_url,
            region_known=clients.knows_region(arn.region),
        ) from None


def _published(arn: LayerArn, answer: dict[str, Any]) -> Published:
    content = answer.get("Content") or {}
    encoded = content.get("CodeSha256")
    try:
        raw = base64.b64decode(str(encoded), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        # Fail closed: without a well-formed hash there is nothing to record or compare.
        raise OnlineError(f"GetLayerVersion {arn} returned CodeSha256 {encoded!r}, not a base64 SHA-256")
    size = content.get("CodeSize")
    return Published(
        sha256=raw.hex(),
        code_size=int(size) if isinstance(size, int) else -1,
        location=str(content.get("Location") or ""),
        created=str(answer.get("CreatedDate") or ""),
        signing_profile=str(content.get("SigningProfileVersionArn") or ""),
        signing_job=str(content.get("SigningJobArn") or ""),
    )


def parse_grants(policy_text: str) -> tuple[Grant, ...]:
    """The statements of a GetLayerVersionPolicy document that allow someone to use the version."""
    try:
        doc = json.loads(policy_text) if policy_text else {}
    except ValueError:
        raise OnlineError(f"GetLayerVersionPolicy returned a policy that is not JSON: {policy_text[:80]!r}") from None
    statements = doc.get("Statement", []) if isinstance(doc, dict) else []
    if isinstance(statements, dict):
        statements = [statements]
    grants: list[Grant] = []
    for st in statements:
        if not isinstance(st, dict) or st.get("Effect", "Allow") != "Allow":
            continue
        org = _org_condition(st.get("Condition"))
        for principal in _principals(st.get("Principal")):
            grants.append(Grant(str(st.get("Sid", "")), principal, org))
    return tuple(grants)


def _principals(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        aws = value.get("AWS", [])
        return [str(p) for p in (aws if isinstance(aws, list) else [aws])]
    if isinstance(value, list):
        return [str(p) for p in value]
    return []


def _org_condition(condition: Any) -> str | None:
    """The organization id an ``aws:PrincipalOrgID`` condition limits the statement to."""
    if not isinstance(condition, dict):
        return None
    for operator in condition.values():
        if isinstance(operator, dict):
            for key, value in operator.items():
                if key.lower() == "aws:principalorgid":
                    return str(value[0] if isinstance(value, list) and value else value)
    return None
