"""LG101 floating-reference: the layer version is decided at deploy time, not in the repository.

A DYNAMIC entry (SSM parameter, ``{{resolve:ssm:...}}``, a Terraform data source without ``version``,
a Serverless ``${ssm:}``/``${env:}`` variable) is an error: whatever the gate checked, the deploy may
use something else. A PARAMETER entry whose value is only the parameter's *default* is a warning: the
value is in the repository, but a deploy can override it without the gate seeing it. A value from a
parameters file or from the command line is what the deploy uses, so it is checked like a literal.
"""

from __future__ import annotations

from collections.abc import Iterator

from layergate.checks import Context
from layergate.checks.common import arns, entry, function, publisher
from layergate.model import Finding, LayerRef, ResolutionKind, Scan, Severity
from layergate.rule import Rule

RULE = Rule(
    id="LG101",
    slug="floating-reference",
    severity=Severity.ERROR,
    title="Layer version decided at deploy time, not in the repository",
    fix="Pin the version in the repository: a layer version ARN, a data source with a version, or "
    "parameter values from a committed file passed with --parameters.",
)

# Where a parameter value came from, when it is only a fallback the deploy can replace.
_DEFAULT = "default"


def check(scan: Scan, ctx: Context) -> Iterator[Finding]:
    for ref in scan.refs:
        kind = ref.resolution.kind
        if kind is ResolutionKind.DYNAMIC:
            reason = ref.resolution.detail or "no reason given"
            yield RULE.finding(
                ref.location,
                f"{function(ref)} takes {entry(ref, reason)} that the repository does not pin: {reason}"
                f"{_today(ref, ctx)}",
                arn=_first_arn(ref),
                consumer=ref.consumer,
            )
        elif kind is ResolutionKind.PARAMETER and ref.candidates and _overridable(ref):
            yield RULE.finding(
                ref.location,
                f"{function(ref)} takes layer {_values(ref, ctx)} through {_parameters(ref)}; a deploy can"
                " override it without this check seeing the value",
                arn=_first_arn(ref),
                consumer=ref.consumer,
                severity=Severity.WARNING,
                fix="Write the layer version ARN in place of the parameter, or commit the values the deploy "
                "uses and pass them to layergate (--parameters FILE, --env NAME=VALUE).",
            )


def _overridable(ref: LayerRef) -> bool:
    """Some parameter the value depends on took its declared default (or its origin is not known)."""
    sources = [s.strip() for s in ref.resolution.source.split(", ")]
    return _DEFAULT in sources or not ref.resolution.source


def _parameters(ref: LayerRef) -> str:
    res = ref.resolution
    if res.source == _DEFAULT:  # every parameter involved took its default (one, usually)
        return f"the default of parameter {res.detail}"
    return f"parameters {res.detail} (values from: {res.source or 'unknown'})"


def _values(ref: LayerRef, ctx: Context) -> str:
    parsed = arns(ref)
    if not parsed:
        return ", ".join(repr(c.value) for c in ref.candidates)
    return ", ".join(f"{arn} from {publisher(ctx, arn)}" for arn in parsed)


def _today(ref: LayerRef, ctx: Context) -> str:
    """What the dynamic value resolves to now, when the parser could see it (a plan's data source)."""
    return f" (currently {_values(ref, ctx)})" if ref.candidates else ""


def _first_arn(ref: LayerRef) -> str | None:
    parsed = arns(ref)
    return str(parsed[0]) if parsed else None
