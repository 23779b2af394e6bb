"""Layer inputs given as a layer version ARN: fetched from AWS, and trusted only once their hash matches.

GetLayerVersion gives ``Content.Location`` (a presigned URL) and ``CodeSha256``. The zip is streamed
to a temporary file (removed afterwards) while it is hashed, and must match the SHA-256 recorded for
that ARN in the policy's ``layers:`` when there is one, else the one AWS publishes. A mismatch ends
the run: content that is not the reviewed (or the announced) version is not inspected. boto3 is only
imported here, so local inputs never touch it.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator

from layergate.arn import ArnError, LayerArn
from layergate.errors import InputError, OnlineError
from layergate.records import dataclass


@dataclass(frozen=True, slots=True)
class AwsAccess:
    profile: str | None = None
    endpoint_url: str | None = None


@dataclass(frozen=True, slots=True)
class Fetched:
    path: str  # the downloaded zip (a temporary file)
    sha256: str  # its hash, equal to the expected one
    checked_against: str  # "recorded" (policy layers: entry) or "published" (CodeSha256)


def is_arn(text: str) -> bool:
    return text.startswith("arn:")


def parse_version_arn(text: str) -> LayerArn:
    try:
        arn = LayerArn.parse(text)
    except ArnError as exc:
        raise InputError(str(exc), text) from None
    if arn.managed or arn.version is None:
        raise InputError("a layer version ARN is needed (ending in :<version>)", text)
    return arn


@contextlib.contextmanager
def fetch(text: str, access: AwsAccess, recorded_sha256: str | None, max_bytes: int) -> Iterator[Fetched]:
    """Download the layer version ``text`` to a temporary file, checked against the expected hash."""
    from layergate.aws.download import DownloadError, download_sha256
    from layergate.aws.layers import Request
    from layergate.aws.layers import fetch as fetch_facts
    from layergate.aws.session import AwsSettings, LambdaClients

    arn = parse_version_arn(text)
    clients = LambdaClients(AwsSettings(profile=access.profile, endpoint_url=access.endpoint_url, jobs=1))
    facts = fetch_facts([Request(arn)], clients)[str(arn)]
    if facts.unavailable is not None or facts.published is None:
        raise OnlineError(f"GetLayerVersion {arn}: {facts.unavailable or 'no answer'}")
    published = facts.published
    expected = (recorded_sha256 or published.sha256).lower()
    source = "recorded" if recorded_sha256 else "published"
    if recorded_sha256 and recorded_sha256.lower() != published.sha256:
        raise OnlineError(
            f"{arn}: AWS now publishes CodeSha256 {published.sha256}, not the recorded {recorded_sha256}: "
            "this is not the reviewed version; not inspecting it"
        )
    with tempfile.NamedTemporaryFile(prefix="layergate-", suffix=".zip") as spool:
        try:
            got = download_sha256(
                published.location, expected_size=published.code_size if published.code_size >= 0 else None,
                max_bytes=max_bytes, into=spool,
            )
        except DownloadError as exc:
            raise OnlineError(f"{arn}: {exc}") from None
        spool.flush()
        if got.sha256 != expected:
            raise OnlineError(
                f"{arn}: the downloaded zip has SHA-256 {got.sha256}, not the {source} {expected}; not inspecting it"
            )
        yield Fetched(spool.name, got.sha256, source)
