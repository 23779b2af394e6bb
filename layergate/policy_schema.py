"""The policy file's JSON Schema: the schema text, a fast conformance test, and readable problems.

``policy.schema.json`` (beside this module) is the one statement of what a policy file may hold:
``layergate schema`` prints it for editors and ``problems()`` holds a parsed policy against it.

Importing jsonschema costs about 100 ms (attrs, referencing, rpds), and the check path loads the policy
on every run. So a valid policy is confirmed by ``schema_subset``, a small interpreter of exactly the
keywords the schema uses; only when it says no, or meets a keyword it does not know, is jsonschema
(Draft 2020-12) imported to name every problem. jsonschema has the last word, and a test holds both
verdicts equal over many valid and broken policies.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from functools import cache

from layergate import schema_subset
from layergate.records import dataclass
from layergate.schema_subset import equal

TYPE_CHECKING = False  # typing is for the type checker: importing it costs every start of the CLI
if TYPE_CHECKING:
    from typing import Any

SCHEMA_RESOURCE = "policy.schema.json"

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    path: Path  # where in the document; for an unknown key, the path of that key
    message: str
    at_key: bool = False  # point at the key itself rather than at its value


def schema_text() -> str:
    """The schema as shipped (``layergate schema`` prints this).

    Read beside this module when the package is plain files (importlib.resources pulls in pathlib,
    zipfile and tempfile: ~10 ms on every run); through importlib.resources when it is not (a zip).
    """
    try:
        with open(os.path.join(os.path.dirname(__file__), SCHEMA_RESOURCE), encoding="utf-8") as fh:
            return fh.read()
    except OSError:
        from importlib import resources

        return resources.files("layergate").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")


@cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text())
    return loaded


def problems(data: Any) -> list[Problem]:
    """Every way ``data`` breaks the schema; empty when it conforms."""
    root = schema()
    try:
        if schema_subset.conforms(root, data, root):
            return []
    except schema_subset.Unsupported:
        pass
    return explain(data)


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
    "^[A-Za-z0-9][A-Za-z0-9._:-]*$": "an advisory id such as CVE-2023-32681 or GHSA-j8r2-6x86-q33q",
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
