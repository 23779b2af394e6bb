"""Policy checks the JSON Schema cannot express: they need the catalog, the rule registry, ARN parsing,
calendar dates or a look at other entries.

Each check skips a value the schema already complained about, so one mistake is reported once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

from layergate.arn import ArnError, LayerArn
from layergate.policy_schema import Path, Problem, show

TYPE_CHECKING = False  # typing is for the type checker: importing it costs every start of the CLI
if TYPE_CHECKING:
    from typing import Any

LineOf = Callable[[Path], int]


def semantic_problems(data: dict[str, Any], bad: set[Path], line_of: LineOf) -> list[Problem]:
    found: list[Problem] = []
    found += _publishers(data.get("publishers"), bad)
    found += _layers(data.get("layers"), bad, line_of)
    found += _ignore(data.get("ignore"), bad)
    found += _dates(data, bad)
    return found


def _entries(value: Any, key: str) -> Iterator[tuple[Path, dict[str, Any]]]:
    if isinstance(value, list):
        for i, entry in enumerate(value):
            if isinstance(entry, dict):
                yield (key, i), entry


def _ok(entry: dict[str, Any], key: str, path: Path, bad: set[Path]) -> bool:
    """The entry has a string under ``key`` that the schema found nothing wrong with."""
    return isinstance(entry.get(key), str) and (*path, key) not in bad


def _publishers(value: Any, bad: set[Path]) -> Iterator[Problem]:
    from layergate import catalog

    cat = catalog.load()
    for path, e in _entries(value, "publishers"):
        if "vendor" in e and "account" in e:
            yield Problem(path, "give 'vendor' or 'account', not both (one entry per publisher)")
        elif "vendor" not in e and "account" not in e:
            yield Problem(path, "needs 'vendor' (a catalog vendor such as datadog) or 'account' (12 digits)")
        if _ok(e, "vendor", path, bad) and cat.vendor(e["vendor"]) is None:
            keys = ", ".join(v.key for v in cat.vendors())
            yield Problem((*path, "vendor"), f"unknown vendor {show(e['vendor'])}{_close(e['vendor'], cat)}; "
                          f"known vendors: {keys}; any other publisher is allowed by 'account:'")


def _close(name: str, cat: Any) -> str:
    import difflib

    close = difflib.get_close_matches(name.lower(), [v.key for v in cat.vendors()], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _layers(value: Any, bad: set[Path], line_of: LineOf) -> Iterator[Problem]:
    first: dict[str, Path] = {}
    for path, e in _entries(value, "layers"):
        if not _ok(e, "arn", path, bad):
            continue
        where = (*path, "arn")
        try:
            arn = LayerArn.parse(e["arn"])
        except ArnError as exc:
            yield Problem(where, f"{show(e['arn'])} is not a layer ARN: {exc}")
            continue
        if arn.version is None:
            yield Problem(where, f"{show(e['arn'])} has no version; a reviewed layer is one exact version "
                          f"(...:layer:{arn.name}:<version>)")
            continue
        key = str(arn)
        if key in first:
            earlier = first[key]
            yield Problem(where, f"{show(e['arn'])} is already listed at line {line_of(earlier)} "
                          f"(layers[{earlier[1]}]); keep one entry per layer version")
        else:
            first[key] = path


def _ignore(value: Any, bad: set[Path]) -> Iterator[Problem]:
    from layergate.checks import all_rules, find_rule

    if not all_rules():  # no rules registered (yet): the schema's id/slug pattern is all we can check
        return
    for path, e in _entries(value, "ignore"):
        if _ok(e, "rule", path, bad) and find_rule(e["rule"]) is None:
            yield Problem((*path, "rule"), f"unknown rule {show(e['rule'])} (`layergate rules` lists them)")


def _dates(data: dict[str, Any], bad: set[Path]) -> Iterator[Problem]:
    """YYYY-MM-DD is the schema's; whether the day exists is ours (2026-02-30)."""
    for list_key, date_key in (("layers", "reviewed_at"), ("ignore", "expires")):
        for path, e in _entries(data.get(list_key), list_key):
            if _ok(e, date_key, path, bad):
                try:
                    dt.date.fromisoformat(e[date_key])
                except ValueError as exc:
                    yield Problem((*path, date_key), f"{show(e[date_key])} is not a date in the calendar ({exc})")
