"""Version ordering per ecosystem, as OSV ``ECOSYSTEM`` and ``SEMVER`` ranges need it.

Each ecosystem compares versions its own way, and a range evaluated with the wrong ordering is silently
wrong (``1.10`` sorts before ``1.9`` as text; ``2.0.0rc1`` is before ``2.0.0`` in PEP 440 and after it as
text; Maven's ``1.0-SNAPSHOT`` is before ``1.0``). ``sort_key(ordering, text)`` returns a key that
compares the way the ecosystem does, or raises ``Unorderable`` for a version the ecosystem would refuse.

- PyPI: PEP 440, with ``packaging``.
- npm, Go and ``SEMVER`` ranges: Semantic Versioning 2.0.0 precedence (a leading ``v`` is dropped, as Go's
  module versions carry one and OSV's Go records do not).
- Maven: the rules of Maven's ``ComparableVersion`` (items split at ``.``, ``-`` and digit/letter changes;
  qualifiers ``alpha < beta < milestone < rc < snapshot < "" (ga, final, release) < sp < anything else``).
- RubyGems: ``Gem::Version`` (numeric and alphabetic segments; a letter segment makes a prerelease).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any


class Unorderable(ValueError):
    """A version the ecosystem's ordering does not accept."""


# OSV ecosystem name -> the ordering its ECOSYSTEM ranges use
ORDERINGS = {"PyPI": "pep440", "npm": "semver", "Go": "semver", "Maven": "maven", "RubyGems": "rubygems"}


def sort_key(ordering: str, text: str) -> Any:
    try:
        return _KEYS[ordering](text.strip())
    except Unorderable:
        raise
    except (ValueError, TypeError) as exc:
        raise Unorderable(f"{text!r} is not a {_NAMES[ordering]} version") from exc


def _pep440(text: str) -> Any:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(text)
    except InvalidVersion:
        raise Unorderable(f"{text!r} is not a PEP 440 version") from None


_SEMVER = re.compile(
    r"v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
    r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
)


def _semver(text: str) -> tuple[int, int, int, int, tuple[tuple[int, int, str], ...]]:
    m = _SEMVER.fullmatch(text)
    if m is None:
        raise Unorderable(f"{text!r} is not a semantic version")
    pre = m.group(4)
    # A release sorts after its prereleases; prerelease identifiers: numbers before words, numerically.
    ids = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split(".")) if pre else ()
    return int(m.group(1)), int(m.group(2)), int(m.group(3)), 0 if pre else 1, ids


# --- Maven ComparableVersion ---------------------------------------------------------------------

_QUALIFIERS = ("alpha", "beta", "milestone", "rc", "snapshot", "", "sp")
_ALIASES = {"ga": "", "final": "", "release": "", "cr": "rc"}
_RELEASE_RANK = str(_QUALIFIERS.index(""))


def _qualifier_rank(q: str) -> str:
    q = _ALIASES.get(q, q)
    return str(_QUALIFIERS.index(q)) if q in _QUALIFIERS else f"{len(_QUALIFIERS)}-{q}"


class _MavenItems(list[Any]):
    """A ListItem: ints, qualifier strings (kept as their rank) and nested lists."""


def _maven_item(token: str, followed_by_digit: bool) -> Any:
    if token.isdigit():
        return int(token)
    if followed_by_digit and len(token) == 1:
        token = {"a": "alpha", "b": "beta", "m": "milestone"}.get(token, token)
    return ("q", _qualifier_rank(token))


def _maven_trim(items: _MavenItems) -> None:
    while items and (items[-1] == 0 or items[-1] == ("q", _RELEASE_RANK)
                     or (isinstance(items[-1], _MavenItems) and not items[-1])):
        items.pop()


def _maven_parse(text: str) -> _MavenItems:
    version = text.lower()
    if not version:
        raise Unorderable("empty Maven version")
    root = _MavenItems()
    current = root
    stack = [root]
    start = 0
    is_digit = False

    def push_list() -> None:
        nonlocal current
        new = _MavenItems()
        current.append(new)
        current = new
        stack.append(new)

    for i, c in enumerate(version):
        if c == ".":
            current.append(0 if i == start else _maven_item(version[start:i], False))
            start = i + 1
        elif c == "-":
            current.append(0 if i == start else _maven_item(version[start:i], False))
            start = i + 1
            push_list()
        elif c.isdigit():
            if not is_digit and i > start:
                # "1.0.0.X1" < "1.0.0-X2": a letter qualifier followed by digits starts a sub-list
                if current:
                    push_list()
                current.append(_maven_item(version[start:i], True))
                start = i
                push_list()
            is_digit = True
        else:
            if is_digit and i > start:
                current.append(_maven_item(version[start:i], False))
                start = i
                push_list()
            is_digit = False
    if len(version) > start:
        if not is_digit and current:
            push_list()
        current.append(_maven_item(version[start:], False))
    for items in reversed(stack):
        _maven_trim(items)
    return root


def _maven_cmp(a: Any, b: Any) -> int:
    """ComparableVersion's item comparison; ``None`` stands for a missing item."""
    if a is None:
        return -_maven_cmp(b, None)
    if isinstance(a, int):
        if b is None:
            return (a > 0) - (a < 0)
        if isinstance(b, int):
            return int(a > b) - int(a < b)
        return 1  # an int is newer than a qualifier or a sub-list
    if isinstance(a, tuple):
        if b is None:
            return int(a[1] > _RELEASE_RANK) - int(a[1] < _RELEASE_RANK)
        if isinstance(b, tuple):
            return int(a[1] > b[1]) - int(a[1] < b[1])
        return -1  # a qualifier is older than an int or a sub-list
    if b is None:
        return _maven_cmp(a[0], None) if a else 0
    if isinstance(b, int):
        return -1
    if isinstance(b, tuple):
        return 1
    for x, y in zip(a, b, strict=False):
        if (r := _maven_cmp(x, y)) != 0:
            return r
    for extra in a[len(b):]:
        if (r := _maven_cmp(extra, None)) != 0:
            return r
    for extra in b[len(a):]:
        if (r := _maven_cmp(None, extra)) != 0:
            return r
    return 0


_MavenKey = functools.cmp_to_key(_maven_cmp)


def _maven(text: str) -> Any:
    return _MavenKey(_maven_parse(text))


# --- RubyGems Gem::Version -----------------------------------------------------------------------

_GEM_VALID = re.compile(r"[0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?")


def _gem_segments(text: str) -> list[int | str]:
    if not _GEM_VALID.fullmatch(text):
        raise Unorderable(f"{text!r} is not a RubyGems version")
    text = text.replace("-", ".pre.")
    segments: list[int | str] = [int(s) if s.isdigit() else s for s in re.findall(r"[0-9]+|[a-z]+", text, re.I)]
    # canonical_segments: trailing zeros dropped from the release part and from the prerelease part
    first_str = next((i for i, s in enumerate(segments) if isinstance(s, str)), len(segments))
    release, pre = segments[:first_str], segments[first_str:]
    while release and release[-1] == 0:
        release.pop()
    while pre and pre[-1] == 0:
        pre.pop()
    return release + pre


def _gem_cmp(a: list[int | str], b: list[int | str]) -> int:
    for i in range(max(len(a), len(b))):
        x = a[i] if i < len(a) else 0
        y = b[i] if i < len(b) else 0
        if x == y:
            continue
        if isinstance(x, str) and isinstance(y, int):
            return -1
        if isinstance(x, int) and isinstance(y, str):
            return 1
        return -1 if x < y else 1  # type: ignore[operator]
    return 0


_GemKey = functools.cmp_to_key(_gem_cmp)


def _rubygems(text: str) -> Any:
    return _GemKey(_gem_segments(text))


_KEYS: dict[str, Callable[[str], Any]] = {
    "pep440": _pep440, "semver": _semver, "maven": _maven, "rubygems": _rubygems,
}
_NAMES = {"pep440": "PEP 440", "semver": "semantic", "maven": "Maven", "rubygems": "RubyGems"}
