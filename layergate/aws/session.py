"""boto3 Lambda clients, one per region, from the standard credential chain.

Credentials come from ``--profile``, else the environment and the usual files (boto3's chain);
``--endpoint-url`` replaces the Lambda endpoint (tests, VPC endpoints). Each layer ARN is read in its own
region, so no ``--region`` is needed. Retries use botocore's ``standard`` mode; the number of attempts
follows ``AWS_MAX_ATTEMPTS`` / ``max_attempts`` in the profile when set (boto3's own rule).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from layergate import __version__
from layergate.errors import OnlineError
from layergate.records import dataclass

DEFAULT_JOBS = 16
MAX_JOBS = 64


@dataclass(frozen=True, slots=True)
class AwsSettings:
    profile: str | None = None
    endpoint_url: str | None = None
    jobs: int = DEFAULT_JOBS  # concurrent requests (also the connection pool size of each client)
    connect_timeout: float = 10.0
    read_timeout: float = 30.0


def new_session(settings: AwsSettings) -> Any:
    """A boto3 session from the standard credential chain (``--profile``, else the environment)."""
    import boto3
    from botocore.exceptions import ProfileNotFound

    try:
        return boto3.session.Session(profile_name=settings.profile)
    except ProfileNotFound:
        raise OnlineError(
            f"AWS profile {settings.profile!r} is not configured (see `aws configure list-profiles`)"
        ) from None


def client_config(settings: AwsSettings) -> Any:
    """botocore's client configuration for every layergate client: standard retries, bounded pool, timeouts."""
    from botocore.config import Config

    return Config(
        retries={"mode": "standard"},
        max_pool_connections=max(settings.jobs, 10),
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        user_agent_extra=f"layergate/{__version__}",
    )


class LambdaClients:
    """Lambda clients keyed by region.

    A boto3 session is not thread-safe but its clients are, so every client is made up front in the
    calling thread (``prepare``) and then shared by the worker threads.
    """

    def __init__(self, settings: AwsSettings, *, session: Any = None,
                 credentials: dict[str, str] | None = None) -> None:
        """``session``: a boto3 session to share (inventory makes clients for many accounts from one);
        ``credentials``: explicit keys for the clients (an assumed role), instead of the session's."""
        self.settings = settings
        self._session = session if session is not None else new_session(settings)
        self._credentials = dict(credentials or {})
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def prepare(self, regions: Iterable[str]) -> None:
        for region in sorted(set(regions)):
            self.client(region)

    def client(self, region: str) -> Any:
        with self._lock:
            found = self._clients.get(region)
            if found is None:
                found = self._clients[region] = self._make(region)
            return found

    def _make(self, region: str) -> Any:
        return self._session.client(
            "lambda", region_name=region, endpoint_url=self.settings.endpoint_url,
            config=client_config(self.settings), **self._credentials,
        )

    def partition_of(self, region: str) -> str | None:
        """The partition botocore places ``region`` in, or None for a region it does not know."""
        from botocore.exceptions import UnknownRegionError

        try:
            partition: str = self._session.get_partition_for_region(region)
        except UnknownRegionError:
            return None
        return partition

    def knows_region(self, region: str) -> bool:
        partition = self.partition_of(region)
        if partition is None:
            return False
        return region in self._session.get_available_regions("lambda", partition)
