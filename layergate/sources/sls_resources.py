"""The ``resources:`` section of a Serverless configuration: raw CloudFormation, scanned as such.

The section is resolved like the rest of the configuration (the framework resolves variables before it
merges ``resources.Resources`` into the template it compiles), rebuilt as YAML nodes and handed to the
CloudFormation parser. Three things differ from a template of its own:

- entries without ``Type``, and entries named like a function the framework generates
  (``ApiLambdaFunction``), override generated resources: their ``Properties.Layers`` are returned to the
  caller, which applies them to that function (``resources.extensions`` likewise, replacing the list);
- ``{Ref: FooLambdaLayer}`` must reach the layers of the ``layers:`` section, so each is stood in for by
  a placeholder layer resource, dropped again from the result;
- values that came from another file (``${file(./resources.yml)}``) keep their own file and line, and
  values the resolver could not determine keep its reason, through stand-ins mapped back afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from yaml.error import Mark
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from layergate import records
from layergate.errors import InputError
from layergate.model import CodeSigningConfig, ContentSource, LayerRef, Location, Resolution, ResolutionKind, Scan
from layergate.records import dataclass, field
from layergate.sources import ParseOptions
from layergate.sources.sls_tree import Item, Unresolved, Written, render
from layergate.sources.sls_variables import Resolver

SYNTHETIC_LINE = 10_000_000  # lines from here on stand for positions in other files
_SECTIONS = ("Parameters", "Mappings", "Conditions", "Transform")
_TAGS = {bool: "bool", int: "int", float: "float", str: "str"}


@dataclass(slots=True)
class ResourcesResult:
    scan: Scan | None = None
    merged: dict[str, tuple[Item, str]] = field(default_factory=dict)  # function id -> (Layers, path)
    replaced: dict[str, tuple[Item, str]] = field(default_factory=dict)
    refs: list[LayerRef] = field(default_factory=list)  # a resources section that cannot be read
    # function logical id -> (CodeSigningConfigArn, path) from an override or resources.extensions
    signing: dict[str, tuple[Item, str]] = field(default_factory=dict)


def scan_resources(r: Resolver, path: str, options: ParseOptions, region: str | None, functions: set[str],
                   placeholders: Mapping[str, str]) -> ResourcesResult:
    """``functions``: logical ids of generated functions; ``placeholders``: layer logical id -> LayerDef id."""
    out = ResourcesResult()
    section = r.get(["resources"])
    if section is None or section.value is None:
        return out
    if isinstance(section.value, Unresolved):
        where = Location(section.file, section.line, section.column, "resources")
        reason = f"{section.value.reason}; the functions and layers it defines are not seen"
        out.refs.append(LayerRef("resources", where, render(section), Resolution(section.value.kind, reason)))
        return out
    fragments = section.value if isinstance(section.value, list) else [section]
    resources: dict[str, Item] = {}
    key_at: dict[str, tuple[Item, tuple[int, int] | None]] = {}  # where each logical id is written
    extensions: dict[str, Item] = {}
    others: dict[str, Item] = {}
    for fragment in fragments:
        fragment = r.deep(fragment)
        if not fragment.is_map:
            raise InputError("resources must be a mapping (or a list of mappings)", fragment.file, fragment.line,
                             fragment.column)
        block = fragment.value.get("Resources")
        for logical_id, body in _mapping(block, "resources.Resources").items():
            assert block is not None
            resources[logical_id] = body
            key_at[logical_id] = (block, block.keys.get(logical_id))
        extensions.update(_mapping(fragment.value.get("extensions"), "resources.extensions"))
        others.update({k: v for k, v in fragment.value.items() if k in _SECTIONS})
    kept: dict[str, Item] = {}
    for logical_id, body in resources.items():
        if isinstance(body.value, Unresolved):  # could be a function: its layers cannot be seen
            where = Location(body.file, body.line, body.column, f"resources.Resources.{logical_id}")
            reason = f"{body.value.reason}; if {logical_id} is a function, its layers are not seen"
            out.refs.append(LayerRef(logical_id, where, render(body), Resolution(body.value.kind, reason)))
            continue
        if logical_id in functions or (body.is_map and "Type" not in body.value):
            layers = _layers_of(body)
            if logical_id in functions and layers is not None:
                out.merged[logical_id] = (layers, f"resources.Resources.{logical_id}.Properties.Layers")
            if logical_id in functions and (csc := _property(body, "CodeSigningConfigArn")) is not None:
                out.signing[logical_id] = (csc, f"resources.Resources.{logical_id}.Properties.CodeSigningConfigArn")
            continue
        kept[logical_id] = body
    for logical_id, body in extensions.items():
        layers = _layers_of(body)
        if logical_id in functions and layers is not None:
            out.replaced[logical_id] = (layers, f"resources.extensions.{logical_id}.Properties.Layers")
        if logical_id in functions and (csc := _property(body, "CodeSigningConfigArn")) is not None:
            out.signing[logical_id] = (csc, f"resources.extensions.{logical_id}.Properties.CodeSigningConfigArn")
    if not kept:
        return out
    builder = _Builder(path)
    top: list[tuple[Node, Node]] = [(builder.key("Resources", section), builder.resources(kept, key_at, placeholders))]
    top.extend((builder.key(name, item), builder.node(item)) for name, item in others.items())
    start = builder.mark(section)
    root = MappingNode("tag:yaml.org,2002:map", top, start, start)
    from layergate.sources.cloudformation import scan_template_node

    scoped = records.replace(options, regions=(region,) if region else options.regions)
    try:
        scan = scan_template_node(root, path, scoped, format_name="serverless", resources_only=True)
    except InputError as exc:
        file, line, column = builder.place(exc.line, exc.column)
        raise InputError(exc.message, file, line, column) from None
    out.scan = builder.restore(scan, placeholders)
    return out


def _mapping(item: Item | None, label: str) -> dict[str, Item]:
    if item is None or item.value is None:
        return {}
    if not item.is_map:
        raise InputError(f"{label} must be a mapping", item.file, item.line, item.column)
    return dict(item.value)


def _layers_of(body: Item) -> Item | None:
    return _property(body, "Layers")


def _property(body: Item, name: str) -> Item | None:
    props = body.value.get("Properties") if body.is_map else None
    if props is None or not props.is_map:
        return None
    found: Item | None = props.value.get(name)
    return found


class _Builder:
    """Items to YAML nodes with positions the CloudFormation parser reports, and back to real places."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.places: dict[int, tuple[str, int, int]] = {}
        self.markers: dict[str, Item] = {}
        # synthetic line -> (written item, file, line) of a value that came through a variable: the
        # finding points where it is written and names where it is used
        self.written: dict[int, tuple[Written, str, int]] = {}

    def mark(self, item: Item, position: tuple[int, int] | None = None) -> Mark:
        line, column = position or (item.line, item.column)
        if item.file != self.path:
            synthetic = SYNTHETIC_LINE + len(self.places)
            self.places[synthetic] = (item.file, line, column)
            line, column = synthetic, 1
        return Mark(self.path, 0, line - 1, column - 1, None, 0)

    def value_mark(self, item: Item) -> Mark:
        """A scalar that came through a variable (``${self:custom.sdk}``) is reported where it is written."""
        written = item.written
        if written is None:
            return self.mark(item)
        synthetic = SYNTHETIC_LINE + len(self.places)
        self.places[synthetic] = (written.file, written.line, written.column)
        self.written[synthetic] = (written, item.file, item.line)
        return Mark(self.path, 0, synthetic - 1, 0, None, 0)

    def key(self, name: str, item: Item) -> ScalarNode:
        mark = self.mark(item)
        return ScalarNode("tag:yaml.org,2002:str", name, mark, mark)

    def resources(self, kept: dict[str, Item], key_at: Mapping[str, tuple[Item, tuple[int, int] | None]],
                  placeholders: Mapping[str, str]) -> MappingNode:
        pairs: list[tuple[Node, Node]] = []
        for logical_id, body in kept.items():
            parent, where = key_at[logical_id]
            mark = self.mark(parent, where) if where is not None else self.mark(body)
            pairs.append((ScalarNode("tag:yaml.org,2002:str", logical_id, mark, mark), self.node(body)))
        for logical_id in placeholders:
            if logical_id not in kept:
                mark = Mark(self.path, 0, SYNTHETIC_LINE * 2, 0, None, 0)  # never reported: dropped below
                stand_in = MappingNode("tag:yaml.org,2002:map", [(
                    ScalarNode("tag:yaml.org,2002:str", "Type", mark, mark),
                    ScalarNode("tag:yaml.org,2002:str", "AWS::Lambda::LayerVersion", mark, mark))], mark, mark)
                pairs.append((ScalarNode("tag:yaml.org,2002:str", logical_id, mark, mark), stand_in))
        return MappingNode("tag:yaml.org,2002:map", pairs, pairs[0][0].start_mark, pairs[0][0].start_mark)

    def node(self, item: Item) -> Node:
        mark = self.mark(item)
        value: Any = item.value
        if item.tag and isinstance(value, dict) and len(value) == 1:
            inner = self.node(next(iter(value.values())))
            inner.tag = item.tag
            inner.start_mark = inner.end_mark = mark
            return inner
        if isinstance(value, dict):
            pairs: list[tuple[Node, Node]] = []
            for k, v in value.items():
                at = self.mark(item, item.keys.get(k))
                pairs.append((ScalarNode("tag:yaml.org,2002:str", k, at, at), self.node(v)))
            return MappingNode("tag:yaml.org,2002:map", pairs, mark, mark)
        if isinstance(value, list):
            return SequenceNode("tag:yaml.org,2002:seq", [self.node(v) for v in value], mark, mark)
        if isinstance(value, Unresolved):
            marker = f"__layergate_unresolved_{len(self.markers)}__"
            self.markers[marker] = item
            return ScalarNode("tag:yaml.org,2002:str", marker, mark, mark)
        mark = self.value_mark(item)
        if value is None:
            return ScalarNode("tag:yaml.org,2002:null", "null", mark, mark)
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        return ScalarNode(f"tag:yaml.org,2002:{_TAGS.get(type(value), 'str')}", text, mark, mark)

    def place(self, line: int, column: int) -> tuple[str, int, int]:
        return self.places.get(line, (self.path, line, column))

    def location(self, loc: Location) -> Location:
        if loc.line < SYNTHETIC_LINE:
            return loc
        file, line, column = self.place(loc.line, loc.column)
        through = self.written.get(loc.line)
        if through is None:
            return records.replace(loc, file=file, line=line, column=column)
        written, used_file, used_line = through
        used = f"line {used_line}" if used_file == written.file else f"{used_file}:{used_line}"
        return records.replace(loc, file=file, line=line, column=column, path=written.path or loc.path,
                               context=f"used at {used} ({loc.path})")

    def text(self, value: str) -> str:
        for marker, item in self.markers.items():
            if marker in value:
                value = value.replace(marker, item.raw or "?")
        return value

    def problems(self, *texts: str) -> list[Unresolved]:
        return [item.value for marker, item in self.markers.items()
                if any(marker in t for t in texts) and isinstance(item.value, Unresolved)]

    def restore(self, scan: Scan, placeholders: Mapping[str, str]) -> Scan:
        refs = []
        for ref in scan.refs:
            found = self.problems(ref.expression, ref.resolution.detail, *(c.value for c in ref.candidates))
            resolution, candidates = ref.resolution, ref.candidates
            if found:
                kind = (ResolutionKind.UNKNOWN if any(p.kind == ResolutionKind.UNKNOWN for p in found)
                        else ResolutionKind.DYNAMIC)
                resolution = Resolution(kind, "; ".join(dict.fromkeys(p.reason for p in found)))
                candidates = tuple(c for c in candidates if not self.problems(c.value))
            layer_def = placeholders.get(ref.layer_def or "", ref.layer_def)
            refs.append(records.replace(ref, location=self.location(ref.location), candidates=candidates,
                                            expression=self.text(ref.expression), resolution=resolution,
                                            layer_def=layer_def))
        defs = [records.replace(d, location=self.location(d.location), name=self.text(d.name),
                                    content=self._content(d.content))
                for d in scan.layer_defs if d.id not in placeholders]
        grants = [records.replace(g, location=self.location(g.location), layer=placeholders.get(g.layer, g.layer),
                                      principal=self._principal(g.principal)) for g in scan.grants]
        return records.replace(
            scan, refs=tuple(refs), layer_defs=tuple(defs), grants=tuple(grants),
            functions=tuple(records.replace(f, location=self.location(f.location)) for f in scan.functions),
            notes=tuple(records.replace(n, location=self.location(n.location), message=self.text(n.message))
                        for n in scan.notes),
            suppressions=tuple(records.replace(s, location=self.location(s.location))
                               for s in scan.suppressions),
            signing_configs=tuple(self._signing(c) for c in scan.signing_configs))

    def _signing(self, config: CodeSigningConfig) -> CodeSigningConfig:
        profiles = tuple(records.replace(p, location=self.location(p.location)) for p in config.profiles)
        return records.replace(config, location=self.location(config.location), profiles=profiles,
                                   enforcement_location=self.location(config.enforcement_location))

    def _content(self, content: ContentSource) -> ContentSource:
        if not self.problems(content.uri, content.object_version or ""):
            return content
        return ContentSource("unknown", self.text(content.uri))

    def _principal(self, principal: str) -> str:
        found = self.problems(principal)
        return f"<unknown: {found[0].reason}>" if found else principal
