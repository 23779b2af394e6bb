"""What lock and verify share: AWS options, the layer versions a scan references, reading them from AWS."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from layergate.arn import LayerArn, try_parse
from layergate.catalog import partition_of
from layergate.errors import LayergateError
from layergate.model import LayerRef, ResolutionKind, Scan
from layergate.records import dataclass

if TYPE_CHECKING:
    from layergate.aws.layers import Facts
    from layergate.aws.session import LambdaClients


def jobs_arg(text: str) -> int:
    from layergate.aws.session import MAX_JOBS

    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_JOBS:
        raise argparse.ArgumentTypeError(f"expected a number of requests from 1 to {MAX_JOBS}, got {text!r}")
    return value


def add_aws_options(parser: argparse.ArgumentParser) -> None:
    from layergate.aws.session import DEFAULT_JOBS

    group = parser.add_argument_group("AWS (credentials and endpoints come from the standard boto3 chain)")
    group.add_argument("--profile", metavar="NAME", help="named profile from ~/.aws/config (default: AWS_PROFILE)")
    group.add_argument("--endpoint-url", metavar="URL",
                       help="Lambda endpoint to use instead of AWS's (a VPC endpoint, or a local test endpoint)")
    group.add_argument("--jobs", type=jobs_arg, default=DEFAULT_JOBS, metavar="N",
                       help=f"concurrent AWS requests (default: {DEFAULT_JOBS})")


@dataclass(frozen=True, slots=True)
class Use:
    """One place a layer version is referenced."""

    scan: Scan
    ref: LayerRef


@dataclass(frozen=True, slots=True)
class Referenced:
    arn: LayerArn
    uses: tuple[Use, ...]


def referenced(scans: Iterable[Scan]) -> dict[str, Referenced]:
    """Every concrete layer version referenced (after region expansion), in first-seen order.

    Unparsable and unversioned values are left out: ``check`` reports them (LG104, LG102).
    """
    found: dict[str, tuple[LayerArn, list[Use]]] = {}
    for scan in scans:
        for ref in scan.refs:
            if ref.resolution.kind is ResolutionKind.INTERNAL:
                continue  # published by this deployment: no recorded hash applies (LG5xx cover it)
            for key, arn in _versions(ref).items():
                found.setdefault(key, (arn, []))[1].append(Use(scan, ref))
    return {key: Referenced(arn, tuple(uses)) for key, (arn, uses) in found.items()}


def _versions(ref: LayerRef) -> dict[str, LayerArn]:
    """The distinct concrete versions an entry can take, keyed as the policy keys them (canonical ARN)."""
    out: dict[str, LayerArn] = {}
    for candidate in ref.candidates:
        arn = try_parse(candidate.value)
        if arn is not None and arn.version is not None:
            out.setdefault(str(arn), arn)
    return out


def unreadable(arn: LayerArn) -> str | None:
    """Why ``arn`` cannot be asked of AWS at all (its partition contradicts its region), or None."""
    expected = partition_of(arn.region)
    if arn.partition != expected:
        return f"its partition {arn.partition!r} does not match region {arn.region} (partition {expected!r})"
    return None


def read_layers(args: argparse.Namespace, arns: Sequence[LayerArn], *, download: bool = False,
                policy_for: frozenset[str] = frozenset(), download_for: frozenset[str] = frozenset(),
                clients: LambdaClients | None = None) -> dict[str, Facts]:
    """Facts from AWS for every ARN (a progress bar on a terminal); ``policy_for`` names ARNs whose
    GetLayerVersionPolicy is read too, ``download_for`` those whose zip is downloaded (all with ``download``).
    ``clients`` (LambdaClients) reuses a command's clients."""
    from layergate.aws.layers import Request, fetch
    from layergate.aws.pool import Progress
    from layergate.aws.session import AwsSettings, LambdaClients

    if clients is None:
        clients = LambdaClients(AwsSettings(profile=args.profile, endpoint_url=args.endpoint_url, jobs=args.jobs))
    requests = [Request(arn, download=download or str(arn) in download_for, policy=str(arn) in policy_for)
                for arn in arns]
    progress = Progress(len(requests), "layer versions", stream=sys.stderr)
    return fetch(requests, clients, progress=progress)


def require_policy_file(path: str | None, command: str) -> str:
    if path is None:
        raise LayergateError(
            f"no .layergate.yaml found: {command} works on the policy file's layers: list; create one "
            "with `layergate init` (or a file holding 'version: 1'), or pass --policy FILE"
        )
    return path
