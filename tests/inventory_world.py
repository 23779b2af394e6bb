"""A small AWS organization for the inventory tests, in moto (server mode on loopback).

What is real: moto's Organizations (an organization created by the management account, member accounts
created through CreateAccount with moto's own random ids, one closed so that ListAccounts shows it
SUSPENDED), STS (AssumeRole into any account returns credentials whose calls land in that account),
Lambda (layers published per account and region, permissions, functions, ListFunctions, ListLayers,
ListLayerVersions, GetLayerVersion, GetLayerVersionPolicy). Every request of the command under test is
real HTTP parsed by real botocore.

What moto cannot do, and how this world stands in for it:

- moto's CreateFunction looks a layer up by name in the function's own account, so a function cannot be
  created with another account's layer. Such functions are created without it, and their ``Layers`` are
  then set in moto's backend (same process); ListFunctions then reports them as AWS would.
- moto answers every request from the caller's own account. The ``AccountRouter`` of the lock/verify
  tests (reused here) sends a GetLayerVersion of another account's layer to that account, refused unless
  the layer's policy grants the caller; ``InventoryRouter`` below adds three answers AWS gives and moto
  does not, each with AWS's status, error code and message format:
  - ``sts:AssumeRole`` into the ``locked`` account's role is refused with ``AccessDenied`` (in AWS: the
    role's trust policy does not trust the caller; moto lets anyone assume any role);
  - Lambda requests of one account in a region it has not enabled are refused with
    ``UnrecognizedClientException`` (what AWS answers in a disabled opt-in region);
  - ListLayerVersions of another account's layer is refused with ``AccessDeniedException`` (layer
    permissions can only grant GetLayerVersion).
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

import boto3
import pytest
from lockverify_world import AccountRouter, Layer, World, ZipServer, _aws_error, _aws_policy_document

MGMT = "100000000001"  # the management account: the caller of every test run
DATADOG = "464622532012"  # Datadog's publishing account, as the catalog knows it
OUTSIDER = "777788889999"  # a publisher no policy allows
REGIONS = ("ca-central-1", "sa-east-1")  # regions no other test module publishes in
ROLE = "OrganizationAccountAccessRole"

_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/")
_LIST_VERSIONS = re.compile(r"^/2018-10-31/layers/(?P<name>[^/]+)/versions$")


class InventoryRouter(AccountRouter):
    """The lock/verify router plus the three AWS answers listed in the module docstring."""

    def __init__(self, moto_url: str, zips: ZipServer, world: World) -> None:
        super().__init__(moto_url, zips, world)
        self.refused_roles: set[str] = set()
        self.disabled: set[tuple[str, str]] = set()  # (account, region) not enabled
        self.requests: dict[str, int] = {}
        self._count = threading.Lock()

    def handle(self, h: BaseHTTPRequestHandler, body: bytes) -> None:
        scope = _SCOPE.search(h.headers.get("Authorization", ""))
        region, service = (scope.group(2), scope.group(3)) if scope else ("", "")
        with self._count:
            self.requests[service] = self.requests.get(service, 0) + 1
        if service == "sts":
            form = urllib.parse.parse_qs(body.decode())
            role = (form.get("RoleArn") or [""])[0]
            if form.get("Action") == ["AssumeRole"] and role in self.refused_roles:
                caller = self._caller(h.headers.get("Authorization", ""))[1]
                self._reply(h, *_sts_error(f"User: {caller} is not authorized to perform: sts:AssumeRole on "
                                           f"resource: {role}"))
                return
        if service == "lambda":
            caller = self._caller(h.headers.get("Authorization", ""))[0]
            if (caller, region) in self.disabled:
                self._reply(h, *_aws_error(403, "UnrecognizedClientException",
                                           "The security token included in the request is invalid."))
                return
            m = _LIST_VERSIONS.match(urllib.parse.urlsplit(h.path).path) if h.command == "GET" else None
            name = urllib.parse.unquote(m["name"]) if m else ""
            if name.startswith("arn:") and name.split(":")[4] != caller:
                self._reply(h, *_aws_error(403, "AccessDeniedException",
                                           f"User: {self._caller(h.headers.get('Authorization', ''))[1]} is not "
                                           f"authorized to perform: lambda:ListLayerVersions on resource: {name}"))
                return
        super().handle(h, body)


class OrgWorld(World):
    """The lock/verify world, with the organization id moto gave this organization: a layer version shared
    with the organization (``aws:PrincipalOrgID``) is usable by its member accounts, as in AWS."""

    org_id: str = ""

    def grants(self, version_arn: str, caller: str) -> bool:
        account, region = version_arn.split(":")[4], version_arn.split(":")[3]
        layer, version = version_arn.rsplit(":", 1)
        client = self.lambda_client(account, region)
        try:
            doc = client.get_layer_version_policy(LayerName=layer, VersionNumber=int(version))
        except client.exceptions.ResourceNotFoundException as exc:
            return "Cannot find layer" in str(exc)
        for st in json.loads(_aws_policy_document(doc)["Policy"]).get("Statement", []):
            principal = st.get("Principal")
            principal = principal.get("AWS") if isinstance(principal, dict) else principal
            org = st.get("Condition", {}).get("StringEquals", {}).get("aws:PrincipalOrgID")
            if st.get("Action") not in ("lambda:GetLayerVersion", "lambda:*"):
                continue
            if org is not None and not (org == self.org_id and caller in self.org_accounts):
                continue
            if principal in ("*", caller, f"arn:aws:iam::{caller}:root"):
                return True
        return False


def _sts_error(message: str) -> tuple[int, list[tuple[str, str]], bytes]:
    body = (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
        f"<Code>AccessDenied</Code><Message>{message}</Message></Error>"
        "<RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>"
    ).encode()
    return 403, [("Content-Type", "text/xml")], body


@dataclass
class Org:
    """The organization the tests inventory; ``ids`` maps the names below to moto's account ids."""

    world: World
    router: InventoryRouter
    org_id: str
    ids: dict[str, str]  # management, team-a, team-b, legacy (SUSPENDED), locked (role refused)
    caller_env: dict[str, str]  # the management account's credentials, for the command under test
    layers: dict[str, Layer] = field(default_factory=dict)
    function_arns: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.router.url


def _session(moto_url: str, account: str, role: str) -> dict[str, str]:
    sts = boto3.client("sts", region_name="us-east-1", endpoint_url=moto_url,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{role}", RoleSessionName="setup")["Credentials"]
    return {"aws_access_key_id": creds["AccessKeyId"], "aws_secret_access_key": creds["SecretAccessKey"],
            "aws_session_token": creds["SessionToken"]}


def create_function(world: World, account: str, region: str, name: str, layers: list[Layer],
                    *, runtime: str = "python3.12", architecture: str = "x86_64") -> str:
    """A function whose Layers are ``layers``; those of other accounts are set in moto's backend (see above)."""
    from moto.awslambda.models import lambda_backends

    client = world.lambda_client(account, region)
    iam = boto3.client("iam", region_name=region, endpoint_url=world.moto_url,
                       **_session(world.moto_url, account, "publisher"))
    try:
        role = iam.get_role(RoleName="fn")["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17"}))["Role"]["Arn"]
    own = [layer.arn for layer in layers if layer.arn.split(":")[4] == account]
    answer = client.create_function(FunctionName=name, Runtime=runtime, Role=role, Handler="app.handler",
                                    Code={"ZipFile": b"def handler(event, context): pass"}, Layers=own,
                                    Architectures=[architecture])
    if len(own) != len(layers):
        fn = lambda_backends[account][region].get_function(name)
        fn.layers = [{"Arn": layer.arn, "CodeSize": len(layer.zip)} for layer in layers]
    return str(answer["FunctionArn"])


def build(moto_url: str) -> Org:
    world = OrgWorld(moto_url=moto_url)
    world.zips = ZipServer()
    router = InventoryRouter(moto_url, world.zips, world)
    world.router = router
    world.url = router.url
    mgmt = _session(moto_url, MGMT, "auditor")
    org = boto3.client("organizations", region_name="us-east-1", endpoint_url=moto_url, **mgmt)
    org_id = org.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    ids = {"management": MGMT}
    for name in ("team-a", "team-b", "legacy", "locked"):
        ids[name] = org.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]["AccountId"]
    world.org_id = org_id
    world.org_accounts = set(ids.values())
    ca, sa = REGIONS
    o = Org(world, router, org_id, ids, {
        "AWS_ACCESS_KEY_ID": mgmt["aws_access_key_id"], "AWS_SECRET_ACCESS_KEY": mgmt["aws_secret_access_key"],
        "AWS_SESSION_TOKEN": mgmt["aws_session_token"], "AWS_DEFAULT_REGION": ca,
    })
    L = o.layers
    # The management account's platform layer: three versions; :1 public, :3 shared with the organization.
    for v in (1, 2, 3):
        L[f"platform-utils:{v}"] = world.publish(MGMT, ca, "platform-utils", {"python/platform.py": f"V = {v}\n"})
    world.share(L["platform-utils:1"], principal="*", sid="everyone")
    world.share(L["platform-utils:3"], principal="*", organization=org_id, sid="org")
    L["old-auth:1"] = world.publish(MGMT, ca, "old-auth")  # used by nobody
    L["dd-ext"] = world.publish(DATADOG, ca, "Datadog-Extension", {"extensions/datadog-agent": "#!/bin/sh\n"})
    world.share(L["dd-ext"], principal="*", sid="public")
    L["fancy-lib"] = world.publish(OUTSIDER, ca, "fancy-lib")
    world.share(L["fancy-lib"], principal=ids["team-a"], sid="team-a")
    L["orders-common:1"] = world.publish(ids["team-a"], sa, "orders-common", {"python/orders.py": "V = 1\n"})
    L["orders-common:2"] = world.publish(ids["team-a"], sa, "orders-common", {"python/orders.py": "V = 2\n"})
    L["legacy-pdf"] = world.publish(ids["legacy"], sa, "legacy-pdf")
    world.share(L["legacy-pdf"], principal=ids["team-b"], sid="team-b")
    F = o.function_arns
    F["billing"] = create_function(world, MGMT, ca, "billing", [L["platform-utils:1"], L["dd-ext"]])
    F["orders-api"] = create_function(world, ids["team-a"], ca, "orders-api", [L["platform-utils:3"], L["fancy-lib"]],
                                      architecture="arm64")
    F["orders-worker"] = create_function(world, ids["team-a"], sa, "orders-worker", [L["orders-common:1"]])
    F["reports"] = create_function(world, ids["team-b"], sa, "reports", [L["legacy-pdf"]], runtime="nodejs20.x")
    F["nolayers"] = create_function(world, ids["team-b"], ca, "nolayers", [])
    org.close_account(AccountId=ids["legacy"])
    router.refused_roles.add(f"arn:aws:iam::{ids['locked']}:role/{ROLE}")
    return o


_BUILT: dict[str, Org] = {}  # by moto endpoint: an account can create only one organization


@pytest.fixture(scope="session", name="org")
def org_fixture(aws_endpoint: str) -> Iterator[Org]:
    """Import ``org_fixture`` into a test module to use the ``org`` fixture. Every module that imports it gets
    the same organization, built by the first; that one's teardown stops the router at the session's end."""
    first = aws_endpoint not in _BUILT
    if first:
        _BUILT[aws_endpoint] = build(aws_endpoint)
    o = _BUILT[aws_endpoint]
    try:
        yield o
    finally:
        if first:
            o.router.stop()
            assert o.world.zips is not None
            o.world.zips.stop()


def env(monkeypatch: pytest.MonkeyPatch, o: Org) -> None:
    """The command under test runs as the management account, nothing read from ~/.aws."""
    import os

    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key, raising=False)
    for key, value in o.caller_env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
