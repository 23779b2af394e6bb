"""The policy file's JSON Schema: the schema text, a fast conformance test, and readable problems.

``policy.schema.json`` (beside this module) is the one statement of what a policy file may hold:
``layergate schema`` prints it for editors and ``problems()`` holds a parsed policy against it.

Importing jsonschema costs about 100 ms (attrs, referencing, rpds), and the check path loads the policy
on every run. So a valid policy is confirmed by ``_conforms``, a small interpreter of exactly the keywords
the schema uses; only when it says no, or meets a keyword it does not know, is jsonschema (Draft 2020-12)
imported to name every problem. jsonschema has the last word, and a test holds both verdicts equal over
many valid and broken policies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

SCHEMA_RESOURCE = "policy.schema.json"

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    path: Path  # where in the document; for an unknown key, the path of that key
    message: str
    at_key: bool = False  # point at the key itself rather than at its value


def schema_text() -> str:
    """The schema as shipped (``layergate schema`` prints this)."""
    return resources.files("layergate").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")


@cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text())
    return loaded


def problems(data: Any) -> list[Problem]:
    """Every way ``data`` breaks the schema; empty when it conforms."""
    root = schema()
    try:
        if _conforms(root, data, root):
            return []
    except _Unsupported:
        pass
    return explain(data)


# --- the fast path -----------------------------------------------------------------------------------------

_ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "$defs", "title", "description", "default", "examples"})


class _Unsupported(Exception):
    """The schema uses a keyword the fast path does not implement: fall back to jsonschema."""


def _conforms(s: dict[str, Any], x: Any, root: dict[str, Any]) -> bool:
    for key, want in s.items():
        if key in _ANNOTATIONS:
            continue
        check = _KEYWORDS.get(key)
        if check is None:
            raise _Unsupported(key)
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
    raise _Unsupported(f"type {t}")


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
        raise _Unsupported(f"$ref {want}")
    return _conforms(root["$defs"][want.removeprefix("#/$defs/")], x, root)


def _additional(want: Any, x: Any, s: dict[str, Any], root: dict[str, Any]) -> bool:
    if not isinstance(x, dict) or want is True:
        return True
    extra = [k for k in x if k not in s.get("properties", {})]
    if want is False:
        return not extra
    return all(_conforms(want, x[k], root) for k in extra)


def _unique(want: bool, x: Any, s: dict[str, Any], root: dict[str, Any]) -> bool:
    if not want or not isinstance(x, list):
        return True
    if all(isinstance(v, str) for v in x):
        return len(set(x)) == len(x)
    return not any(equal(x[i], x[j]) for i in range(len(x)) for j in range(i))


def _num(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


Keyword = Callable[[Any, Any, dict[str, Any], dict[str, Any]], bool]
_KEYWORDS: dict[str, Keyword] = {
    "$ref": _ref,
    "type": lambda w, x, s, r: any(is_type(x, t) for t in ([w] if isinstance(w, str) else w)),
    "properties": lambda w, x, s, r: not isinstance(x, dict)
    or all(_conforms(sub, x[k], r) for k, sub in w.items() if k in x),
    "additionalProperties": _additional,
    "required": lambda w, x, s, r: not isinstance(x, dict) or all(k in x for k in w),
    "items": lambda w, x, s, r: not isinstance(x, list) or all(_conforms(w, v, r) for v in x),
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


# --- naming every problem (jsonschema) ---------------------------------------------------------------------


@cache
def _validator() -> Any:
    import jsonschema  # imported here only: it is the slow part of loading a policy

    return jsonschema.Draft202012Validator(schema())


def explain(data: Any) -> list[Problem]:
    """Every problem jsonschema finds, one readable line each; a wrong type hides other complaints there."""
    found = [(str(err.validator), p) for err in _validator().iter_errors(data) for p in _describe(err)]
    typed = {p.path for kw, p in found if kw == "type"}
    out: list[Problem] = []
    for kw, p in found:
        if (kw == "type" or p.path not in typed) and p not in out:
            out.append(p)
    return out


# Pattern -> what it asks for, said in words. A test checks every one of these is in the schema.
PATTERN_HINTS = {
    "^[0-9]{12}$": "an account id is 12 digits",
    "^[a-z]{2}(-[a-z]+)+-[0-9]+$": "a region looks like us-east-1",
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "write dates as YYYY-MM-DD",
    "^(arn:.+|\\*)$": "a glob over the whole layer ARN, e.g. arn:aws:lambda:*:*:layer:name-*:*",
    "^[A-Za-z0-9_*?-]{1,140}$": "a layer name or glob such as Datadog-Extension*, not an ARN",
    "^[0-9a-fA-F]{64}$": "64 hex digits",
    "^o-[a-z0-9]{10,32}$": "an organization id looks like o-abc123def4",
    "^arn:": "a layer version ARN",
}


def _describe(err: Any) -> Iterator[Problem]:
    path: Path = tuple(err.absolute_path)
    kw, want, x = err.validator, err.validator_value, err.instance
    if kw == "additionalProperties":
        allowed = list(err.schema.get("properties", {}))
        for key in x:
            if key not in allowed:
                yield Problem((*path, key), f"unknown key {key!r}{_suggest(key, allowed)}", at_key=True)
    elif kw == "required":
        for key in want:
            if key not in x:
                yield Problem(path, f"missing required key {key!r}")
    elif kw == "type":
        yield Problem(path, f"expected {_kind(want)}, got {_what(x)}")
    elif kw == "pattern":
        yield Problem(path, _pattern_message(path, want, x))
    elif kw == "enum" and path and path[-1] == "rule":
        yield Problem(path, f"unknown rule {show(x)} ({_rule_hint(x, want)}`layergate rules` lists them)")
    elif kw == "enum":
        yield Problem(path, f"{show(x)} is not one of {', '.join(show(v) for v in want)}")
    elif kw == "const":
        yield Problem(path, f"must be {show(want)}, not {show(x)}")
    elif kw in ("minLength", "minItems"):
        yield Problem(path, "must not be empty" + ("; leave the key out instead" if kw == "minItems" else ""))
    elif kw == "minimum":
        yield Problem(path, f"{show(x)} is less than {want}")
    elif kw == "uniqueItems":
        dup = next(v for i, v in enumerate(x) if any(equal(v, w) for w in x[:i]))
        yield Problem(path, f"lists {show(dup)} more than once")
    else:  # a keyword added to the schema without wording here: jsonschema's own words
        yield Problem(path, str(err.message))


def _pattern_message(path: Path, pattern: str, x: str) -> str:
    if path and path[-1] == "sha256":
        hexed = _base64_digest_as_hex(x)
        if hexed:
            return f"{show(x)} is base64 (as AWS shows CodeSha256); write the hex digest {hexed}"
    hint = PATTERN_HINTS.get(pattern)
    return f"{show(x)} does not match {pattern!r}" + (f" ({hint})" if hint else "")


def _base64_digest_as_hex(text: str) -> str | None:
    import base64
    import binascii

    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw.hex() if len(raw) == 32 else None


def _rule_hint(x: Any, names: list[str]) -> str:
    if isinstance(x, str) and x.upper() in names:
        return f"ids are upper case: {x.upper()!r}; "
    close = _close(x, names) if isinstance(x, str) else None
    return f"did you mean {close!r}? " if close else ""


def _close(word: str, options: list[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(word, options, n=1)
    return found[0] if found else None


def _suggest(key: str, allowed: list[str]) -> str:
    close = _close(key, allowed)
    if close:
        return f" (did you mean {close!r}?)"
    return f" (expected one of: {', '.join(allowed)})"


_KIND_WORDS = {"object": "a mapping", "array": "a list", "string": "a string", "integer": "an integer",
               "number": "a number", "boolean": "true or false", "null": "nothing"}


def _kind(want: str | list[str]) -> str:
    return " or ".join(_KIND_WORDS.get(t, t) for t in ([want] if isinstance(want, str) else want))


def _what(x: Any) -> str:
    if x is None:
        return "an empty value"
    if isinstance(x, bool):
        return f"{show(x)}"
    if isinstance(x, dict):
        return "a mapping"
    if isinstance(x, list):
        return "a list"
    if isinstance(x, str):
        return f"a string ({show(x)})"
    return f"a number ({show(x)})"


def show(x: Any) -> str:
    """A value as the user wrote it: strings quoted, true/false/null as in YAML."""
    if isinstance(x, str):
        return repr(x)
    return json.dumps(x)
