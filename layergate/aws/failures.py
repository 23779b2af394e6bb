"""Sorting botocore failures: the ones that concern one layer version, and the ones that end the run.

A layer version that is gone or not shared with the caller is a fact about that layer (LG304), reported
with AWS's own words. Everything else (no credentials, an expired token, an unreachable endpoint,
throttling that outlasted the retries) stops the run with one line the user can act on.
"""

from __future__ import annotations

import urllib.parse

from layergate.errors import OnlineError
from layergate.records import dataclass

# Error codes that mean "this caller cannot have this layer version".
UNAVAILABLE_CODES = frozenset({"ResourceNotFoundException", "AccessDeniedException", "AccessDenied"})

_EXPIRED = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"})
_BAD_CREDENTIALS = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "MissingAuthenticationToken",
        "AuthFailure",
    }
)
_THROTTLED = frozenset(
    {
        "TooManyRequestsException",
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "RequestLimitExceeded",
        "SlowDown",
        "RequestThrottled",
        "RequestThrottledException",
    }
)


@dataclass(frozen=True, slots=True)
class Unavailable:
    """AWS would not give this caller the layer version: its error code and message, verbatim."""

    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message}" if self.message else self.code


def unavailable(exc: BaseException) -> Unavailable | None:
    """The per-layer failure in ``exc``, or None when ``exc`` is not about one layer version."""
    from botocore.exceptions import ClientError

    if isinstance(exc, ClientError):
        code, message = _code_message(exc)
        if code in UNAVAILABLE_CODES:
            return Unavailable(code, message)
    return None


def fatal(exc: BaseException, *, operation: str, subject: str, region: str, endpoint: str | None,
          region_known: bool = True) -> OnlineError:
    """One line for a failure that ends the run. ``subject`` is the ARN being read."""
    from botocore import exceptions as bx

    if isinstance(exc, bx.NoCredentialsError):
        return OnlineError(
            "no AWS credentials found: pass --profile, set AWS_PROFILE, or export AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY"
        )
    if isinstance(exc, bx.PartialCredentialsError):
        return OnlineError(f"incomplete AWS credentials: {exc}")
    if isinstance(exc, bx.TokenRetrievalError | bx.UnauthorizedSSOTokenError | bx.SSOTokenLoadError):
        return OnlineError(f"the AWS SSO session has expired or is missing ({exc}); run `aws sso login`")
    if isinstance(exc, bx.CredentialRetrievalError):
        return OnlineError(f"cannot get AWS credentials: {exc}")
    if isinstance(exc, bx.ClientError):
        code, message = _code_message(exc)
        attempts = int(exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0)) + 1
        said = f"{code}: {message}" if message else code
        if code in _EXPIRED:
            return OnlineError(f"the AWS credentials have expired ({said}); refresh them and run again")
        if code in _BAD_CREDENTIALS:
            return OnlineError(f"AWS rejected the credentials ({said})")
        if code in _THROTTLED:
            return OnlineError(
                f"throttled by AWS Lambda in {region} after {attempts} attempts ({said}); wait and run again, "
                "or lower --jobs"
            )
        return OnlineError(f"{operation} {subject} failed after {attempts} attempts: {said}")
    if isinstance(exc, bx.EndpointConnectionError | bx.ConnectionClosedError):
        url = endpoint or _origin(exc.kwargs.get("endpoint_url", ""))
        if not region_known and endpoint is None:
            return OnlineError(
                f"unknown region {region!r} (in {subject}): botocore knows no Lambda endpoint for it and "
                f"{url} cannot be reached; check the ARN, or pass --endpoint-url"
            )
        return OnlineError(f"AWS endpoint unreachable: {url} ({_reason(exc)})")
    if isinstance(exc, bx.ConnectTimeoutError | bx.ReadTimeoutError):
        url = endpoint or _origin(exc.kwargs.get("endpoint_url", ""))
        return OnlineError(f"timed out talking to {url} ({operation} {subject})")
    if isinstance(exc, bx.BotoCoreError):
        return OnlineError(f"{operation} {subject} failed: {exc}")
    return OnlineError(f"{operation} {subject} failed: {type(exc).__name__}: {exc}")


def _code_message(exc: BaseException) -> tuple[str, str]:
    response = getattr(exc, "response", {}) or {}
    error = response.get("Error", {}) or {}
    code = str(error.get("Code", "") or type(exc).__name__)
    message = str(error.get("Message", "") or "").strip()
    return code, " ".join(message.split())


def _origin(url: str) -> str:
    """``https://lambda.eu-west-1.amazonaws.com`` of a request URL (the path only repeats the ARN)."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url


def _reason(exc: BaseException) -> str:
    """The innermost cause of a connection error, e.g. "Connection refused"."""
    error = getattr(exc, "kwargs", {}).get("error")
    text = str(error) if error is not None else str(exc)
    if "] " in text:
        text = text.rsplit("] ", 1)[-1]
    return text.rstrip(")").strip() or type(exc).__name__
