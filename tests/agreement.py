"""What the deploy tools make of a template, beside what layergate extracts from it.

Each tool's output is reduced to one layer list per function, each entry one of:

- ``("arn", value)``: a concrete string the function gets (a layer version ARN, or whatever else is written);
- ``("internal", id)``: a layer the same deployment publishes (a ``Ref`` to its LayerVersion resource);
- ``("opaque", why)``: a value the tool itself leaves to deploy time (an SSM parameter, an import);
- ``("after-apply", "")``: terraform's "known after apply" (the ARN of a layer version the plan creates).

layergate's side comes from its records: a LITERAL/PARAMETER entry agrees with ``("arn", v)`` when ``v`` is one
of its candidates for the region; INTERNAL with ``("internal", id)`` of the same resource; DYNAMIC/UNKNOWN with
``("opaque", ...)``: layergate does not claim a value the tool does not know either. A DYNAMIC entry (a
Terraform data source without a version) also agrees with ``("arn", v)`` when ``v`` is the value layergate
reports as today's: terraform resolved the same value at plan time, and LG101 still says it floats.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from layergate.model import LayerRef, ResolutionKind, Scan

REGION = "us-east-1"
ACCOUNT = "123456789012"  # the deploy tools' dummy account; no template here reads it
Entry = tuple[str, str]


@dataclass(frozen=True)
class Disagreement:
    function: str
    tool: tuple[Entry, ...]
    layergate: tuple[str, ...]


def layergate_lists(scans: tuple[Scan, ...], region: str = REGION) -> dict[str, list[LayerRef]]:
    lists: dict[str, list[LayerRef]] = {}
    for scan in scans:
        for fn in scan.functions:
            lists.setdefault(fn.id, [])
        for ref in scan.refs:
            lists.setdefault(ref.consumer, []).append(ref)
    return {fn: sorted(refs, key=lambda r: r.position) for fn, refs in lists.items()}


def describe(ref: LayerRef, region: str = REGION) -> str:
    kind = ref.resolution.kind
    if kind is ResolutionKind.INTERNAL:
        return f"internal:{ref.layer_def}"
    if kind in (ResolutionKind.DYNAMIC, ResolutionKind.UNKNOWN):
        return f"{kind}:{ref.expression}"
    return "|".join(sorted({c.value for c in ref.candidates if c.region in (None, region)}))


def agrees(entry: Entry, ref: LayerRef, region: str = REGION) -> bool:
    kind, value = entry
    resolution = ref.resolution.kind
    if kind == "internal":
        return resolution is ResolutionKind.INTERNAL and ref.layer_def == value
    if kind == "opaque":
        return resolution in (ResolutionKind.DYNAMIC, ResolutionKind.UNKNOWN)
    if kind == "after-apply":
        return resolution in (ResolutionKind.INTERNAL, ResolutionKind.DYNAMIC, ResolutionKind.UNKNOWN)
    return resolution is not ResolutionKind.INTERNAL and value in {
        c.value for c in ref.candidates if c.region in (None, region)}


def compare(tool: Mapping[str, list[Entry]], ours: Mapping[str, list[LayerRef]],
            rename: Mapping[str, str] | None = None) -> list[Disagreement]:
    """Every function where the lists differ; ``rename`` maps the tool's function ids to layergate's."""
    rename = rename or {}
    found: list[Disagreement] = []
    mapped = {rename.get(fn, fn): entries for fn, entries in tool.items()}
    for fn in sorted(set(mapped) | set(ours)):
        entries, refs = mapped.get(fn), ours.get(fn)
        if (entries is None or refs is None or len(entries) != len(refs)
                or not all(agrees(e, r) for e, r in zip(entries, refs, strict=True))):
            found.append(Disagreement(fn, tuple(entries or ()), tuple(describe(r) for r in refs or ())))
    return found


class CfnValues:
    """Enough of CloudFormation's intrinsics to read a transformed template's Layers as the service would."""

    _SUB = re.compile(r"\$\{([^}!][^}]*)\}")

    def __init__(self, template: Mapping[str, Any], overrides: Mapping[str, str] | None = None,
                 layer_ids: Mapping[str, str] | None = None) -> None:
        self.template = template
        self.resources: Mapping[str, Any] = template.get("Resources") or {}
        self.layer_ids = dict(layer_ids or {})  # generated logical id -> the id written in the source
        self.params: dict[str, Any] = {}
        for name, spec in (template.get("Parameters") or {}).items():
            value = (overrides or {}).get(name, spec.get("Default"))
            ptype = str(spec.get("Type", "String"))
            if ptype.startswith("AWS::SSM::Parameter::Value"):
                self.params[name] = ("opaque", f"SSM parameter {value}")
            elif value is not None and "List" in ptype:
                self.params[name] = [v.strip() for v in str(value).split(",") if v.strip()]
            else:
                self.params[name] = value
        self.pseudo = {"AWS::Region": REGION, "AWS::Partition": "aws", "AWS::AccountId": ACCOUNT,
                       "AWS::URLSuffix": "amazonaws.com"}

    def layers(self, function: Mapping[str, Any]) -> list[Entry]:
        raw = (function.get("Properties") or {}).get("Layers")
        if raw is None:
            return []
        value = self.value(raw)
        if isinstance(value, tuple):
            return [value]
        entries: list[Entry] = []
        for item in value:
            if isinstance(item, list):
                entries.extend(self._entry(v) for v in item)
            elif item is not _NO_VALUE:
                entries.append(self._entry(item))
        return entries

    def _entry(self, value: Any) -> Entry:
        if isinstance(value, tuple):
            return value
        if isinstance(value, str):
            return ("arn", value)
        return ("opaque", json.dumps(value, sort_keys=True))

    def condition(self, name: str) -> bool:
        return bool(self.value((self.template.get("Conditions") or {})[name]))

    def value(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.value(n) for n in node]
        if not isinstance(node, dict) or len(node) != 1:
            return node
        (fn, arg), = node.items()
        if fn == "Ref":
            return self._ref(arg)
        if fn == "Fn::Sub":
            text, names = (arg, {}) if isinstance(arg, str) else (arg[0], self.value(arg[1]))
            return self._SUB.sub(lambda m: str(names.get(m.group(1)) or self._ref(m.group(1))), text)
        if fn == "Fn::Join":
            parts = self.value(arg[1])
            return str(arg[0]).join(str(p) for p in parts)
        if fn == "Fn::Select":
            return self.value(arg[1])[int(self.value(arg[0]))]
        if fn == "Fn::Split":
            return str(self.value(arg[1])).split(arg[0])
        if fn == "Fn::FindInMap":
            table, top, second = (self.value(a) for a in arg[:3])
            return self.template["Mappings"][table][top][second]
        if fn == "Fn::If":
            return self.value(arg[1] if self.condition(arg[0]) else arg[2])
        if fn == "Fn::Equals":
            return self.value(arg[0]) == self.value(arg[1])
        if fn == "Fn::Not":
            return not self.value(arg[0])
        if fn == "Fn::And":
            return all(self.value(a) for a in arg)
        if fn == "Fn::Or":
            return any(self.value(a) for a in arg)
        if fn == "Condition":
            return self.condition(arg)
        return ("opaque", json.dumps(node, sort_keys=True))  # ImportValue, GetAtt: known at deploy time

    def _ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.params:
            return self.params[name]
        resource = self.resources.get(name) or {}
        if resource.get("Type") == "AWS::Lambda::LayerVersion":
            return ("internal", self.layer_ids.get(name, name))
        return ("opaque", f"Ref {name}")


_NO_VALUE: Any = object()


def functions(template: Mapping[str, Any], values: CfnValues) -> dict[str, list[Entry]]:
    return {name: values.layers(res) for name, res in (template.get("Resources") or {}).items()
            if res.get("Type") == "AWS::Lambda::Function"}
