"""Reading CloudFormation structure off position-carrying nodes (YAML or JSON alike).

Intrinsic functions come in two spellings: the YAML short form (a tag, ``!Sub x``) and the long form
(a one-key mapping, ``{"Fn::Sub": x}``). ``intrinsic`` gives both the same shape, so the evaluator has
one code path. ``render`` turns an expression back into compact text for messages, bounded in length
so an alias bomb cannot make it expensive.
"""

from __future__ import annotations

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from layergate.records import dataclass

NULL_TAG = "tag:yaml.org,2002:null"
MAX_RENDER = 240

# YAML short-form tags and the long-form names they stand for.
SHORT_FORMS = {
    "Ref": "Ref",
    "Condition": "Condition",
    **{name: f"Fn::{name}" for name in (
        "Base64", "Cidr", "FindInMap", "GetAtt", "GetAZs", "ImportValue", "Join", "Select", "Split", "Sub",
        "Transform", "If", "Equals", "Not", "And", "Or", "Length", "ToJsonString",
    )},
}


@dataclass(frozen=True, slots=True)
class Intrinsic:
    """An intrinsic function call: its long-form name and its argument.

    For the short form the argument is the tagged node itself (``own_tag``): its tag must be ignored when
    the argument is read, or the call would be found again.
    """

    name: str  # "Ref", "Fn::Sub", ...; an unknown short tag keeps its "!Name" spelling
    arg: Node
    own_tag: bool


def intrinsic(node: Node) -> Intrinsic | None:
    tag = node.tag
    if tag.startswith("!"):
        short = tag[1:]
        return Intrinsic(SHORT_FORMS.get(short, tag), node, True)
    if isinstance(node, MappingNode) and len(node.value) == 1:
        key, arg = node.value[0]
        if isinstance(key, ScalarNode) and (key.value in ("Ref", "Condition") or key.value.startswith("Fn::")):
            return Intrinsic(str(key.value), arg, False)
    return None


def is_null(node: Node | None) -> bool:
    return node is None or (isinstance(node, ScalarNode) and node.tag == NULL_TAG)


def text(node: Node | None) -> str | None:
    """The text of a plain (not intrinsic, not null) scalar."""
    if isinstance(node, ScalarNode) and not node.tag.startswith("!") and node.tag != NULL_TAG:
        return str(node.value)
    return None


def fields(node: Node | None) -> dict[str, Node]:
    """The scalar-keyed entries of a mapping node, with YAML merge keys (``<<: *base``) applied.

    Explicit keys win over merged ones, as in PyYAML's constructor: a template that takes its ``Layers``
    from an anchor must not hide them from the scan.
    """
    if not isinstance(node, MappingNode):
        return {}
    out = {str(k.value): v for k, v in node.value if isinstance(k, ScalarNode)}
    if "<<" not in out:
        return out
    out = {}
    merged: list[Node] = []
    for key, value in node.value:
        if isinstance(key, ScalarNode):
            if _is_merge(key):
                merged.extend(value.value if isinstance(value, SequenceNode) else [value])
            else:
                out[str(key.value)] = value
    for base in merged:  # one level of merging: a merged mapping's own merges are not followed
        if isinstance(base, MappingNode):
            for key, value in base.value:
                if isinstance(key, ScalarNode) and not _is_merge(key):
                    out.setdefault(str(key.value), value)
    return out


def _is_merge(key: ScalarNode) -> bool:
    return key.value == "<<" and key.tag == "tag:yaml.org,2002:merge"


def key_nodes(node: Node | None) -> list[tuple[str, ScalarNode, Node]]:
    """(key, key node, value node) for each scalar-keyed entry, in document order (merge keys skipped)."""
    if not isinstance(node, MappingNode):
        return []
    return [(str(k.value), k, v) for k, v in node.value if isinstance(k, ScalarNode) and not _is_merge(k)]


def kind_of(node: Node) -> str:
    """What a node is, for messages: a string, a list, a mapping."""
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, MappingNode):
        return "a mapping"
    if is_null(node):
        return "an empty value"
    return "a string"


def render(node: Node, json_style: bool = False, limit: int = MAX_RENDER) -> str:
    """Compact text of an expression as written: ``!Sub arn:...``, ``{"Ref": "X"}``, ``!If [C, a, b]``.

    A plain string stands for itself, unquoted, also in JSON.
    """
    if isinstance(node, ScalarNode) and not node.tag.startswith("!") and node.value and "\n" not in node.value:
        value = str(node.value)
        return value if len(value) <= limit else value[: limit - 3] + "..."
    out: list[str] = []
    size = 0

    def emit(piece: str) -> bool:
        nonlocal size
        out.append(piece)
        size += len(piece)
        return size <= limit

    def walk(n: Node, depth: int) -> bool:
        if depth > 50:
            return emit("...")
        tag = n.tag
        if tag.startswith("!") and not emit(tag + " "):
            return False
        if isinstance(n, ScalarNode):
            return emit(_scalar(n, json_style))
        if isinstance(n, SequenceNode):
            if not emit("["):
                return False
            for i, item in enumerate(n.value):
                if (i and not emit(", ")) or not walk(item, depth + 1):
                    return False
            return emit("]")
        if not emit("{"):
            return False
        for i, (k, v) in enumerate(n.value):
            if (i and not emit(", ")) or not walk(k, depth + 1) or not emit(": ") or not walk(v, depth + 1):
                return False
        return emit("}")

    walk(node, 0)
    result = "".join(out)
    return result if len(result) <= limit else result[: limit - 3] + "..."


def _scalar(n: ScalarNode, json_style: bool) -> str:
    value = str(n.value)
    if json_style and n.style == '"':
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if value == "" or "\n" in value:
        return '"' + value.replace("\n", "\\n") + '"'
    return value
