"""The records of an inventory: what was asked for, what AWS answered, and what could not be covered.

Everything is a frozen record of plain values, so reporters can read an ``Inventory`` without knowing
how it was collected. A ``Gap`` is an account (or one region of it) the run could not read: a run with
gaps is incomplete, and says so in every output format and in its exit status.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from layergate.arn import LayerArn, try_parse
from layergate.model import Outcome, Severity
from layergate.records import dataclass

if TYPE_CHECKING:
    from layergate.aws.layers import Grant
    from layergate.inventory.provenance import LayerProvenance
    from layergate.inventory.vulns import Detail, VulnScan
    from layergate.vulns.contents import LocalPackages

ACTIVE = "ACTIVE"


def source(account: str, region: str | None = None) -> str:
    """The pseudo file name findings of one account and region carry: ``aws://111122223333/eu-west-1``."""
    return f"aws://{account}/{region}" if region else f"aws://{account}"


@dataclass(frozen=True, slots=True)
class Account:
    id: str
    name: str = ""
    status: str = ACTIVE  # Organizations' Status: ACTIVE, SUSPENDED, PENDING_CLOSURE

    @property
    def label(self) -> str:
        return f"{self.id} ({self.name})" if self.name else self.id


@dataclass(frozen=True, slots=True)
class Gap:
    """An account, or one region of it, that was not inventoried, and AWS's reason."""

    account: str
    region: str | None  # None: the whole account
    reason: str

    @property
    def where(self) -> str:
        return source(self.account, self.region)


@dataclass(frozen=True, slots=True)
class FunctionRecord:
    """One function (or one published version of it, with --all-versions) as ListFunctions describes it."""

    account: str
    region: str
    arn: str
    name: str
    version: str  # "$LATEST" or a published version number
    runtime: str  # empty for container images
    architectures: tuple[str, ...]
    last_modified: str
    package_type: str  # "Zip" or "Image"
    layers: tuple[str, ...]  # layer version ARNs, in the function's order

    @property
    def consumer(self) -> str:
        """How findings name the function: its name, with the version when it is a published one."""
        return self.name if self.version in ("", "$LATEST") else f"{self.name}:{self.version}"


@dataclass(frozen=True, slots=True)
class LayerVersionFacts:
    """GetLayerVersion (and, for the publisher, GetLayerVersionPolicy) of one layer version."""

    arn: str
    read_as: str  # the account whose credentials asked
    sha256: str | None = None  # hex; None when AWS would not describe the version
    code_size: int | None = None
    created: str = ""
    problem: str = ""  # AWS's words when it would not describe the version
    grants: tuple[Grant, ...] | None = None  # None: the policy was not read (not the publisher) or not readable
    policy_problem: str = ""
    contents: LocalPackages | None = None  # with --vulns: its packages, or (``unread``) why they were not read

    @property
    def public(self) -> bool | None:
        """Shared with every AWS account; None when the caller could not read the policy."""
        return None if self.grants is None else any(g.public for g in self.grants)


@dataclass(frozen=True, slots=True)
class LayerHistory:
    """ListLayerVersions of one layer: the versions that exist now."""

    layer_arn: str
    versions: tuple[tuple[int, str], ...] | None  # (version, created), newest first; None: not listable
    problem: str = ""

    def newer_than(self, version: int) -> tuple[tuple[int, str], ...] | None:
        if self.versions is None:
            return None
        return tuple(v for v in self.versions if v[0] > version)


@dataclass(frozen=True, slots=True)
class PublishedLayer:
    """One layer an inventoried account publishes (ListLayers), with its latest version."""

    account: str
    region: str
    layer_arn: str
    name: str
    latest_version: int
    latest_created: str


@dataclass(frozen=True, slots=True)
class Inventory:
    caller: str  # the caller's account
    partition: str
    organization: str | None  # the organization id, with --org
    org_accounts: tuple[Account, ...]  # every account Organizations lists (empty without --org)
    accounts: tuple[Account, ...]  # the accounts asked for
    regions: tuple[tuple[str, tuple[str, ...]], ...]  # account -> regions inventoried
    functions: tuple[FunctionRecord, ...]
    layer_versions: tuple[LayerVersionFacts, ...]
    histories: tuple[LayerHistory, ...]
    published: tuple[PublishedLayer, ...]
    gaps: tuple[Gap, ...]
    home_region: str = "us-east-1"  # the profile's region, where global services were asked

    @property
    def complete(self) -> bool:
        return not self.gaps

    def facts(self) -> dict[str, LayerVersionFacts]:
        return {f.arn: f for f in self.layer_versions}

    def history(self) -> dict[str, LayerHistory]:
        return {h.layer_arn: h for h in self.histories}

    def account(self, account_id: str) -> Account | None:
        """The account as the organization (or the request) knows it."""
        for acct in (*self.org_accounts, *self.accounts):
            if acct.id == account_id:
                return acct
        return None

    def covered_accounts(self) -> tuple[str, ...]:
        whole = {g.account for g in self.gaps if g.region is None}
        return tuple(a.id for a in self.accounts if a.id not in whole and a.status == ACTIVE)


@dataclass(frozen=True, slots=True)
class LayerUse:
    """One entry of one function's layer list (a row of the CSV and the HTML table)."""

    function: FunctionRecord
    position: int
    arn: LayerArn | None  # None when AWS listed something that is not a layer version ARN
    text: str


def uses(inventory: Inventory) -> list[LayerUse]:
    return [
        LayerUse(fn, i, try_parse(text), text)
        for fn in inventory.functions
        for i, text in enumerate(fn.layers)
    ]


@dataclass(frozen=True, slots=True)
class InventoryReport:
    """What every inventory writer renders."""

    inventory: Inventory
    outcome: Outcome
    fail_on: Severity
    policy_path: str | None
    notes: tuple[str, ...]
    tool_version: str
    generated_at: str  # ISO 8601 UTC, e.g. 2026-11-30T12:00:00Z
    color: bool = False
    asff_region: str = "us-east-1"
    publishers: tuple[tuple[str, str], ...] = ()  # account -> how reports name it: "464622532012 (Datadog)"
    vulns: VulnScan | None = None  # with --vulns
    vuln_details: tuple[Detail, ...] = ()  # each LG603 finding with its package and vulnerability
    provenance: tuple[LayerProvenance, ...] = ()  # layer versions with recorded provenance or needing it

    def provenance_of(self) -> dict[str, LayerProvenance]:
        return {p.arn: p for p in self.provenance}

    def publisher(self, account: str) -> str:
        return next((label for a, label in self.publishers if a == account), account)
