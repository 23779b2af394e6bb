"""What floating references resolve to today, read from AWS: SSM parameter values and a layer's newest version.

Every question is asked once (per region and parameter, per layer), concurrently. An answer AWS refuses
for this one value (no such parameter, no such layer, access denied) is kept as the reason it cannot be
fixed; anything else (credentials, endpoint, throttling past the retries) ends the run with one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from layergate.arn import LayerArn
from layergate.records import dataclass

# A layer's versions or a parameter that this caller cannot have: a fact about that one value.
_REFUSED = frozenset({"ParameterNotFound", "ParameterVersionNotFound", "ResourceNotFoundException",
                      "AccessDeniedException", "AccessDenied"})


@dataclass(frozen=True, slots=True)
class Ask:
    """One question: ``("ssm", region, parameter name)`` or ``("latest", region, layer ARN)``."""

    what: str
    region: str
    subject: str


@dataclass(frozen=True, slots=True)
class Answer:
    value: str = ""  # the parameter's value, or the newest layer version ARN
    problem: str = ""  # why there is no value


def ask_all(asks: Sequence[Ask], *, profile: str | None, endpoint_url: str | None, ssm_endpoint_url: str | None,
            jobs: int) -> dict[Ask, Answer]:
    from layergate.aws.pool import Progress, run_all
    from layergate.aws.session import AwsSettings, client_config, new_session

    unique = list(dict.fromkeys(asks))
    if not unique:
        return {}
    settings = AwsSettings(profile=profile, endpoint_url=endpoint_url, jobs=jobs)
    session = new_session(settings)
    config = client_config(settings)
    clients: dict[tuple[str, str], Any] = {}
    for a in unique:  # clients are made in this thread (a session is not thread-safe), then shared
        service = "ssm" if a.what == "ssm" else "lambda"
        if (service, a.region) not in clients:
            clients[(service, a.region)] = session.client(
                service, region_name=a.region, config=config,
                endpoint_url=ssm_endpoint_url if service == "ssm" else endpoint_url)

    def one(a: Ask, _stop: Any) -> Answer:
        if a.what == "ssm":
            return _parameter(clients[("ssm", a.region)], a, ssm_endpoint_url)
        return _latest(clients[("lambda", a.region)], a, endpoint_url)

    answers = run_all(unique, one, jobs=jobs, progress=Progress(len(unique), "lookups"))
    return dict(zip(unique, answers, strict=True))


def _parameter(client: Any, a: Ask, endpoint: str | None) -> Answer:
    try:
        answer = client.get_parameter(Name=a.subject)
    except Exception as exc:
        return _refused(exc, "GetParameter", f"{a.subject} in {a.region}", a.region, endpoint)
    parameter = answer.get("Parameter", {})
    if parameter.get("Type") == "SecureString":
        return Answer(problem=f"SSM parameter {a.subject} is a SecureString; a layer ARN is not a secret")
    return Answer(value=str(parameter.get("Value", "")))


def _latest(client: Any, a: Ask, endpoint: str | None) -> Answer:
    newest: LayerArn | None = None
    marker: str | None = None
    try:
        while True:
            page = client.list_layer_versions(LayerName=a.subject, **({"Marker": marker} if marker else {}))
            for v in page.get("LayerVersions", []):
                arn = LayerArn.parse(v["LayerVersionArn"])
                if newest is None or (arn.version or 0) > (newest.version or 0):
                    newest = arn
            marker = page.get("NextMarker")
            if not marker:
                break
    except Exception as exc:
        return _refused(exc, "ListLayerVersions", a.subject, a.region, endpoint)
    if newest is None:
        return Answer(problem=f"layer {a.subject} has no versions")
    return Answer(value=str(newest))


def _refused(exc: BaseException, operation: str, subject: str, region: str, endpoint: str | None) -> Answer:
    from botocore.exceptions import ClientError

    from layergate.aws import failures

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        if code in _REFUSED and operation == "ListLayerVersions" and code.startswith("AccessDenied"):
            # Vendors share a layer version with GetLayerVersion only: its newest number cannot be listed.
            return Answer(problem=f"{operation} {subject}: {code}; the versions of a layer shared by another "
                                  "account cannot be listed: pin the version its publisher documents by hand")
        if code in _REFUSED:
            message = " ".join(str(error.get("Message", "")).split())
            return Answer(problem=f"{operation} {subject}: {code}" + (f": {message}" if message else ""))
    raise failures.fatal(exc, operation=operation, subject=subject, region=region, endpoint=endpoint) from None
