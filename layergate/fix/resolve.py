"""What floating references resolve to today, read from AWS: SSM parameter values and a layer's newest version.

Every question is asked once (per region and parameter, per layer), concurrently. An answer AWS refuses
for this one value (no such parameter, no such layer, access denied) is kept as the reason it cannot be
fixed; anything else (credentials, endpoint, throttling past the retries) ends the run with one line.

Vendors share a layer with GetLayerVersion only, so ListLayerVersions is denied: then the newest version
is found the way `upgrade` finds it (``aws.versions.probe``: upward, tolerating deleted versions, within
its window), starting at the highest version of that layer known locally (the policy's ``layers:`` and
every pinned reference in the scan), else from version 1. Nothing found within the window stays a refusal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from layergate.arn import LayerArn
from layergate.records import dataclass

if TYPE_CHECKING:
    from layergate.aws.pool import StopFlag
    from layergate.aws.session import LambdaClients

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
    note: str = ""  # how the value was found, when the reader should know (probed, and how the probe ended)


def ask_all(asks: Sequence[Ask], *, profile: str | None, endpoint_url: str | None, ssm_endpoint_url: str | None,
            jobs: int, known: Mapping[str, int] | None = None) -> dict[Ask, Answer]:
    """``known``: the highest version of each layer (ARN without version) known locally, where probing starts."""
    from layergate.aws.pool import Progress, run_all
    from layergate.aws.session import AwsSettings, LambdaClients, client_config, new_session

    unique = list(dict.fromkeys(asks))
    if not unique:
        return {}
    settings = AwsSettings(profile=profile, endpoint_url=endpoint_url, jobs=jobs)
    session = new_session(settings)
    config = client_config(settings)
    ssm: dict[str, Any] = {}
    lam = LambdaClients(settings, session=session)
    for a in unique:  # clients are made in this thread (a session is not thread-safe), then shared
        if a.what == "ssm" and a.region not in ssm:
            ssm[a.region] = session.client("ssm", region_name=a.region, config=config, endpoint_url=ssm_endpoint_url)
    lam.prepare(a.region for a in unique if a.what != "ssm")

    def one(a: Ask, stop: StopFlag) -> Answer:
        if a.what == "ssm":
            return _parameter(ssm[a.region], a, ssm_endpoint_url)
        return _latest(lam, a, (known or {}).get(a.subject, 0), stop)

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


def _latest(clients: LambdaClients, a: Ask, known: int, stop: StopFlag) -> Answer:
    endpoint = clients.settings.endpoint_url
    newest: LayerArn | None = None
    marker: str | None = None
    try:
        while True:
            page = clients.client(a.region).list_layer_versions(
                LayerName=a.subject, **({"Marker": marker} if marker else {}))
            for v in page.get("LayerVersions", []):
                arn = LayerArn.parse(v["LayerVersionArn"])
                if newest is None or (arn.version or 0) > (newest.version or 0):
                    newest = arn
            marker = page.get("NextMarker")
            if not marker:
                break
    except Exception as exc:
        code = _denied(exc)
        if code:
            return _probed(clients, a, known, code, stop)
        return _refused(exc, "ListLayerVersions", a.subject, a.region, endpoint)
    if newest is None:  # what some endpoints answer for another account's layer, as upgrade's search knows
        return _probed(clients, a, known, "no version listed", stop)
    return Answer(value=str(newest))


def _denied(exc: BaseException) -> str:
    """The error code when ListLayerVersions was denied (another account's layer), else ""."""
    from botocore.exceptions import ClientError

    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        return code if code.startswith("AccessDenied") else ""
    return ""


def _probed(clients: LambdaClients, a: Ask, known: int, code: str, stop: StopFlag) -> Answer:
    """The newest version GetLayerVersion answers, probing upward from ``known`` (else from 1)."""
    from layergate.aws.versions import PROBE_WINDOW, probe

    layer = LayerArn.parse(a.subject)
    for start in dict.fromkeys(s for s in (known, 1) if s > 0):
        found = probe(layer.with_version(start - 1), clients, stop)
        if found.newer:
            newest = found.newer[-1].number
            how = found.note.removeprefix("probed GetLayerVersion upward; ")
            return Answer(value=str(layer.with_version(newest)),
                          note=f"found by probing GetLayerVersion upward from version {start} (ListLayerVersions: "
                               f"{code}); {how}")
    tried = " and from version 1" if known > 1 else ""
    return Answer(problem=f"ListLayerVersions {a.subject}: {code}, and probing GetLayerVersion upward from version "
                          f"{known or 1}{tried} found no version shared with this account within {PROBE_WINDOW} "
                          "consecutive versions: pin the version its publisher documents by hand")


def _refused(exc: BaseException, operation: str, subject: str, region: str, endpoint: str | None) -> Answer:
    from botocore.exceptions import ClientError

    from layergate.aws import failures

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        if code in _REFUSED:
            message = " ".join(str(error.get("Message", "")).split())
            return Answer(problem=f"{operation} {subject}: {code}" + (f": {message}" if message else ""))
    raise failures.fatal(exc, operation=operation, subject=subject, region=region, endpoint=endpoint) from None
