"""From a function's ``Layers`` to ``LayerRef`` records: list entries, SAM Globals, resolutions.

Each entry keeps the position of what the user wrote: a list item points at the item, a list that comes
whole from a parameter (``Layers: !Ref LayerList``) gives one reference per element, all pointing at the
``!Ref``. An ``Fn::If`` over whole lists contributes the entries of both branches.
"""

from __future__ import annotations

from collections import defaultdict

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from layergate.errors import InputError
from layergate.model import Candidate, LayerRef, Location, Resolution, ResolutionKind
from layergate.records import dataclass
from layergate.sources.cfn_intrinsics import Evaluator
from layergate.sources.cfn_nodes import fields, intrinsic, is_null, kind_of, text
from layergate.sources.cfn_pseudo import dynamic_reference
from layergate.sources.cfn_values import NO_VALUE, Alt, InternalLayer, Origin, Problem, Value


@dataclass(frozen=True, slots=True)
class Entry:
    """One slot of a layer list, before it is attached to a function."""

    node: Node  # where the finding points
    path: str
    expression: str
    value: Value
    index: int  # position in the list it came from


def layer_entries(ev: Evaluator, node: Node | None, path: str) -> list[Entry]:
    """The entries of a ``Layers`` value; a value that is not a list is an input error."""
    if is_null(node):
        return []
    assert node is not None
    call = intrinsic(node)
    if call is None:
        if not isinstance(node, SequenceNode):
            raise _error(ev, node, f"Layers must be a list of layer ARNs, found {kind_of(node)}")
        entries = []
        for i, item in enumerate(node.value):
            if item.__class__ is not ScalarNode and intrinsic(item) is None:
                raise _error(ev, item, f"Layers entry {i} must be a layer ARN or an intrinsic function, "
                                       f"found {kind_of(item)}{_unquoted_dynamic_reference(item)}")
            entries.append(Entry(item, f"{path}/{i}", ev.render(item), ev.finish(ev.value(item)), i))
        return entries
    if call.name == "Fn::If" and isinstance(call.arg, SequenceNode) and len(call.arg.value) == 3:
        branches = call.arg.value
        return [*layer_entries(ev, branches[1], f"{path}/Fn::If/1"),
                *layer_entries(ev, branches[2], f"{path}/Fn::If/2")]
    return _list_from_expression(ev, node, path)


def _unquoted_dynamic_reference(node: Node) -> str:
    """The hint for ``- {{resolve:ssm:/x}}`` as vendors' docs print it: YAML reads it as a mapping in a mapping."""
    if not isinstance(node, MappingNode) or len(node.value) != 1 or not isinstance(node.value[0][0], MappingNode):
        return ""
    inner = node.value[0][0].value
    key = inner[0][0] if len(inner) == 1 else None
    if key.__class__ is not ScalarNode or not str(key.value).startswith("resolve:"):
        return ""
    return (f": without quotes, {{{{{key.value}}}}} is YAML for a mapping in a mapping; "
            f"quote it: '{{{{{key.value}}}}}'")


def _list_from_expression(ev: Evaluator, node: Node, path: str) -> list[Entry]:
    """A whole list computed by one expression: one entry per element, across all alternatives."""
    value = ev.finish(ev.value(node))
    expression = ev.render(node)
    groups: defaultdict[int, list[Alt]] = defaultdict(list)
    problems = list(value.problems)
    for alt in value.alts:
        if isinstance(alt.value, tuple):
            for i, item in enumerate(alt.value):
                groups[i].append(Alt(item, alt.region, alt.origin))
        elif alt.value is not NO_VALUE:
            what = "a layer defined in this template" if isinstance(alt.value, InternalLayer) else "a string"
            problems.append(Problem(ResolutionKind.UNKNOWN, f"Layers must be a list; {expression} gives {what}"))
    if not groups:
        if not problems:
            return []
        return [Entry(node, path, expression, Value((), tuple(problems), value.params), 0)]
    return [Entry(node, f"{path}/{i}", expression, Value(tuple(alts), tuple(problems), value.params), i)
            for i, alts in sorted(groups.items())]


def span(entries: list[Entry]) -> int:
    return max((e.index for e in entries), default=-1) + 1


def merge_globals(global_node: Node | None, local_node: Node | None) -> str:
    """Which Layers a SAM function ends up with: "global", "local" or "both" (globals first).

    SAM concatenates two lists and otherwise lets the function's own value win: an intrinsic such as
    ``!Ref LayerList`` replaces the globals (samtranslator/plugins/globals/globals.py).
    """
    if local_node is None:
        return "global"
    if global_node is None:
        return "local"
    if _is_plain_list(global_node) and _is_plain_list(local_node):
        return "both"
    return "local"


def _is_plain_list(node: Node) -> bool:
    return isinstance(node, SequenceNode) and intrinsic(node) is None


Resolved = list[tuple[Resolution, tuple[Candidate, ...], str | None, Origin | None]]
ResolvedCache = dict[int, tuple[Value, Resolved]]


def refs_of(consumer: str, file: str, entries: list[Entry], offset: int, cache: ResolvedCache) -> list[LayerRef]:
    """The references of one function; ``cache`` (one per template) resolves each shared value once."""
    refs: list[LayerRef] = []
    for entry in entries:
        mark = entry.node.start_mark
        location = Location(file, mark.line + 1, mark.column + 1, entry.path)
        value = entry.value
        hit = cache.get(id(value))
        if hit is None:
            hit = cache[id(value)] = (value, resolve(value))  # the value is kept, so its id stays its own
        for resolution, candidates, layer_def, origin in hit[1]:
            where = location if origin is None else placed_at(location, origin)
            refs.append(LayerRef(consumer, where, entry.expression, resolution, candidates, layer_def,
                                 offset + entry.index))
    return refs


def placed_at(entry: Location, origin: Origin) -> Location:
    """Where a value is written: in the entry (a branch of ``!If``), or elsewhere (a parameter default, a
    mapping), which then names the entry that uses it."""
    if not origin.path:
        return Location(entry.file, origin.line, origin.column, entry.path, entry.context)
    site = f"used at line {entry.line} ({entry.path})"
    return Location(entry.file, origin.line, origin.column, origin.path,
                    f"{entry.context}; {site}" if entry.context else site)


def resolve(value: Value) -> Resolved:
    """How an entry's value was obtained and the ARNs it can take, once per place its values are written
    (the entry itself first, then each ``!If`` branch, parameter default or mapping value). Empty when it
    is only AWS::NoValue. What cannot be known is reported at the entry.
    """
    groups: dict[Origin | None, list[Alt]] = {None: []} if value.problems else {}
    for alt in value.alts:
        groups.setdefault(alt.origin, []).append(alt)
    out: Resolved = []
    for origin, alts in groups.items():
        problems = list(value.problems) if origin is None else []
        out.extend((*r, origin) for r in _resolve_alts(alts, problems, value.params))
    return out


def _resolve_alts(alts: list[Alt], problems: list[Problem], params: tuple[tuple[str, str], ...]
                  ) -> list[tuple[Resolution, tuple[Candidate, ...], str | None]]:
    """A value that mixes kinds (an ``Fn::If`` between a literal and a parameter with no value) takes the
    least certain kind, and keeps the candidates that are known. Each further internal layer (an
    ``Fn::If`` between two layers of the template) gets a reference of its own.
    """
    candidates: list[Candidate] = []
    internal: list[str] = []
    for alt in alts:
        v = alt.value
        if isinstance(v, str):
            problem = dynamic_reference(v)
            if problem is not None:
                problems.append(problem)
            else:
                candidates.append(Candidate(v, alt.region))
        elif isinstance(v, InternalLayer):
            internal.append(v.layer)
        elif isinstance(v, tuple):
            problems.append(Problem(ResolutionKind.UNKNOWN, "a list where a layer ARN is expected"))
    candidates = list(dict.fromkeys(candidates))
    internal = list(dict.fromkeys(internal))
    if not (problems or candidates or internal):
        return []
    if problems:
        kind = (ResolutionKind.UNKNOWN if any(p.kind == ResolutionKind.UNKNOWN for p in problems)
                else ResolutionKind.DYNAMIC)
        resolution = Resolution(kind, "; ".join(dict.fromkeys(p.reason for p in problems)))
    elif not candidates:
        resolution = Resolution(ResolutionKind.INTERNAL, internal[0])
    elif params:
        names = ", ".join(dict.fromkeys(name for name, _ in params))
        sources = ", ".join(dict.fromkeys(source for _, source in params))
        resolution = Resolution(ResolutionKind.PARAMETER, names, sources)
    else:
        resolution = Resolution(ResolutionKind.LITERAL)
    first = (resolution, tuple(candidates), internal[0] if internal else None)
    return [first, *((Resolution(ResolutionKind.INTERNAL, layer), (), layer) for layer in internal[1:])]


class FunctionLayers:
    """The layer references of each function of one template, SAM ``Globals.Function`` applied."""

    def __init__(self, ev: Evaluator, sam_globals: dict[str, Node]) -> None:
        self.ev = ev
        self.sam_globals = sam_globals
        self._global_entries: list[Entry] | None = None  # read once, shared by every function
        self._resolved: ResolvedCache = {}

    def refs(self, logical_id: str, sam: bool, props_node: Node | None) -> list[LayerRef]:
        ev, path = self.ev, self.ev.info.path
        if props_node is not None and not is_null(props_node) and (
            not isinstance(props_node, MappingNode) or intrinsic(props_node) is not None
        ):
            return [_opaque_properties(ev, logical_id, props_node)]
        props = fields(props_node)
        package = text(props.get("PackageType"))
        if package is None and sam:
            package = text(self.sam_globals.get("PackageType"))
        if package == "Image":
            return []  # container-image functions cannot have layers
        local = props.get("Layers")
        mode = merge_globals(self.sam_globals.get("Layers"), local) if sam else "local"
        refs: list[LayerRef] = []
        offset = 0
        if mode in ("global", "both"):
            if self._global_entries is None:
                self._global_entries = layer_entries(ev, self.sam_globals.get("Layers"), "Globals/Function/Layers")
            refs.extend(refs_of(logical_id, path, self._global_entries, 0, self._resolved))
            offset = span(self._global_entries)
        if mode in ("local", "both"):
            entries = layer_entries(ev, local, f"Resources/{logical_id}/Properties/Layers")
            refs.extend(refs_of(logical_id, path, entries, offset, self._resolved))
        return refs


def _opaque_properties(ev: Evaluator, logical_id: str, node: Node) -> LayerRef:
    """Properties computed by an intrinsic (``Fn::If``, ``Fn::Transform``): its Layers cannot be read."""
    expression = ev.render(node)
    reason = f"the Properties of {logical_id} are computed ({expression}); layergate cannot read its Layers"
    mark = node.start_mark
    return LayerRef(logical_id, Location(ev.info.path, mark.line + 1, mark.column + 1,
                                         f"Resources/{logical_id}/Properties"),
                    expression, Resolution(ResolutionKind.UNKNOWN, reason))


def _error(ev: Evaluator, node: Node, message: str) -> InputError:
    mark = node.start_mark
    return InputError(message, ev.info.path, mark.line + 1, mark.column + 1)


