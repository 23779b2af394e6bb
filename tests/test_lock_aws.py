"""The AWS side of lock and verify, against moto on loopback (through lockverify_world's account router)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import free_port
from lockverify_world import CONSUMER, ORG_ID, Fault, World, world_fixture  # noqa: F401

from layergate.arn import LayerArn
from layergate.aws.download import Downloaded, DownloadError, download_sha256
from layergate.aws.failures import Unavailable
from layergate.aws.layers import Facts, Grant, Published, Request, fetch
from layergate.aws.session import AwsSettings, LambdaClients
from layergate.errors import OnlineError

pytestmark = pytest.mark.aws

DENIED = (
    "User: arn:aws:sts::123456789012:user/moto is not authorized to perform: lambda:{op} on resource: {arn} "
    "because no resource-based policy allows the lambda:{op} action"
)


def clients(url: str, **kw: Any) -> LambdaClients:
    return LambdaClients(AwsSettings(endpoint_url=url, **kw))


def published(world: World, layer: Any) -> Published:
    assert world.zips is not None
    location = f"{world.zips.url}{world.zips.path_for(layer.arn)}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=600"
    return Published(sha256=layer.sha256, code_size=len(layer.zip), location=location, created="")


def without_created(facts: Facts) -> Facts:
    if facts.published is None:
        return facts
    p = facts.published
    assert p.created.endswith("+0000")
    return Facts(facts.arn, Published(p.sha256, p.code_size, p.location, ""), facts.unavailable, facts.downloaded,
                 facts.download_problem, facts.grants, facts.policy_problem)


def test_layers_from_several_accounts_and_regions(world: World, aws_env: str) -> None:
    shared = world.publish("111111111111", "eu-west-1", world.unique("tools"))
    world.share(shared)
    private = world.publish("222222222222", "us-west-2", world.unique("private"))
    own = world.publish(CONSUMER, "us-east-1", world.unique("own"))
    gone = world.publish("111111111111", "eu-west-1", world.unique("gone"))
    world.share(gone)
    world.delete(gone)
    requests = [Request(LayerArn.parse(x.arn), download=True) for x in (shared, private, own, gone)]
    facts = {arn: without_created(f) for arn, f in fetch(requests, clients(world.url)).items()}
    assert facts == {
        shared.arn: Facts(LayerArn.parse(shared.arn), published(world, shared),
                          downloaded=Downloaded(shared.sha256, len(shared.zip), shared.sha512)),
        private.arn: Facts(LayerArn.parse(private.arn), unavailable=Unavailable(
            "AccessDeniedException", DENIED.format(op="GetLayerVersion", arn=private.arn))),
        own.arn: Facts(LayerArn.parse(own.arn), published(world, own), downloaded=Downloaded(own.sha256, len(own.zip), own.sha512)),
        gone.arn: Facts(LayerArn.parse(gone.arn), unavailable=Unavailable("ResourceNotFoundException",
                                                                          "Cannot find layer")),
    }


def test_each_arn_is_read_once(world: World, aws_env: str) -> None:
    layer = world.publish(CONSUMER, "eu-central-1", world.unique("once"))
    arn = LayerArn.parse(layer.arn)
    facts = fetch([Request(arn), Request(arn), Request(LayerArn.parse(layer.arn))], clients(world.url, jobs=4))
    assert list(facts) == [layer.arn]
    assert world.router is not None and world.router.hits[("GetLayerVersion", layer.arn)] == 1


def test_china_partition_is_read_in_its_own_region(world: World, aws_env: str) -> None:
    layer = world.publish("111111111111", "cn-north-1", world.unique("cn"))
    world.share(layer, principal=CONSUMER)
    assert layer.arn.startswith("arn:aws-cn:lambda:cn-north-1:111111111111:layer:")
    facts = fetch([Request(LayerArn.parse(layer.arn))], clients(world.url))
    assert without_created(facts[layer.arn]) == Facts(LayerArn.parse(layer.arn), published(world, layer))


def test_layer_version_policy_grants(world: World, aws_env: str) -> None:
    public = world.publish(CONSUMER, "us-east-1", world.unique("public"))
    world.share(public, sid="everyone")
    org = world.publish(CONSUMER, "us-east-1", world.unique("org"))
    world.share(org, organization=ORG_ID, sid="our-org")
    world.share(org, principal="210987654321", sid="partner")
    private = world.publish(CONSUMER, "us-east-1", world.unique("private"))
    vendor = world.publish("111111111111", "us-east-1", world.unique("vendor"))
    world.share(vendor)
    requests = [Request(LayerArn.parse(x.arn), policy=True) for x in (public, org, private, vendor)]
    facts = fetch(requests, clients(world.url))
    assert {arn: (f.grants, f.policy_problem) for arn, f in facts.items()} == {
        public.arn: ((Grant("everyone", "*", None),), ""),
        org.arn: ((Grant("our-org", "*", ORG_ID), Grant("partner", "210987654321", None)), ""),
        private.arn: ((), ""),
        vendor.arn: (None, "AccessDeniedException: " + DENIED.format(op="GetLayerVersionPolicy", arn=vendor.arn)),
    }
    assert [g.public for g in facts[public.arn].grants or ()] == [True]
    assert [g.public for g in facts[org.arn].grants or ()] == [False, False]


def test_throttling_past_the_retries_ends_the_run(
    world: World, aws_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    layer = world.publish(CONSUMER, "us-east-1", world.unique("busy"))
    world.fault(layer, Fault(429, "TooManyRequestsException", "Rate exceeded"))
    try:
        with pytest.raises(OnlineError) as err:
            fetch([Request(LayerArn.parse(layer.arn))], clients(world.url))
    finally:
        world.clear_faults()
    assert str(err.value) == (
        "throttled by AWS Lambda in us-east-1 after 2 attempts (TooManyRequestsException: Rate exceeded); "
        "wait and run again, or lower --jobs"
    )
    assert world.router is not None and world.router.hits[("GetLayerVersion", layer.arn)] == 2


def test_expired_token(world: World, aws_env: str) -> None:
    layer = world.publish(CONSUMER, "us-east-1", world.unique("expired"))
    world.fault(layer, Fault(403, "ExpiredTokenException", "The security token included in the request is expired"))
    try:
        with pytest.raises(OnlineError) as err:
            fetch([Request(LayerArn.parse(layer.arn))], clients(world.url))
    finally:
        world.clear_faults()
    assert str(err.value) == (
        "the AWS credentials have expired (ExpiredTokenException: The security token included in the request is "
        "expired); refresh them and run again"
    )


def test_no_credentials(world: World, aws_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(OnlineError) as err:
        fetch([Request(LayerArn.parse("arn:aws:lambda:us-east-1:123456789012:layer:x:1"))], clients(world.url))
    assert str(err.value) == (
        "no AWS credentials found: pass --profile, set AWS_PROFILE, or export AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY"
    )


def test_unknown_profile(aws_env: str) -> None:
    with pytest.raises(OnlineError) as err:
        LambdaClients(AwsSettings(profile="nope"))
    assert str(err.value) == "AWS profile 'nope' is not configured (see `aws configure list-profiles`)"


def test_endpoint_unreachable(aws_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(OnlineError) as err:
        fetch([Request(LayerArn.parse("arn:aws:lambda:us-east-1:123456789012:layer:x:1"))], clients(url))
    assert str(err.value) == f"AWS endpoint unreachable: {url} (Connection refused)"


# -- downloads against a local HTTP server ---------------------------------------------------------------


@pytest.fixture
def zip_site() -> Iterator[tuple[str, dict[str, tuple[int, dict[str, str], bytes]]]]:
    """A loopback server answering each path with a (status, headers, body) the test sets."""
    routes: dict[str, tuple[int, dict[str, str], bytes]] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, headers, body = routes.get(self.path.split("?")[0], (404, {}, b"no"))
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", routes
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_download_hashes_the_body(zip_site: Any) -> None:
    url, routes = zip_site
    routes["/z"] = (200, {"Content-Length": "5"}, b"hello")
    assert download_sha256(url + "/z?sig=1", expected_size=5) == Downloaded(
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", 5,
        "9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043",
    )


@pytest.mark.parametrize(
    ("route", "kwargs", "message"),
    [
        ((200, {"Content-Length": "6"}, b"hello!"), {"expected_size": 5},
         "the download is 6 bytes, more than the 5 bytes AWS reports (CodeSize)"),
        ((200, {}, b"hello!"), {"expected_size": 5},
         "the download is at least 6 bytes, more than the 5 bytes AWS reports (CodeSize)"),
        ((200, {}, b"x" * 100), {"max_bytes": 10}, "the download is at least 100 bytes, more than the 10-byte download cap"),
        ((200, {}, b""), {"expected_size": 11, "max_bytes": 10}, "the layer is 11 bytes, more than the 10-byte download cap"),
        ((403, {"Content-Length": "3"}, b"bad"), {}, "download refused: HTTP 403 Forbidden"),
    ],
    ids=["content-length-over-codesize", "body-over-codesize", "over-cap", "codesize-over-cap", "http-403"],
)
def test_download_refusals(zip_site: Any, route: Any, kwargs: dict[str, int], message: str) -> None:
    url, routes = zip_site
    routes["/z"] = route
    with pytest.raises(DownloadError) as err:
        download_sha256(url + "/z", **kwargs)
    assert str(err.value) == message


def test_download_needs_an_http_url() -> None:
    with pytest.raises(DownloadError) as err:
        download_sha256("s3://")
    assert str(err.value) == "Content.Location 's3://' is not an HTTP(S) URL that can be downloaded"


def test_unknown_region_is_named() -> None:
    from botocore.exceptions import EndpointConnectionError

    from layergate.aws.failures import fatal

    exc = EndpointConnectionError(endpoint_url="https://lambda.xx-nowhere-1.amazonaws.com/2018-10-31/layers/x")
    arn = "arn:aws:lambda:xx-nowhere-1:123456789012:layer:x:1"
    assert str(fatal(exc, operation="GetLayerVersion", subject=arn, region="xx-nowhere-1", endpoint=None,
                     region_known=False)) == (
        f"unknown region 'xx-nowhere-1' (in {arn}): botocore knows no Lambda endpoint for it and "
        "https://lambda.xx-nowhere-1.amazonaws.com cannot be reached; check the ARN, or pass --endpoint-url"
    )
    assert str(fatal(exc, operation="GetLayerVersion", subject=arn, region="xx-nowhere-1", endpoint=None)) == (
        "AWS endpoint unreachable: https://lambda.xx-nowhere-1.amazonaws.com (Could not connect to the endpoint URL: "
        "\"https://lambda.xx-nowhere-1.amazonaws.com/2018-10-31/layers/x\")"
    )
    assert LambdaClients(AwsSettings()).knows_region("eu-west-1")
    assert not LambdaClients(AwsSettings()).knows_region("xx-nowhere-1")
