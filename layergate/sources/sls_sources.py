"""The variable sources that need no file and no other part of the configuration: options, stage, region,
environment, params, and the sources decided outside the repository.

Each handler returns the value (an ``Item`` recording the variable as a ``Use``), ``Absent`` when the source
gives nothing (so the next fallback is tried), or an ``Unresolved`` item. Only ``ParseOptions`` are read:
never the environment layergate itself runs in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from layergate.model import ResolutionKind
from layergate.records import dataclass
from layergate.sources import ACCOUNT_HINT
from layergate.sources.sls_syntax import Variable
from layergate.sources.sls_tree import DONE, Item, Unresolved, Use, scalar_text

if TYPE_CHECKING:
    from layergate.sources.sls_variables import Resolver

DYNAMIC, UNKNOWN = ResolutionKind.DYNAMIC, ResolutionKind.UNKNOWN

# Sources whose value is read from AWS or elsewhere when the deploy runs.
DEPLOY_TIME = {
    "ssm": (DYNAMIC, "an SSM parameter, read at deploy time"),
    "cf": (UNKNOWN, "an output of another CloudFormation stack, known only at deploy time"),
    "s3": (UNKNOWN, "the content of an S3 object, read at deploy time"),
    "git": (UNKNOWN, "the state of the git checkout at deploy time"),
}
# Plugins that fill in layer ARNs through their own variable source.
PLUGIN_SOURCES = {
    "bref": "the Bref plugin puts its runtime layer ARN here at package time",
    "bref-extra": "the Bref extra-extensions plugin puts its layer ARN here at package time",
}


@dataclass(frozen=True, slots=True)
class Absent:
    """A source that gave no value: "unset" (a deploy may set it), "region-unset", "missing", "no-file"."""

    why: str
    reason: str


def unresolved(kind: ResolutionKind, reason: str, at: Item, uses: tuple[Use, ...] = ()) -> Item:
    return Item(Unresolved(kind, reason), at.file, at.line, at.column, uses=uses, state=DONE)


def _value(value: object, at: Item, use: Use) -> Item:
    return Item(value, at.file, at.line, at.column, uses=(use,), state=DONE)


def opt(r: Resolver, address: str | None, var: Variable, at: Item, params: Sequence[object]) -> Item | Absent:
    if address == "stage":
        r.stage_used = True
        if r.run.stage is not None:
            return _value(r.run.stage, at, Use(var.text, "parameter", r.run.stage_source))
    if address == "region":
        r.region_option_used = True
        if r.run.region is not None:
            return _value(r.run.region, at, Use(var.text, "region", "command line"))
        return Absent("region-unset", "option --region is given on the deploy's command line (not to layergate)")
    return Absent("unset", f"option --{address} is given on the deploy's command line (not to layergate)")


def sls(r: Resolver, address: str | None, var: Variable, at: Item, params: Sequence[object]) -> Item | Absent:
    if address == "stage":
        # The stage's own origin (provider.stage, --stage) is summed up by this one use.
        source = r.run.stage_source if r.run.stage else "default"
        return _value(r.stage(), at, Use(var.text, "parameter", source))
    if address == "instanceId":
        return unresolved(DYNAMIC, f"{var.text}: a new id for every deploy", at)
    return unresolved(UNKNOWN, f"{var.text}: unsupported 'sls' address", at)


def aws(r: Resolver, address: str | None, var: Variable, at: Item, params: Sequence[object]) -> Item | Absent:
    if address in ("region", "partition"):
        region = r.region()
        if region is None:
            unknown = r.region_unknown
            assert unknown is not None
            return unresolved(unknown.kind, f"{var.text}: {unknown.reason}", at)
        value = region if address == "region" else partition_of(region)
        return _value(value, at, Use(var.text, "region"))
    if address == "accountId":
        r.account_used = True
        if r.run.account is not None:
            return _value(r.run.account, at, Use(var.text, "parameter", "policy deploy_accounts"))
        return unresolved(UNKNOWN, f"{var.text}: {ACCOUNT_HINT}", at)
    return unresolved(UNKNOWN, f"{var.text}: unsupported 'aws' address", at)


def env(r: Resolver, address: str | None, var: Variable, at: Item, params: Sequence[object]) -> Item | Absent:
    if address and address in r.options.env:
        return _value(r.options.env[address], at, Use(var.text, "parameter", "command line"))
    return Absent("unset", f"environment variable {address} of the deploy (not given with --env)")


def param(r: Resolver, address: str | None, var: Variable, at: Item, params: Sequence[object]) -> Item | Absent:
    if address is not None and address in r.options.parameters:
        return _value(r.options.parameters[address], at, Use(var.text, "parameter", "command line"))
    stage = r.stage()
    # v3 writes params.<stage>, v4 stages.<stage>.params; the stage's own value wins over the defaults.
    for keys in (["stages", stage, "params"], ["params", stage], ["stages", "default", "params"],
                 ["params", "default"]):
        found = r.get([*keys, address or ""], deep=True)
        if found is not None and found.value is not None:
            return r.place(found, at, Use(var.text, "parameter", ".".join(keys)), ".".join([*keys, address or ""]))
    return Absent("unset", f"param '{address}' is not in params.{stage} or params.default; the"
                           " Serverless Dashboard or --param sets it at deploy")


def str_to_bool(r: Resolver, address: str | None, var: Variable, at: Item, params: Sequence[object]) -> Item | Absent:
    first = params[0] if params else None
    text = scalar_text(first.value if isinstance(first, Item) else first).strip().lower()
    if text in ("true", "1"):
        return _value(True, at, Use(var.text, "literal"))
    if text in ("false", "0"):
        return _value(False, at, Use(var.text, "literal"))
    return unresolved(UNKNOWN, f"{var.text}: {text!r} is not a boolean", at)


HANDLERS = {"opt": opt, "sls": sls, "aws": aws, "env": env, "param": param, "strToBool": str_to_bool}


_PARTITION_PREFIXES = (("us-isob-", "aws-iso-b"), ("us-isof-", "aws-iso-f"), ("us-iso-", "aws-iso"),
                       ("eu-isoe-", "aws-iso-e"), ("us-gov-", "aws-us-gov"), ("cn-", "aws-cn"))


def partition_of(region: str) -> str:
    return next((p for prefix, p in _PARTITION_PREFIXES if region.startswith(prefix)), "aws")
