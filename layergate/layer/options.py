"""Command-line options `inspect` and `diff` share: the reading limits and AWS access for ARN inputs.

Imported when the CLI builds its parser, so it imports nothing beyond the limits record.
"""

from __future__ import annotations

import argparse
import re

from layergate.layer.limits import Limits

_SIZE = re.compile(r"(\d+)\s*([KMG]?)(?:I?B)?", re.IGNORECASE)
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


def size_arg(text: str) -> int:
    """``262144000``, ``250M`` (MiB), ``1G``."""
    m = _SIZE.fullmatch(text.strip())
    if m is None or int(m.group(1)) <= 0:
        raise argparse.ArgumentTypeError(f"expected a size such as 262144000, 300M or 1G, got {text!r}")
    return int(m.group(1)) * _UNITS[m.group(2).upper()]


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return int(text)


def add_layer_options(parser: argparse.ArgumentParser) -> None:
    default = Limits()
    limits = parser.add_argument_group("limits (an archive over one is not read at all)")
    limits.add_argument("--max-size", type=size_arg, default=default.max_bytes, metavar="SIZE",
                        help=f"total uncompressed size (default: {default.max_bytes}, Lambda's 250 MB unzipped "
                             "limit; suffixes K, M, G are binary)")
    limits.add_argument("--max-files", type=positive_int, default=default.max_files, metavar="N",
                        help=f"number of entries (default: {default.max_files})")
    limits.add_argument("--max-ratio", type=positive_int, default=default.max_ratio, metavar="N",
                        help=f"compression ratio of any entry of {default.ratio_floor >> 20} MiB or more "
                             f"(default: {default.max_ratio}, i.e. {default.max_ratio}:1)")
    aws = parser.add_argument_group("layer version ARNs (downloaded with the standard boto3 credential chain)")
    aws.add_argument("--profile", metavar="NAME", help="named profile from ~/.aws/config (default: AWS_PROFILE)")
    aws.add_argument("--endpoint-url", metavar="URL",
                     help="Lambda endpoint to use instead of AWS's (a VPC endpoint, or a local test endpoint)")
    aws.add_argument("--policy", metavar="FILE",
                     help="policy whose layers: entries give the recorded SHA-256 an ARN's zip must match "
                          "(default: .layergate.yaml found from the current directory; without one, the "
                          "SHA-256 AWS publishes)")


def limits_from(args: argparse.Namespace) -> Limits:
    return Limits(max_bytes=args.max_size, max_files=args.max_files, max_ratio=args.max_ratio)


