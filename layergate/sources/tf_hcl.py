"""An attribute's list elements as written in the ``.tf`` sources, with their positions.

When a plan drops a ``layers`` list (an element is unknown until apply), the literal ARNs written next
to the unknown element survive only in the ``.tf`` files. python-hcl2 (imported here, lazily: ``check``
on a plan whose lists are all known never loads it) tells the elements apart; ``tf_files`` finds where
they are. Both python-hcl2 output styles are read: v8 keeps quotes around literals, earlier versions
strip them.
"""

from __future__ import annotations

import json
import re
from typing import Any

from yaml.nodes import Node, ScalarNode, SequenceNode

from layergate.jsonnodes import STR_TAG
from layergate.model import Location
from layergate.records import dataclass
from layergate.sources.tf_address import reference_roots
from layergate.sources.tf_files import TfFile, TfSources, WrittenAttribute
from layergate.sources.tf_text import Span

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_INTERPOLATION = re.compile(r"\$\{([^{}]*)\}")
_REFERENCE = re.compile(
    r"(?<![\w.\-])((?:data\.)?[A-Za-z_][A-Za-z0-9_-]*\.[A-Za-z_][A-Za-z0-9_-]*(?:\[[0-9]+\])?)"
)
_ARN_LITERAL = re.compile(r'"(arn:[^"\\$]*)"')
_VALUE_KINDS = ("var.", "local.", "module.", "data.")


@dataclass(frozen=True, slots=True)
class TfElement:
    """One element of a list attribute (or the whole expression when it is not a list)."""

    literal: str | None  # the string, when the element is a plain string literal
    expression: str  # as written (python-hcl2's rendering, without ${ })
    roots: tuple[str, ...]  # what it references (var.x, aws_lambda_layer_version.y, ...)
    arn_literals: tuple[tuple[str, Location], ...]  # "arn:..." strings inside a larger expression
    location: Location
    root_locations: tuple[tuple[str, Location], ...] = ()  # where each root is written

    def root_location(self, root: str) -> Location:
        return next((loc for r, loc in self.root_locations if r == root), self.location)


@dataclass(frozen=True, slots=True)
class TfAttribute:
    elements: tuple[TfElement, ...]
    is_list: bool
    location: Location  # the attribute's name

    @property
    def roots(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r for e in self.elements for r in e.roots))


def _unquote(key: str) -> str:
    return key[1:-1] if len(key) >= 2 and key[0] == key[-1] == '"' else key


def _classify(value: Any) -> tuple[str | None, str]:
    """(literal string or None, expression text) of one python-hcl2 value."""
    if not isinstance(value, str):
        return None, json.dumps(value)
    if value.startswith("${") and value.endswith("}"):
        return None, value[2:-1]
    if len(value) >= 2 and value[0] == value[-1] == '"':  # python-hcl2 8: quoted literal or template
        inner = value[1:-1]
        if "${" in inner or "%{" in inner:
            return None, value
        return inner.replace('\\"', '"').replace("\\\\", "\\"), value
    if "${" in value:
        return None, f'"{value}"'
    return value, json.dumps(value)


def expression_roots(expression: str) -> tuple[str, ...]:
    """Roots of the references in an expression's text (strings skipped, interpolations kept)."""
    code = _STRING.sub(lambda m: " " + " ".join(_INTERPOLATION.findall(m[0])) + " ", expression)
    found = [r for r in _REFERENCE.findall(code) if r.startswith(_VALUE_KINDS) or "_" in r.split(".")[0]]
    return reference_roots(found)


class HclReader:
    """List elements as written, read with python-hcl2: only for lists the plan dropped."""

    def __init__(self, sources: TfSources) -> None:
        self.sources = sources
        self._attributes: dict[tuple[tuple[str, ...], str, tuple[str, ...], str], TfAttribute | None] = {}

    def attribute(self, scope: tuple[str, ...], kind: str, labels: tuple[str, ...], name: str) -> TfAttribute | None:
        """``name`` of the block ``kind "labels..."`` in the module at ``scope``; None when not written.

        Locations carry no logical path: the caller knows which consumer it reads the attribute for.
        """
        key = (scope, kind, labels, name)
        if key not in self._attributes:
            self._attributes[key] = self._find(scope, kind, labels, name)
        return self._attributes[key]

    def _find(self, scope: tuple[str, ...], kind: str, labels: tuple[str, ...], name: str) -> TfAttribute | None:
        for tf in self.sources.files(scope):
            if tf.is_json:  # JSON syntax: the nodes hold the values and their positions
                written = self.sources.written(scope, kind, labels, name)
                if written is not None and written.file is tf and written.node is not None:
                    return _json_attribute(tf, written, written.node)
                continue
            parsed = self._parse(tf)
            if parsed is None:
                continue
            for body in _blocks(parsed, kind, labels):
                if name in body:
                    return _attribute(tf, self.sources.written(scope, kind, labels, name), body[name])
        return None

    def _parse(self, tf: TfFile) -> dict[str, Any] | None:
        if tf.parsed is None and tf.error is None:
            import hcl2  # lazily: only a list the plan dropped needs it

            try:
                parsed = hcl2.loads(tf.text)
            except Exception as exc:  # python-hcl2 raises lark's exceptions, and others on odd input
                line = getattr(exc, "line", 0)
                column = getattr(exc, "column", 0)
                where = f"{tf.path}:{line}:{column}" if line else tf.path
                tf.error = f"{where}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
                self.sources.errors.append(tf.error)
                return None
            tf.parsed = parsed if isinstance(parsed, dict) else {}
        return tf.parsed


def _attribute(tf: TfFile, written: WrittenAttribute | None, value: Any) -> TfAttribute:
    """The elements of ``value`` with the positions where the text shows them."""
    if written is None or written.file is not tf:  # python-hcl2 sees it, the text search does not
        where, span, origin = Location(tf.path), Span(0, 0), ""
    else:
        where, span, origin = written.location, written.value, written.origin
    is_list = isinstance(value, list)
    cursor = span.start
    elements: list[TfElement] = []
    for item in value if is_list else [value]:
        literal, expression = _classify(item)
        # Searched as written; python-hcl2 may render a computed expression differently (then the
        # attribute's own position is used).
        pos = tf.text.find(expression, cursor, span.end) if expression else -1
        location = where if pos < 0 else tf.location(pos, origin)
        start = cursor if pos < 0 else pos
        cursor = cursor if pos < 0 else pos + len(expression)
        arns: list[tuple[str, Location]] = []
        roots: tuple[str, ...] = ()
        places: list[tuple[str, Location]] = []
        if literal is None:
            for arn in _ARN_LITERAL.findall(expression):
                at = tf.text.find(f'"{arn}"', start, span.end)
                arns.append((arn, location if at < 0 else tf.location(at, origin)))
            roots = expression_roots(expression)
            for root in roots:  # outside strings first (masked), else inside a template's ${ }
                at = tf.masked.find(root, start, span.end)
                at = at if at >= 0 else tf.text.find(root, start, span.end)
                places.append((root, location if at < 0 else tf.location(at, origin)))
        elements.append(TfElement(literal, expression, roots, tuple(arns), location, tuple(places)))
    return TfAttribute(tuple(elements), is_list, where)


def _json_attribute(tf: TfFile, written: WrittenAttribute, node: Node) -> TfAttribute:
    """The elements of an attribute of a .tf.json file, each at its JSON token."""
    from layergate.sources.tf_json import template_expression

    is_list = isinstance(node, SequenceNode)
    elements: list[TfElement] = []
    for item in node.value if isinstance(node, SequenceNode) else [node]:
        start, end = item.start_mark.index, item.end_mark.index
        location = tf.location(start, written.origin)
        if isinstance(item, ScalarNode) and item.tag == STR_TAG:
            literal, expression = template_expression(item.value)
        else:
            literal, expression = None, tf.text[start:end]
        if literal is not None:
            elements.append(TfElement(literal, json.dumps(literal), (), (), location))
            continue
        roots = expression_roots(expression)
        places = []
        for root in roots:
            at = tf.text.find(root, start, end)
            places.append((root, location if at < 0 else tf.location(at, written.origin)))
        arns = tuple((arn, location) for arn in _ARN_LITERAL.findall(expression))
        elements.append(TfElement(None, expression, roots, arns, location, tuple(places)))
    return TfAttribute(tuple(elements), is_list, written.location)


def _blocks(parsed: dict[str, Any], kind: str, labels: tuple[str, ...]) -> list[dict[str, Any]]:
    """Bodies of the blocks ``kind "label"...`` in python-hcl2's output (labels quoted or not)."""
    found: list[dict[str, Any]] = []
    entries = parsed.get(kind)
    for entry in entries if isinstance(entries, list) else [entries]:
        node: Any = entry
        for label in labels:
            if not isinstance(node, dict):
                node = None
                break
            node = next((v for k, v in node.items() if _unquote(k) == label), None)
        if isinstance(node, list):  # some python-hcl2 versions wrap a block body in a list
            node = node[0] if node else None
        if isinstance(node, dict):
            found.append(node)
    return found
