"""Layer version ARNs assembled by ``Fn::Join`` with the version in a piece of its own.

Real templates write ``!Join [":", ["arn:aws:lambda", !Ref "AWS::Region", "464622532012", "layer",
"Datadog-Extension", "56"]]``, the version as a YAML int (``56``) or the last piece as
``"Datadog-Extension:56"``, in YAML (short or long form) or JSON. The ARN tail regex of ``versions`` cannot
see those: the pieces are read as nodes and joined. A join moves only when the pieces invert to one layer
version ARN (literal pieces, ``AWS::Region`` and ``AWS::Partition`` only) and the version digits are the
tail of the last piece, whose digits alone are then rewritten in place. A version taken from a parameter
(``!Ref LayerVersion``) is refused with the reason; pieces that do not invert are left to the coverage
check, which says "change it by hand".
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from layergate.errors import LayergateError
from layergate.records import dataclass
from layergate.yamlnodes import MappingNode, Node, ScalarNode, SequenceNode

_JOINED = re.compile(
    r"arn:(?:[\w-]+|\$\{AWS::Partition\}):lambda:(?P<region>\$\{AWS::Region\}|[a-z0-9-]+)"
    r":(?P<account>\d{12}):layer:(?P<name>[A-Za-z0-9_-]+):(?P<version>\d+)"
)
_UNVERSIONED = re.compile(
    r"arn:(?:[\w-]+|\$\{AWS::Partition\}):lambda:(?:\$\{AWS::Region\}|[a-z0-9-]+)"
    r":(?P<account>\d{12}):layer:(?P<name>[A-Za-z0-9_-]+)"
)
_PSEUDO = {"AWS::Region": "${AWS::Region}", "AWS::Partition": "${AWS::Partition}"}
_TAIL_DIGITS = re.compile(r"(\d+)[\"']?\s*\Z")


@dataclass(frozen=True, slots=True)
class Joined:
    """The version digits of one join: ``text[start:end]``; ``shown`` is the ARN the pieces make."""

    start: int
    end: int
    region: str
    account: str
    name: str
    version: int
    shown: str


@dataclass(frozen=True, slots=True)
class FromParameter:
    """A join whose version piece is ``!Ref parameter`` (its Default is ``version``)."""

    start: int
    account: str
    name: str
    version: int
    reason: str


@dataclass(frozen=True, slots=True)
class _Ref:
    name: str


def find(path: str, text: str) -> list[Joined | FromParameter]:
    """Every invertible ``Fn::Join`` of ``text`` (a YAML or JSON file, BOM included) that builds a layer ARN."""
    from layergate.fix.sites import parse

    bom = 1 if text.startswith("\ufeff") else 0
    body = text[bom:]
    try:
        root = parse(body, path, body.lstrip().startswith("{"))
    except LayergateError:
        return []  # not a template: the ARN tail regex still reads it as text
    if root is None:
        return []
    out: list[Joined | FromParameter] = []
    for delimiter, pieces in _joins(root):
        found = _invert(delimiter, pieces, body, root)
        if isinstance(found, Joined):
            out.append(Joined(found.start + bom, found.end + bom, found.region, found.account, found.name,
                              found.version, found.shown))
        elif found is not None:
            out.append(FromParameter(found.start + bom, found.account, found.name, found.version, found.reason))
    return sorted(out, key=lambda j: j.start)


def version_insertion(node: Node, account: str, name: str) -> int | None:
    """For `fix`: where ``:N`` goes in a join of literal pieces that builds ``account``'s layer ``name``
    without a version (the end of the last piece's text, inside its quotes), or None."""
    found = next(_joins(node), None)
    if found is None:
        return None
    delimiter, nodes = found
    pieces = [_piece(n) for n in nodes]
    if not all(isinstance(p, str) for p in pieces) or not str(pieces[-1]).endswith(name):
        return None
    m = _UNVERSIONED.fullmatch(delimiter.join(str(p) for p in pieces))
    if m is None or (m["account"], m["name"]) != (account, name):
        return None
    last = nodes[-1]
    assert isinstance(last, ScalarNode)
    end = int(last.end_mark.index)
    return end - 1 if last.style in ("'", '"') else end


def _joins(root: Node) -> Iterator[tuple[str, list[Node]]]:
    stack = [root]
    while stack:
        n = stack.pop()
        args: Node | None = None
        if isinstance(n, SequenceNode) and n.tag == "!Join":
            args = n
        elif isinstance(n, MappingNode) and len(n.value) == 1 and _text(n.value[0][0]) == "Fn::Join":
            args = n.value[0][1]
        if (isinstance(args, SequenceNode) and len(args.value) == 2 and isinstance(args.value[0], ScalarNode)
                and isinstance(args.value[1], SequenceNode) and args.value[1].value):
            yield str(args.value[0].value), list(args.value[1].value)
            continue
        if isinstance(n, SequenceNode):
            stack.extend(n.value)
        elif isinstance(n, MappingNode):
            stack.extend(v for _, v in n.value)


def _text(node: Node) -> str | None:
    return str(node.value) if isinstance(node, ScalarNode) and not str(node.tag).startswith("!") else None


def _piece(node: Node) -> str | _Ref | None:
    """A piece as text (pseudo parameters as ``${...}``), a ``Ref`` to a parameter, or None (opaque)."""
    name: str | None = None
    if isinstance(node, ScalarNode):
        if node.tag == "!Ref":
            name = str(node.value)
        else:
            return _text(node)
    elif isinstance(node, MappingNode) and len(node.value) == 1 and _text(node.value[0][0]) == "Ref":
        name = _text(node.value[0][1])
    if name is None:
        return None
    return _PSEUDO.get(name, _Ref(name))


def _invert(delimiter: str, nodes: list[Node], body: str, root: Node) -> Joined | FromParameter | None:
    pieces = [_piece(n) for n in nodes]
    head = pieces[:-1]
    if not all(isinstance(p, str) for p in head):
        return None
    prefix = delimiter.join(str(p) for p in head) + (delimiter if head else "")
    last, node = pieces[-1], nodes[-1]
    if isinstance(last, _Ref):
        default = _default(root, last.name)
        m = _JOINED.fullmatch(prefix + (default or ""))
        if default is None or m is None or not default.isdigit():
            return None
        return FromParameter(int(node.start_mark.index), m["account"], m["name"], int(m["version"]),
                             f"the version of {prefix}${{{last.name}}} is parameter {last.name} (Default "
                             f"{default}): change its Default, or the value passed at deploy, by hand")
    if not isinstance(last, str):
        return None
    from layergate.rewrite.versions import ARN_TAIL

    if ARN_TAIL.search(last):
        return None  # the whole tail is in the last piece: the text rewrite moves it
    m = _JOINED.fullmatch(prefix + last)
    if m is None or m.start("version") < len(prefix):
        return None
    start, end = int(node.start_mark.index), int(node.end_mark.index)
    digits = _TAIL_DIGITS.search(body, start, end)
    if digits is None or digits.group(1) != m["version"]:
        return None
    return Joined(digits.start(1), digits.end(1), m["region"], m["account"], m["name"], int(m["version"]),
                  m.group(0))


def _default(root: Node, parameter: str) -> str | None:
    from layergate.yamlnodes import get

    node = get(get(get(root, "Parameters"), parameter), "Default")
    return _text(node) if node is not None else None
