"""Terraform's JSON syntax (``*.tf.json``): blocks and attributes found in position-carrying nodes.

``{"resource": {"aws_lambda_function": {"api": {"layers": [...]}}}}`` is the block
``resource "aws_lambda_function" "api"``. At the block type and at every label level the value may also
be an array of such objects (Terraform merges them), and keys named ``//`` are comments. Strings are
templates: ``"${local.layers}"`` is the expression ``local.layers``, ``"arn:..."`` a literal, ``"$${"`` an
escaped ``${``.
"""

from __future__ import annotations

from collections.abc import Iterator

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from layergate.sources.tf_files import TfFile

COMMENT_KEY = "//"


def _objects(node: Node) -> Iterator[MappingNode]:
    """``node`` itself when it is an object; the objects of an array of objects."""
    if isinstance(node, MappingNode):
        yield node
    elif isinstance(node, SequenceNode):
        yield from (n for n in node.value if isinstance(n, MappingNode))


def _members(node: Node, key: str) -> Iterator[tuple[ScalarNode, Node]]:
    for obj in _objects(node):
        for k, v in obj.value:
            if isinstance(k, ScalarNode) and k.value == key:
                yield k, v


def blocks(root: Node | None, kind: str, labels: tuple[str, ...]) -> Iterator[tuple[ScalarNode, MappingNode]]:
    """(the innermost key, the body) of every ``kind "labels..."`` block in a file's nodes."""
    if root is None:
        return
    if not kind:  # the top level itself (a .tfvars.json file)
        if isinstance(root, MappingNode):
            yield ScalarNode("", "", root.start_mark, root.start_mark), root
        return
    level: list[tuple[ScalarNode, Node]] = list(_members(root, kind))
    for label in labels:
        level = [hit for _, node in level for hit in _members(node, label)]
    for key, node in level:
        for body in _objects(node):
            yield key, body


def json_block(tf: TfFile, kind: str, labels: tuple[str, ...]) -> int | None:
    """The offset of the first ``kind "labels..."`` block's innermost key."""
    for key, _ in blocks(tf.nodes(), kind, labels):
        return int(key.start_mark.index)
    return None


def json_attribute(tf: TfFile, kind: str, labels: tuple[str, ...], name: str) -> tuple[ScalarNode, Node] | None:
    """(key, value) of attribute ``name`` directly in a ``kind "labels..."`` block (the first one that has it)."""
    for _, body in blocks(tf.nodes(), kind, labels):
        for key, value in body.value:
            if isinstance(key, ScalarNode) and key.value == name and name != COMMENT_KEY:
                return key, value
    return None


def template_expression(value: str) -> tuple[str | None, str]:
    """(literal or None, expression text) of a JSON string: ``"${x}"`` is ``x``; a string with an
    interpolation elsewhere is the template ``"..."``; anything else is a literal."""
    if value.startswith("${") and _closing(value, 2) == len(value) - 1:
        return None, value[2:-1].strip()
    plain = value.replace("$${", "").replace("%%{", "")
    if "${" in plain or "%{" in plain:
        return None, f'"{value}"'
    return value.replace("$${", "${").replace("%%{", "%{"), value


def _closing(text: str, start: int) -> int:
    """The index of the ``}`` that closes an interpolation opened before ``start``; -1 when none does."""
    depth, i, quote = 1, start, False
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == '"':
                quote = False
        elif ch == '"':
            quote = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1
