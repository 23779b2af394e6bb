"""The pieces a layers expression is taken apart into, and how they become layer entries.

A ``Part`` is one piece of an expression (a literal, a variable's values, a layer of this configuration, a
data source, something unknown); ``Parts`` are all of them for one expression. A known list is explained
value by value (``matched_entries``); a list the plan dropped becomes one entry per part
(``dropped_entries``), with an UNKNOWN entry for whatever the parts cannot say.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from layergate.model import Candidate, LayerRef, Location, Resolution, ResolutionKind
from layergate.records import dataclass, field, replace
from layergate.sources.tf_files import WrittenAttribute

LITERAL, UNKNOWN, DYNAMIC = ResolutionKind.LITERAL, ResolutionKind.UNKNOWN, ResolutionKind.DYNAMIC
Block = tuple[str, tuple[str, ...]]  # ("resource", ("aws_lambda_function", "api")), ("module", ("svc",))


@dataclass(frozen=True, slots=True)
class Part:
    """A piece of a layers expression: one layer entry, or one per value for a list (``spread``)."""

    kind: ResolutionKind
    expression: str
    detail: str = ""
    source: str = ""
    values: tuple[str, ...] = ()
    layer_def: str | None = None
    location: Location | None = None  # where it is written in the .tf sources; None: the plan address
    spread: bool = False
    hint: bool = False  # read inside a computed expression: explains a known value, is no entry itself
    bound: tuple[int, str] | None = None  # (module depth, root) of a part that depends on the instance
    site: Location | None = None  # where the function's own layers expression refers to it


@dataclass(frozen=True, slots=True)
class Parts:
    parts: tuple[Part, ...]
    complete: bool  # False: the list may hold elements the plan does not record
    reason: str = ""
    location: Location | None = None  # the attribute in the .tf sources
    references: tuple[str, ...] = ()  # what an incomplete list was seen to refer to, at every level
    spots: Mapping[str, tuple[Part, ...]] = field(default_factory=dict)  # strings written on the way


def spot_parts(written: WrittenAttribute | None) -> Mapping[str, tuple[Part, ...]]:
    """The plain strings written in an attribute, as literal parts at their positions."""
    if written is None or not written.strings:
        return {}
    return {k: tuple(Part(LITERAL, k, values=(k,), location=loc) for loc in v) for k, v in written.strings.items()}


def sited(parts: Parts, site: Location | None) -> Parts:
    """``parts`` as referred to from ``site``: an outer reference replaces the site an inner one set."""
    if site is None:
        return parts
    return replace(parts, parts=tuple(replace(p, site=site) for p in parts.parts),
                   spots={k: tuple(replace(p, site=site) for p in v) for k, v in parts.spots.items()})


def dropped_entries(consumer: str, parts: Parts, plan_location: Location) -> list[LayerRef]:
    """Entries of a list the plan dropped, from its parts; anything they cannot say is UNKNOWN."""
    refs: list[LayerRef] = []
    for part in parts.parts:
        if part.hint:
            continue
        if part.spread:
            refs.extend(_ref(consumer, replace(part, expression=f"{part.expression}[{i}]"), (v,), 0, plan_location)
                        for i, v in enumerate(part.values))
        else:
            refs.append(_ref(consumer, part, part.values, 0, plan_location))
    # One UNKNOWN entry already fails the function closed; a second one would only repeat it.
    if not refs or (not parts.complete and all(r.resolution.kind is not UNKNOWN for r in refs)):
        reason = parts.reason or (
            "the plan drops the whole layers list when one element is known only after apply, and no"
            " source of its elements was found"
        )
        refs.append(_ref(consumer, Part(UNKNOWN, "layers", reason, location=parts.location), (), 0,
                         plan_location))
    return [replace(r, position=i) for i, r in enumerate(refs)]

def matched_entries(consumer: str, known: list[str | None], parts: Parts, plan_location: Location) -> list[LayerRef]:
    """Entries of a known list: each value explained by the first part that yields it."""
    used: set[int] = set()
    refs: list[LayerRef] = []
    for i, value in enumerate(known):
        j = _find(parts.parts, value, used)
        if j is not None:
            part = parts.parts[j]
            if not part.spread:
                used.add(j)
            refs.append(_ref(consumer, part, part.values if value is None else (value,), i, plan_location))
        elif value is None:
            part = Part(UNKNOWN, f"layers[{i}]", "this element of the list is known only after apply")
            refs.append(_ref(consumer, part, (), i, plan_location))
        elif value in parts.spots:  # written as a string on the way (inside a computed expression)
            refs.append(_ref(consumer, parts.spots[value][0], (value,), i, plan_location))
        elif floating := next((p for p in parts.parts if p.kind is DYNAMIC), None):
            # Computed from something read at every plan (``"${data.x.value}:3"``): it floats with it.
            if floating.values:
                floating = replace(floating, detail=f"{floating.detail}; this ARN is computed from it")
            refs.append(_ref(consumer, floating, (value,), i, plan_location))
        else:
            refs.append(_ref(consumer, Part(LITERAL, value, "planned value"), (value,), i, plan_location))
    return refs



def _find(parts: tuple[Part, ...], value: str | None, used: set[int]) -> int | None:
    """The first unused part that yields ``value``; for an unknown element, the first unused part
    whose value is not in the plan either."""
    for j, part in enumerate(parts):
        if j in used:
            continue
        if value is None:
            if not part.values and part.kind is not LITERAL and not part.spread:
                return j
        elif value in part.values:
            return j
    return None


def _ref(consumer: str, part: Part, values: tuple[str, ...], position: int, plan_location: Location) -> LayerRef:
    return LayerRef(
        consumer=consumer,
        location=placed_at(consumer, part.location, part.site) if part.location else plan_location,
        expression=part.expression,
        resolution=Resolution(part.kind, part.detail, part.source),
        candidates=tuple(Candidate(v) for v in values),
        layer_def=part.layer_def,
        position=position,
    )


def placed_at(consumer: str, where: Location, site: Location | None) -> Location:
    """Where a value is written: in the function's own expression (path: the function), or elsewhere (a
    local, a variable default, a module argument or output: path its name), which then names the place
    of the function's expression that uses it, as CloudFormation findings do for parameter defaults."""
    if site is None or not where.path or where.path == site.path:
        return Location(where.file, where.line, where.column, consumer)
    line = f"line {site.line}" if site.file == where.file else f"{site.file}:{site.line}"
    return Location(where.file, where.line, where.column, where.path, f"used at {line} ({consumer})")


def merge_spots(a: Mapping[str, tuple[Part, ...]], b: Mapping[str, tuple[Part, ...]]) -> Mapping[
    str, tuple[Part, ...]
]:
    if not b:
        return a
    if not a:
        return b
    merged = dict(a)
    for key, spots in b.items():
        merged[key] = merged.get(key, ()) + spots
    return merged


def constant_parts(constant: Any, written: WrittenAttribute | None) -> Parts:
    """Literal entries of a constant list, placed at their string in the .tf sources when found there."""
    spots = {k: list(v) for k, v in written.strings.items()} if written else {}
    parts = []
    for value in constant if isinstance(constant, list) else [constant]:
        if value is None:
            continue
        text = value if isinstance(value, str) else str(value)
        places = spots.get(text)
        parts.append(Part(LITERAL, text, values=(text,), location=places.pop(0) if places else None))
    return Parts(tuple(parts), True, location=written.location if written else None)
