"""Lambda layer ARNs: parsing and validation.

``arn:<partition>:lambda:<region>:<account>:layer:<name>[:<version>]``, and the AWS-managed
``arn:<partition>:lambda:::awslayer:<name>`` form that the CloudFormation schema accepts.
"""

from __future__ import annotations

import fnmatch
import functools
import re

from layergate.records import dataclass

PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f")

_LAYER_RE = re.compile(
    r"^arn:(?P<partition>[a-z-]+):lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):layer:"
    r"(?P<name>[A-Za-z0-9_-]{1,140})(?::(?P<version>[0-9]+))?$"
)
_AWSLAYER_RE = re.compile(r"^arn:(?P<partition>[a-z-]+):lambda:::awslayer:(?P<name>[A-Za-z0-9_-]{1,140})$")
_REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


class ArnError(ValueError):
    """A string that is not a valid layer ARN; the message says which part is wrong."""


@dataclass(frozen=True, slots=True)
class LayerArn:
    partition: str
    region: str
    account: str
    name: str
    version: int | None
    managed: bool = False  # the arn:...:lambda:::awslayer:<name> form

    @classmethod
    def parse(cls, text: str) -> LayerArn:
        result = _parse(text.strip())
        if isinstance(result, str):
            raise ArnError(result)
        return result

    @property
    def layer_arn(self) -> str:
        """The ARN without the version (what GetLayerVersion takes as LayerName)."""
        if self.managed:
            return f"arn:{self.partition}:lambda:::awslayer:{self.name}"
        return f"arn:{self.partition}:lambda:{self.region}:{self.account}:layer:{self.name}"

    def __str__(self) -> str:
        if self.version is None:
            return self.layer_arn
        return f"{self.layer_arn}:{self.version}"

    def with_version(self, version: int | None) -> LayerArn:
        return LayerArn(self.partition, self.region, self.account, self.name, version, self.managed)


@functools.lru_cache(maxsize=16384)
def _parse(text: str) -> LayerArn | str:
    """The ARN, or the reason it is not one. Cached: a large template repeats the same few ARNs."""
    m = _LAYER_RE.match(text)
    if m:
        partition = m["partition"]
        if partition not in PARTITIONS:
            return f"unknown partition {partition!r}"
        if not _REGION_RE.match(m["region"]):
            return f"{m['region']!r} is not a region"
        version = int(m["version"]) if m["version"] is not None else None
        if version == 0:
            return "layer versions start at 1"
        return LayerArn(partition, m["region"], m["account"], m["name"], version)
    m = _AWSLAYER_RE.match(text)
    if m:
        if m["partition"] not in PARTITIONS:
            return f"unknown partition {m['partition']!r}"
        return LayerArn(m["partition"], "", "", m["name"], None, managed=True)
    return _explain(text)


def _explain(text: str) -> str:
    """Say which part of a would-be layer ARN is wrong, so the user can fix it without the docs."""
    parts = text.split(":")
    if not text.startswith("arn:"):
        return "does not start with 'arn:'"
    if len(parts) > 2 and parts[2] != "lambda":
        return f"service is {parts[2]!r}, not 'lambda'"
    if len(parts) < 7:
        return "too few ':'-separated parts for a layer ARN (arn:partition:lambda:region:account:layer:name:version)"
    if parts[5] != "layer":
        return f"resource type is {parts[5]!r}, not 'layer'"
    if not re.fullmatch(r"\d{12}", parts[4]):
        return f"account {parts[4]!r} is not 12 digits"
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,140}", parts[6]):
        return f"layer name {parts[6]!r} may only hold letters, digits, '-' and '_' (1-140)"
    if len(parts) > 8:
        return "too many ':'-separated parts"
    if len(parts) == 8 and not parts[7].isdigit():
        return f"version {parts[7]!r} is not a positive integer"
    return "not a valid layer ARN"


def try_parse(text: str) -> LayerArn | None:
    result = _parse(text.strip())
    return None if isinstance(result, str) else result


def glob_match(pattern: str, arn: str) -> bool:
    """Case-sensitive shell-style match, as IAM's StringLike (``*`` and ``?``)."""
    return fnmatch.fnmatchcase(arn, pattern)
