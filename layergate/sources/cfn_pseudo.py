"""Pseudo parameters (``AWS::Region`` and friends) and dynamic references (``{{resolve:ssm:...}}``).

``AWS::Region`` expands to one value per deploy region (``--region`` or the policy's ``regions``);
``AWS::Partition`` and ``AWS::URLSuffix`` follow from the region. Values a repository cannot know
(the deploying account, the stack name) are reported as unknown with the reason.
"""

from __future__ import annotations

import re

from layergate.model import ResolutionKind
from layergate.sources import ACCOUNT_HINT
from layergate.sources.cfn_values import NO_VALUE, Alt, Problem, Value, known, unknown

_PARTITION_PREFIXES = (
    ("cn-", "aws-cn"),
    ("us-gov-", "aws-us-gov"),
    ("us-isob-", "aws-iso-b"),
    ("us-isof-", "aws-iso-f"),
    ("us-iso-", "aws-iso"),
    ("eu-isoe-", "aws-iso-e"),
)
_URL_SUFFIXES = {
    "aws": "amazonaws.com",
    "aws-cn": "amazonaws.com.cn",
    "aws-us-gov": "amazonaws.com",
    "aws-iso": "c2s.ic.gov",
    "aws-iso-b": "sc2s.sgov.gov",
    "aws-iso-e": "cloud.adc-e.uk",
    "aws-iso-f": "csp.hci.ic.gov",
}
# Stands for the deploying account inside a value until the template's layers and the deploy accounts
# decide it (``Evaluator.finish``); no real value contains a NUL.
OWN_ACCOUNT = "\x00AccountId\x00"  # no colon, so an ARN around it still splits into its fields
_DEPLOY_TIME = {
    "AWS::AccountId": f"AWS::AccountId is {ACCOUNT_HINT}",
    "AWS::StackName": "AWS::StackName is chosen at deploy time",
    "AWS::StackId": "AWS::StackId is known only after deploy",
    "AWS::NotificationARNs": "AWS::NotificationARNs is chosen at deploy time",
}
_REGION_HINT = "set `regions` in the policy or pass --region"


def partition_of(region: str) -> str:
    for prefix, partition in _PARTITION_PREFIXES:
        if region.startswith(prefix):
            return partition
    return "aws"


def is_pseudo(name: str) -> bool:
    return name.startswith("AWS::")


def pseudo(name: str, regions: tuple[str, ...]) -> Value:
    """The value of pseudo parameter ``name`` (which starts with ``AWS::``)."""
    if name == "AWS::NoValue":
        return known(NO_VALUE)
    if name in _DEPLOY_TIME:
        return unknown(_DEPLOY_TIME[name])
    if name in ("AWS::Region", "AWS::Partition", "AWS::URLSuffix"):
        if not regions:
            return unknown(f"{name} depends on the deploy region, which is not known ({_REGION_HINT})")
        if name == "AWS::Region":
            return Value(tuple(Alt(r, r) for r in regions))
        if name == "AWS::Partition":
            return Value(tuple(Alt(partition_of(r), r) for r in regions))
        return Value(tuple(Alt(_URL_SUFFIXES[partition_of(r)], r) for r in regions))
    return unknown(f"{name} is not a pseudo parameter CloudFormation defines")


# {{resolve:service:reference}}; the reference runs to the first "}}".
_DYNAMIC_REF = re.compile(r"\{\{resolve:([a-z-]+):(.*?)\}\}")
_VERSIONED = re.compile(r"^(.*):(\d+)$")


def dynamic_reference(value: str) -> Problem | None:
    """Why a value holding a dynamic reference is decided at deploy time, or None if it holds none."""
    if "{{resolve:" not in value:
        return None
    m = _DYNAMIC_REF.search(value)
    if m is None:
        return Problem(ResolutionKind.UNKNOWN, f"malformed dynamic reference in {value[:120]!r}")
    service, ref = m.group(1), m.group(2)
    written = m.group(0)
    if service in ("ssm", "ssm-secure"):
        v = _VERSIONED.match(ref)
        if v:
            how = f"pinned to parameter version {v.group(2)}, but its value is not in the repository"
            ref = v.group(1)
        else:
            how = "whatever its latest version holds"
        return Problem(ResolutionKind.DYNAMIC, f"{written} reads SSM parameter {ref} at deploy time ({how})")
    if service == "secretsmanager":
        secret = ref.split(":", 1)[0]
        return Problem(ResolutionKind.DYNAMIC, f"{written} reads secret {secret} from Secrets Manager at deploy time")
    return Problem(ResolutionKind.DYNAMIC, f"{written} is resolved at deploy time")
