"""A small AWS world for the lock/verify tests: layers published from several accounts and regions.

The layers live in moto (server mode on loopback, the ``aws_endpoint`` fixture). moto keeps each
account's layers apart and answers a GetLayerVersion from the *caller's* account state only, so a
consumer could never read another account's layer there. ``AccountRouter`` is a small HTTP front on
loopback that adds what real Lambda does and moto does not, and forwards everything else unchanged:

- a layer version ARN of another account is looked up in that account (moto's ``x-moto-account-id``);
- that other account's version is refused with AWS's ``AccessDeniedException`` unless its resource
  policy (read from moto) grants ``lambda:GetLayerVersion`` to the caller's account, ``*``, or the
  caller's organization; its GetLayerVersionPolicy is refused to everyone but the owner, as in AWS;
- ``Content.Location`` (moto answers ``s3://``) becomes a URL on ``ZipServer``, which serves the
  published zip the way a presigned S3 URL would;
- moto writes ``OrganizationId`` raw into a layer policy statement; AWS shows it as an
  ``aws:PrincipalOrgID`` condition, so the router does too;
- for a few named layer versions, a fault: AWS's throttling or expired-token answer, or a delay;
- moto publishes no signed layers: for versions a test signs (``World.sign``), GetLayerVersion carries the
  ``Content.SigningProfileVersionArn`` and ``Content.SigningJobArn`` AWS returns for a signed layer.

Everything the commands under test send and receive is real HTTP with real botocore parsing.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.client
import io
import itertools
import json
import re
import threading
import urllib.parse
import uuid
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest

_RUN = uuid.uuid4().hex[:6]
_NAMES = itertools.count(1)
CONSUMER = "123456789012"  # moto's account for the plain "testing" keys the tests use
ORG_ID = "o-lg0example1"

_LAYER_PATH = re.compile(r"^/2018-10-31/layers/(?P<name>[^/]+)/versions/(?P<version>\d+)(?P<policy>/policy)?$")
_LIST_PATH = re.compile(r"^/2018-10-31/layers/(?P<name>[^/]+)/versions$")
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/")
_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "proxy-connection"}


def make_zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in sorted(files.items()):
            zf.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), text)
    return buf.getvalue()


@dataclass
class Fault:
    status: int = 0  # 0: no error answer, only the delay
    code: str = ""
    message: str = ""
    delay: float = 0.0


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class ZipServer:
    """Serves layer zips by path, like the presigned S3 URL in ``Content.Location``."""

    def __init__(self) -> None:
        self.contents: dict[str, bytes] = {}
        self.requests: Counter[str] = Counter()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = urllib.parse.urlsplit(self.path).path
                outer.requests[path] += 1
                body = outer.contents.get(path)
                if body is None:
                    self.send_response(403)
                    self.send_header("Content-Type", "application/xml")
                    payload = b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/zip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def path_for(self, version_arn: str) -> str:
        return "/layers/" + urllib.parse.quote(version_arn, safe="")

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class AccountRouter:
    """The HTTP front described in the module docstring."""

    def __init__(self, moto_url: str, zips: ZipServer, world: World) -> None:
        self.moto = urllib.parse.urlsplit(moto_url)
        self.zips = zips
        self.world = world
        self.faults: dict[str, Fault] = {}  # by layer version ARN
        self.signatures: dict[str, tuple[str, str]] = {}  # version ARN -> (profile version ARN, job ARN)
        self.hits: Counter[tuple[str, str]] = Counter()  # (operation, version ARN)
        self._accounts: dict[str, tuple[str, str]] = {}
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                outer.handle(self, body)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    # -- request handling -------------------------------------------------------------------------------
    def handle(self, h: BaseHTTPRequestHandler, body: bytes) -> None:
        headers = {k: v for k, v in h.headers.items() if k.lower() not in _HOP}
        path = urllib.parse.urlsplit(h.path).path
        listing = _LIST_PATH.match(path) if h.command == "GET" else None
        if listing is not None:
            self._list(h, urllib.parse.unquote(listing["name"]), headers, body)
            return
        m = _LAYER_PATH.match(path) if h.command == "GET" else None
        if m is None:
            self._reply(h, *self._forward(h.command, h.path, headers, body))
            return
        version_arn = f"{urllib.parse.unquote(m['name'])}:{m['version']}"
        operation = "GetLayerVersionPolicy" if m["policy"] else "GetLayerVersion"
        with self._lock:
            self.hits[(operation, version_arn)] += 1
        fault = self.faults.get(version_arn)
        if fault is not None:
            threading.Event().wait(fault.delay)
            if fault.status:
                self._reply(h, *_aws_error(fault.status, fault.code, fault.message))
                return
        owner = version_arn.split(":")[4] if version_arn.startswith("arn:") else None
        caller, caller_arn = self._caller(h.headers.get("Authorization", ""))
        if owner is not None and owner != caller:
            headers["x-moto-account-id"] = owner
            if operation == "GetLayerVersionPolicy" or not self.world.grants(version_arn, caller):
                message = (
                    f"User: {caller_arn} is not authorized to perform: lambda:{operation} on resource: "
                    f"{version_arn} because no resource-based policy allows the lambda:{operation} action"
                )
                self._reply(h, *_aws_error(403, "AccessDeniedException", message))
                return
        status, out_headers, out = self._forward(h.command, h.path, headers, body)
        if status == 200 and operation == "GetLayerVersion":
            doc = json.loads(out)
            doc["Content"]["Location"] = (
                self.zips.url + self.zips.path_for(version_arn) + "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=600"
            )
            signed = self.signatures.get(version_arn)
            if signed is not None:
                doc["Content"]["SigningProfileVersionArn"], doc["Content"]["SigningJobArn"] = signed
            out = json.dumps(doc).encode()
        elif status == 200:
            out = json.dumps(_aws_policy_document(json.loads(out))).encode()
        self._reply(h, status, out_headers, out)

    def _list(self, h: BaseHTTPRequestHandler, layer: str, headers: dict[str, str], body: bytes) -> None:
        """ListLayerVersions as AWS answers it: only the owner may list, and by name or by layer ARN
        (moto finds nothing for an ARN, and would list the caller's namesake of another account's layer)."""
        owner = layer.split(":")[4] if layer.startswith("arn:") else None
        caller, caller_arn = self._caller(h.headers.get("Authorization", ""))
        if owner is not None and owner != caller:
            message = (f"User: {caller_arn} is not authorized to perform: lambda:ListLayerVersions on resource: "
                       f"{layer} because no resource-based policy allows the lambda:ListLayerVersions action")
            self._reply(h, *_aws_error(403, "AccessDeniedException", message))
            return
        name = layer.rsplit(":", 1)[-1] if owner is not None else layer
        query = urllib.parse.urlsplit(h.path).query
        target = f"/2018-10-31/layers/{urllib.parse.quote(name, safe='')}/versions" + (f"?{query}" if query else "")
        with self._lock:
            self.hits[("ListLayerVersions", layer)] += 1
        self._reply(h, *self._forward(h.command, target, headers, body))

    def _caller(self, authorization: str) -> tuple[str, str]:
        """The caller's account and ARN, as moto's STS sees the request's access key."""
        m = _CREDENTIAL.search(authorization)
        key = m.group(1) if m else "AKIAEXAMPLE"
        with self._lock:
            if key not in self._accounts:
                sts = boto3.client(
                    "sts", region_name="us-east-1", endpoint_url=self.moto.geturl(),
                    aws_access_key_id=key, aws_secret_access_key="unused",
                )
                ident = sts.get_caller_identity()
                self._accounts[key] = (ident["Account"], ident["Arn"])
            return self._accounts[key]

    def _forward(self, method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, Any, bytes]:
        conn = http.client.HTTPConnection(self.moto.hostname, self.moto.port, timeout=60)
        try:
            conn.request(method, target, body=body or None, headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.getheaders(), resp.read()
        finally:
            conn.close()

    @staticmethod
    def _reply(h: BaseHTTPRequestHandler, status: int, headers: Any, body: bytes) -> None:
        h.send_response(status)
        for k, v in headers:
            if k.lower() not in _HOP:
                h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)


def _aws_error(status: int, code: str, message: str) -> tuple[int, list[tuple[str, str]], bytes]:
    body = json.dumps({"Type": "User", "message": message}).encode()
    return status, [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)], body


def _aws_policy_document(doc: dict[str, Any]) -> dict[str, Any]:
    policy = json.loads(doc.get("Policy") or "{}")
    for st in policy.get("Statement", []):
        org = st.pop("OrganizationId", None)
        if org:
            st.setdefault("Condition", {}).setdefault("StringEquals", {})["aws:PrincipalOrgID"] = org
    doc["Policy"] = json.dumps(policy)
    return doc


@dataclass(frozen=True)
class Layer:
    arn: str  # version ARN
    zip: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.zip).hexdigest()

    @property
    def sha512(self) -> str:
        return hashlib.sha512(self.zip).hexdigest()

    @property
    def code_sha256_b64(self) -> str:
        return base64.b64encode(hashlib.sha256(self.zip).digest()).decode()


@dataclass
class World:
    moto_url: str
    url: str = ""  # the router: what the commands under test use as --endpoint-url
    router: AccountRouter | None = None
    zips: ZipServer | None = None
    org_accounts: set[str] = field(default_factory=set)  # accounts in ORG_ID (the consumer's org)
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict)

    def lambda_client(self, account: str, region: str) -> Any:
        """A Lambda client acting as ``account`` (moto maps assumed-role keys to their account)."""
        key = (account, region)
        if key not in self._clients:
            sts = boto3.client("sts", region_name="us-east-1", endpoint_url=self.moto_url,
                               aws_access_key_id="testing", aws_secret_access_key="testing")
            creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/publisher",
                                    RoleSessionName="publisher")["Credentials"]
            self._clients[key] = boto3.client(
                "lambda", region_name=region, endpoint_url=self.moto_url,
                aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"],
            )
        return self._clients[key]

    def unique(self, stem: str) -> str:
        """A layer name no other test (of any module, or of another suite on the same moto) uses."""
        return f"{stem}-{_RUN}-{next(_NAMES)}"

    def publish(self, account: str, region: str, name: str, files: dict[str, str] | None = None,
                data: bytes | None = None) -> Layer:
        """``data``: the content as given (any bytes stand in for a zip where only the digest matters)."""
        data = data if data is not None else make_zip(files or {"python/mod.py": f"NAME = {name!r}\n"})
        answer = self.lambda_client(account, region).publish_layer_version(
            LayerName=name, Content={"ZipFile": data}, CompatibleRuntimes=["python3.12"]
        )
        layer = Layer(answer["LayerVersionArn"], data)
        assert self.zips is not None
        self.zips.contents[self.zips.path_for(layer.arn)] = data
        return layer

    def share(self, layer: Layer, principal: str = "*", organization: str | None = None, sid: str = "share") -> None:
        account, region = layer.arn.split(":")[4], layer.arn.split(":")[3]
        extra = {"OrganizationId": organization} if organization else {}
        self.lambda_client(account, region).add_layer_version_permission(
            LayerName=layer.arn.rsplit(":", 1)[0], VersionNumber=int(layer.arn.rsplit(":", 1)[1]),
            StatementId=sid, Action="lambda:GetLayerVersion", Principal=principal, **extra,
        )

    def delete(self, layer: Layer) -> None:
        account, region = layer.arn.split(":")[4], layer.arn.split(":")[3]
        self.lambda_client(account, region).delete_layer_version(
            LayerName=layer.arn.rsplit(":", 1)[0], VersionNumber=int(layer.arn.rsplit(":", 1)[1])
        )

    def grants(self, version_arn: str, caller: str) -> bool:
        """Whether the owner's layer version policy lets ``caller`` use the version (AWS's rule)."""
        account, region = version_arn.split(":")[4], version_arn.split(":")[3]
        client = self.lambda_client(account, region)
        try:
            doc = client.get_layer_version_policy(
                LayerName=version_arn.rsplit(":", 1)[0], VersionNumber=int(version_arn.rsplit(":", 1)[1])
            )
        except client.exceptions.ResourceNotFoundException as exc:
            # No policy: only the owner may use it. No version at all: let moto say so (404).
            return "Cannot find layer" in str(exc)
        for st in json.loads(_aws_policy_document(doc)["Policy"]).get("Statement", []):
            principal = st.get("Principal")
            principal = principal.get("AWS") if isinstance(principal, dict) else principal
            org = st.get("Condition", {}).get("StringEquals", {}).get("aws:PrincipalOrgID")
            if st.get("Action") not in ("lambda:GetLayerVersion", "lambda:*"):
                continue
            if org is not None and not (org == ORG_ID and caller in self.org_accounts):
                continue
            if principal in ("*", caller, f"arn:aws:iam::{caller}:root"):
                return True
        return False

    def sign(self, layer: Layer, profile_version_arn: str, job_arn: str) -> None:
        """From now on GetLayerVersion says ``layer`` was published from this signing job."""
        assert self.router is not None
        self.router.signatures[layer.arn] = (profile_version_arn, job_arn)

    def fault(self, layer: Layer | str, fault: Fault) -> None:
        assert self.router is not None
        self.router.faults[layer if isinstance(layer, str) else layer.arn] = fault

    def clear_faults(self) -> None:
        assert self.router is not None
        self.router.faults.clear()


@contextlib.contextmanager
def running_world(moto_url: str, org_accounts: set[str]) -> Iterator[World]:
    """A World in front of the moto server at ``moto_url``, with its router and zip server running."""
    w = World(moto_url=moto_url, org_accounts=org_accounts)
    w.zips = ZipServer()
    w.router = AccountRouter(moto_url, w.zips, w)
    w.url = w.router.url
    try:
        yield w
    finally:
        w.router.stop()
        w.zips.stop()


@pytest.fixture(scope="session", name="world")
def world_fixture(aws_endpoint: str) -> Iterator[World]:
    """Import ``world_fixture`` into a test module to use the ``world`` fixture."""
    with running_world(aws_endpoint, {CONSUMER, "333333333333"}) as w:
        yield w
