"""A small evaluator of IAM deny statements, written from the IAM policy reference, independent of the
code that writes the SCPs.

Covered: Action (string or list, exact names), Condition operators StringLike/StringNotLike,
StringEquals/StringNotEquals, ArnLike/ArnNotLike, Null, and the ForAnyValue/ForAllValues set qualifiers.
Semantics (IAM policy reference, "Condition operators" and "Multivalued context keys"):

- ``*`` matches any run of characters (also ':' and the empty string), ``?`` exactly one; case-sensitive;
- several values under one operator are ORed; for a negated operator (StringNotLike, ...) the request
  value must match none of them;
- a plain operator on a key missing from the request is false, a negated one true;
- ForAnyValue: true when at least one request value satisfies the operator; false for an empty or missing set;
- ForAllValues: true when every request value satisfies it; true for an empty or missing set;
- Null "true": the key is missing (or an empty set); "false": it is present;
- all operators of one Condition block, and all keys under one operator, are ANDed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any


@dataclass(frozen=True)
class Request:
    action: str
    region: str = "us-east-1"
    layers: tuple[str, ...] | None = None  # lambda:Layer; None when the request sets no layers
    principal_arn: str = "arn:aws:iam::111111111111:role/deployer"
    extra: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def context(self) -> dict[str, list[str]]:
        ctx: dict[str, list[str]] = {
            "aws:RequestedRegion": [self.region],
            "aws:PrincipalArn": [self.principal_arn],
        }
        if self.layers is not None:
            ctx["lambda:Layer"] = list(self.layers)
        ctx.update({k: list(v) for k, v in self.extra.items()})
        return ctx


@lru_cache(maxsize=4096)
def _compiled(pattern: str) -> re.Pattern[str]:
    regex = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile(regex, flags=re.DOTALL)


def like(pattern: str, value: str) -> bool:
    return _compiled(pattern).fullmatch(value) is not None


_POSITIVE = {
    "StringLike": lambda p, v: like(p, v),
    "ArnLike": lambda p, v: like(p, v),
    "StringEquals": lambda p, v: p == v,
}
_NEGATED = {"StringNotLike": "StringLike", "ArnNotLike": "ArnLike", "StringNotEquals": "StringEquals"}


def _one(op: str, patterns: list[str], value: str) -> bool:
    if op in _NEGATED:
        return not any(_POSITIVE[_NEGATED[op]](p, value) for p in patterns)
    return any(_POSITIVE[op](p, value) for p in patterns)


def condition_holds(operator: str, key: str, expected: Any, context: Mapping[str, list[str]]) -> bool:
    patterns = expected if isinstance(expected, list) else [expected]
    values = context.get(key)
    qualifier, _, op = operator.rpartition(":")
    if op == "Null":
        missing = not values
        return missing == (str(patterns[0]).lower() == "true")
    if qualifier == "ForAnyValue":
        return bool(values) and any(_one(op, patterns, v) for v in values or [])
    if qualifier == "ForAllValues":
        return all(_one(op, patterns, v) for v in values or [])
    if qualifier:
        raise ValueError(f"unknown qualifier {qualifier}")
    if not values:
        return op in _NEGATED
    return all(_one(op, patterns, v) for v in values)


def statement_denies(stmt: Mapping[str, Any], request: Request) -> bool:
    assert stmt["Effect"] == "Deny"
    actions = stmt["Action"] if isinstance(stmt["Action"], list) else [stmt["Action"]]
    if request.action not in actions:
        return False
    context = request.context()
    for operator, keys in stmt.get("Condition", {}).items():
        for key, expected in keys.items():
            if not condition_holds(operator, key, expected, context):
                return False
    return True


def denied(policies: Sequence[Mapping[str, Any]], request: Request) -> list[str]:
    """Sids of every statement, across all attached policies, that denies the request."""
    return [
        stmt["Sid"]
        for policy in policies
        for stmt in policy["Statement"]
        if statement_denies(stmt, request)
    ]
