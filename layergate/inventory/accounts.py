"""Who is asking, which accounts to inventory, credentials for each, and the regions each has enabled.

The caller's own account is read with the caller's credentials. Every other account is read through
``sts:AssumeRole`` into ``--role-name`` there (OrganizationAccountAccessRole, or a read-only audit
role). A role that cannot be assumed, or an account whose regions cannot be listed, is a ``Gap``: it is
reported and the run goes on. What concerns the caller itself (no credentials, no access to the
organization) ends the run with one line.

One boto3 session makes every client, with explicit credentials for assumed roles, so the service
models are loaded once however many accounts there are. A session is not thread-safe, so clients are
made under a lock; the clients themselves are shared by the worker threads.
"""

from __future__ import annotations

import threading
from typing import Any

from layergate.aws import failures
from layergate.aws.session import AwsSettings, LambdaClients, client_config, new_session
from layergate.errors import OnlineError
from layergate.inventory.model import ACTIVE, Account, Gap
from layergate.records import dataclass

SESSION_NAME = "layergate-inventory"
ROLE_SECONDS = 3600  # the longest session a chained role may have
LIST_ACCOUNTS_PAGE = 20  # the largest page ListAccounts returns


@dataclass(frozen=True, slots=True)
class Caller:
    account: str
    arn: str
    partition: str


class Connection:
    """The caller's session, and clients made from it for any service, region and credentials."""

    def __init__(self, settings: AwsSettings) -> None:
        self.settings = settings
        self.session = new_session(settings)
        self._lock = threading.Lock()

    @property
    def home_region(self) -> str:
        """Where the global services are asked: the profile's region, else us-east-1."""
        return str(self.session.region_name or "us-east-1")

    def client(self, service: str, region: str | None = None, credentials: dict[str, str] | None = None) -> Any:
        with self._lock:
            return self.session.client(
                service, region_name=region or self.home_region, endpoint_url=self.settings.endpoint_url,
                config=client_config(self.settings), **(credentials or {}),
            )

    def fatal(self, exc: BaseException, operation: str, subject: str) -> OnlineError:
        return failures.fatal(exc, operation=operation, subject=subject, region=self.home_region,
                              endpoint=self.settings.endpoint_url)


class Access:
    """Read access to one account: its credentials (None: the caller's own) and its Lambda clients."""

    def __init__(self, conn: Connection, account: Account, credentials: dict[str, str] | None,
                 regions: tuple[str, ...]) -> None:
        self.account = account
        self.credentials = credentials
        self.regions = regions
        self.lambdas = LambdaClients(conn.settings, session=conn.session, credentials=credentials)


def caller(conn: Connection) -> Caller:
    try:
        ident = conn.client("sts").get_caller_identity()
    except Exception as exc:
        raise conn.fatal(exc, "GetCallerIdentity", "(who is calling)") from None
    arn = str(ident["Arn"])
    return Caller(str(ident["Account"]), arn, arn.split(":")[1] if arn.count(":") > 2 else "aws")


def organization(conn: Connection) -> tuple[str, tuple[Account, ...]]:
    """The organization's id and every account it lists (all pages), with each account's status."""
    from botocore.exceptions import ClientError

    client = conn.client("organizations")
    try:
        org_id = str(client.describe_organization()["Organization"]["Id"])
        pages = client.get_paginator("list_accounts").paginate(PaginationConfig={"PageSize": LIST_ACCOUNTS_PAGE})
        accounts = tuple(
            Account(str(a["Id"]), str(a.get("Name") or ""), str(a.get("Status") or ""))
            for page in pages
            for a in page.get("Accounts", [])
        )
    except ClientError as exc:
        raise OnlineError(
            f"--org: cannot list the organization's accounts ({said(exc)}); run as the management account or a "
            "delegated administrator, or name the accounts with --accounts"
        ) from None
    except Exception as exc:
        raise conn.fatal(exc, "ListAccounts", "(the organization)") from None
    return org_id, accounts


def targets(me: Caller, org: tuple[Account, ...] | None, requested: tuple[str, ...]) -> tuple[list[Account], list[Gap]]:
    """The accounts to inventory, and the requested ones that cannot be (not in the organization, not active).

    With ``--org``: every active account, or those of ``requested`` the organization lists as active.
    Without: ``requested``, else the caller's own account.
    """
    if org is None:
        ids = requested or (me.account,)
        return [Account(a) for a in ids], []
    if not requested:
        return [a for a in org if a.status == ACTIVE], []
    known = {a.id: a for a in org}
    chosen: list[Account] = []
    gaps: list[Gap] = []
    for account_id in requested:
        found = known.get(account_id)
        if found is None:
            gaps.append(Gap(account_id, None, "not an account of the organization (Organizations ListAccounts)"))
        elif found.status != ACTIVE:
            gaps.append(Gap(account_id, None, f"the organization lists it as {found.status}"))
        else:
            chosen.append(found)
    return chosen, gaps


def assume(conn: Connection, sts: Any, me: Caller, account: Account, role_name: str) -> dict[str, str] | Gap | None:
    """Credentials for ``account`` (None: the caller's own account), or the Gap saying why there are none."""
    from botocore.exceptions import ClientError

    if account.id == me.account:
        return None
    role_arn = f"arn:{me.partition}:iam::{account.id}:role/{role_name}"
    try:
        creds = sts.assume_role(RoleArn=role_arn, RoleSessionName=SESSION_NAME,
                                DurationSeconds=ROLE_SECONDS)["Credentials"]
    except ClientError as exc:
        return Gap(account.id, None, f"cannot assume {role_arn}: {said(exc)}")
    except Exception as exc:
        raise conn.fatal(exc, "AssumeRole", role_arn) from None
    return {
        "aws_access_key_id": str(creds["AccessKeyId"]),
        "aws_secret_access_key": str(creds["SecretAccessKey"]),
        "aws_session_token": str(creds["SessionToken"]),
    }


def enabled_regions(conn: Connection, account: Account, credentials: dict[str, str] | None) -> tuple[str, ...] | Gap:
    """The regions the account has enabled (EC2 DescribeRegions lists only those by default)."""
    from botocore.exceptions import ClientError

    try:
        answer = conn.client("ec2", credentials=credentials).describe_regions()
    except ClientError as exc:
        return Gap(account.id, None, f"cannot list its enabled regions (EC2 DescribeRegions: {said(exc)}); "
                                     "name the regions with --regions")
    except Exception as exc:
        raise conn.fatal(exc, "DescribeRegions", f"for account {account.id}") from None
    return tuple(sorted(str(r["RegionName"]) for r in answer.get("Regions", [])))


def said(exc: BaseException) -> str:
    """AWS's error code and message, on one line."""
    response = getattr(exc, "response", {}) or {}
    error = response.get("Error", {}) or {}
    code = str(error.get("Code") or type(exc).__name__)
    message = " ".join(str(error.get("Message") or "").split())
    return f"{code}: {message}" if message else code
