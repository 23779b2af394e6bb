"""A JSON Schema verdict, valid or not, for the subset of keywords layergate's own schemas use.

It answers only yes or no, fast and without imports; naming what is wrong is jsonschema's job. A keyword it
does not implement raises ``Unsupported`` instead of being ignored, so a schema that grows a new keyword
falls back to jsonschema rather than passing unchecked. Semantics follow Draft 2020-12: ``pattern`` searches
(is not anchored), true is not 1, 1 is 1.0.
"""

from __future__ import annotations

import re
from collections.abc import Callable

TYPE_CHECKING = False  # typing is for the type checker: importing it costs every start of the CLI
if TYPE_CHECKING:
    from typing import Any

ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "$defs", "title", "description", "default", "examples"})


class Unsupported(Exception):
    """The schema uses a keyword the fast path does not implement: fall back to jsonschema."""


def conforms(s: dict[str, Any], x: Any, root: dict[str, Any]) -> bool:
    """Whether ``x`` is valid against ``s`` (a subschema of ``root``); Unsupported for unknown keywords."""
    for key, want in s.items():
        if key in ANNOTATIONS:
            continue
        check = KEYWORDS.get(key)
        if check is None:
            raise Unsupported(key)
        if not check(want, x, s, root):
            return False
    return True


def is_type(x: Any, t: str) -> bool:
    if t == "object":
        return isinstance(x, dict)
    if t == "array":
        return isinstance(x, list)
    if t == "string":
        return isinstance(x, str)
    if t == "boolean":
        return isinstance(x, bool)
    if t == "null":
        return x is None
    if isinstance(x, bool):
        return False
    if t == "integer":
        return isinstance(x, int) or (isinstance(x, float) and x.is_integer())
    if t == "number":
        return isinstance(x, int | float)
    raise Unsupported(f"type {t}")


def equal(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1, 1 is 1.0."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal(p, q) for p, q in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and bool(a == b)


def _ref(want: str, x: Any, s: dict[str, Any], root: dict[str, Any]) -> bool:
    if not want.startswith("#/$defs/"):
        raise Unsupported(f"$ref {want}")
    return conforms(root["$defs"][want.removeprefix("#/$defs/")], x, root)


def _additional(want: Any, x: Any, s: dict[str, Any], root: dict[str, Any]) -> bool:
    if not isinstance(x, dict) or want is True:
        return True
    extra = [k for k in x if k not in s.get("properties", {})]
    if want is False:
        return not extra
    return all(conforms(want, x[k], root) for k in extra)


def _unique(want: bool, x: Any, s: dict[str, Any], root: dict[str, Any]) -> bool:
    if not want or not isinstance(x, list):
        return True
    if all(isinstance(v, str) for v in x):
        return len(set(x)) == len(x)
    return not any(equal(x[i], x[j]) for i in range(len(x)) for j in range(i))


def _num(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


Keyword = Callable[["Any", "Any", dict[str, "Any"], dict[str, "Any"]], bool]
KEYWORDS: dict[str, Keyword] = {
    "$ref": _ref,
    "type": lambda w, x, s, r: any(is_type(x, t) for t in ([w] if isinstance(w, str) else w)),
    "properties": lambda w, x, s, r: not isinstance(x, dict)
    or all(conforms(sub, x[k], r) for k, sub in w.items() if k in x),
    "additionalProperties": _additional,
    "required": lambda w, x, s, r: not isinstance(x, dict) or all(k in x for k in w),
    "items": lambda w, x, s, r: not isinstance(x, list) or all(conforms(w, v, r) for v in x),
    "pattern": lambda w, x, s, r: not isinstance(x, str) or re.search(w, x) is not None,
    "enum": lambda w, x, s, r: any(equal(x, v) for v in w),
    "const": lambda w, x, s, r: equal(x, w),
    "minimum": lambda w, x, s, r: not _num(x) or x >= w,
    "maximum": lambda w, x, s, r: not _num(x) or x <= w,
    "minLength": lambda w, x, s, r: not isinstance(x, str) or len(x) >= w,
    "maxLength": lambda w, x, s, r: not isinstance(x, str) or len(x) <= w,
    "minItems": lambda w, x, s, r: not isinstance(x, list) or len(x) >= w,
    "maxItems": lambda w, x, s, r: not isinstance(x, list) or len(x) <= w,
    "uniqueItems": _unique,
}
