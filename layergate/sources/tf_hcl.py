"""The ``.tf`` sources beside a plan: an attribute's list elements as written, with their positions.

When a plan drops a ``layers`` list (an element is unknown until apply), the literal ARNs written next
to the unknown element survive only in the ``.tf`` files. python-hcl2 (imported here, lazily: ``check``
on a plan whose lists are all known never loads it) reads the values; ``tf_text`` finds where they are.
Both python-hcl2 output styles are read: v8 keeps quotes around literals, earlier versions strip them.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Any

from layergate.model import Location
from layergate.sources.tf_address import reference_roots
from layergate.sources.tf_config import ConfigIndex
from layergate.sources.tf_text import Span, find_attribute, find_block, line_column, mask

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


@dataclass(slots=True)
class _TfFile:
    path: str  # as shown to the user
    text: str
    masked: str | None = None
    parsed: dict[str, Any] | None = None
    error: str | None = None


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


class TfSources:
    def __init__(self, tf_dir: str, config: ConfigIndex) -> None:
        self.tf_dir = tf_dir
        self.config = config
        self._files: dict[str, list[_TfFile]] = {}
        self.errors: list[str] = []  # .tf files python-hcl2 could not read ("main.tf:3:5: ...")
        self._manifest: dict[str, str] | None = None
        self._directories: dict[tuple[str, ...], str | None] = {}
        self._attributes: dict[tuple[tuple[str, ...], str, tuple[str, ...], str], TfAttribute | None] = {}

    def directory(self, scope: tuple[str, ...]) -> str | None:
        """The directory of the module at ``scope``: local sources relative to their caller, others
        through ``.terraform/modules/modules.json`` (written by ``terraform init``)."""
        if scope not in self._directories:
            self._directories[scope] = self._directory(scope)
        return self._directories[scope]

    def _directory(self, scope: tuple[str, ...]) -> str | None:
        sources = self.config.sources(scope)
        if sources is None:
            return None
        directory = self.tf_dir
        for depth, source in enumerate(sources, start=1):
            if source.startswith(("./", "../")):
                directory = os.path.normpath(os.path.join(directory, source))
            else:
                found = self._modules_manifest().get(".".join(scope[:depth]))
                if found is None:
                    return None
                directory = os.path.normpath(os.path.join(self.tf_dir, found))
        return directory

    def _modules_manifest(self) -> dict[str, str]:
        if self._manifest is None:
            self._manifest = {}
            try:
                with open(os.path.join(self.tf_dir, ".terraform", "modules", "modules.json"), "rb") as fh:
                    data = json.load(fh)
                for entry in data.get("Modules", []):
                    if isinstance(entry, dict) and isinstance(entry.get("Key"), str):
                        self._manifest[entry["Key"]] = str(entry.get("Dir", ""))
            except (OSError, ValueError, AttributeError):
                pass
        return self._manifest

    def _load(self, directory: str) -> list[_TfFile]:
        files = self._files.get(directory)
        if files is None:
            files = []
            try:
                names = sorted(n for n in os.listdir(directory) if n.endswith(".tf"))
            except OSError:
                names = []
            for name in names:
                path = os.path.normpath(os.path.join(directory, name))
                try:
                    with open(path, encoding="utf-8") as fh:
                        files.append(_TfFile(path, fh.read()))
                except (OSError, UnicodeDecodeError) as exc:
                    self.errors.append(f"{path}: cannot read: {exc}")
            self._files[directory] = files
        return files

    def has_sources(self, scope: tuple[str, ...]) -> bool:
        directory = self.directory(scope)
        return directory is not None and bool(self._load(directory))

    def block(self, scope: tuple[str, ...], kind: str, labels: tuple[str, ...]) -> Location | None:
        """Where a block starts (no python-hcl2 needed): for records that point at a whole resource."""
        directory = self.directory(scope)
        for tf in self._load(directory) if directory else []:
            tf.masked = tf.masked if tf.masked is not None else mask(tf.text)
            body = find_block(tf.text, tf.masked, kind, labels)
            if body is not None:
                header = tf.text.rfind("\n", 0, body.start) + 1
                line, _ = line_column(tf.text, header)
                column = len(tf.text[header:body.start]) - len(tf.text[header:body.start].lstrip()) + 1
                return Location(tf.path, line, column)
        return None

    def attribute(self, scope: tuple[str, ...], kind: str, labels: tuple[str, ...], name: str) -> TfAttribute | None:
        """``name`` of the block ``kind "labels..."`` in the module at ``scope``; None when not written.

        Locations carry no logical path: the caller knows which consumer it reads the attribute for.
        """
        key = (scope, kind, labels, name)
        if key not in self._attributes:
            self._attributes[key] = self._find_attribute(scope, kind, labels, name)
        return self._attributes[key]

    def _find_attribute(
        self, scope: tuple[str, ...], kind: str, labels: tuple[str, ...], name: str
    ) -> TfAttribute | None:
        directory = self.directory(scope)
        for tf in self._load(directory) if directory else []:
            parsed = self._parse(tf)
            if parsed is None:
                continue
            for body in _blocks(parsed, kind, labels):
                if name in body:
                    return self._attribute(tf, kind, labels, name, body[name])
        return None

    def _parse(self, tf: _TfFile) -> dict[str, Any] | None:
        if tf.parsed is None and tf.error is None:
            import hcl2  # lazily: a plan with known layer lists never needs it

            try:
                parsed = hcl2.loads(tf.text)
            except Exception as exc:  # python-hcl2 raises lark's exceptions, and others on odd input
                line = getattr(exc, "line", 0)
                column = getattr(exc, "column", 0)
                where = f"{tf.path}:{line}:{column}" if line else tf.path
                tf.error = f"{where}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
                self.errors.append(tf.error)
                return None
            tf.parsed = parsed if isinstance(parsed, dict) else {}
        return tf.parsed

    def _attribute(self, tf: _TfFile, kind: str, labels: tuple[str, ...], name: str, value: Any) -> TfAttribute:
        tf.masked = tf.masked if tf.masked is not None else mask(tf.text)
        body = find_block(tf.text, tf.masked, kind, labels)
        found = find_attribute(tf.masked, body, name) if body else None
        span = found[1] if found else Span(0, 0)
        where = self._location(tf, found[0]) if found else Location(tf.path)
        is_list = isinstance(value, list)
        cursor = span.start
        elements: list[TfElement] = []
        for item in value if is_list else [value]:
            literal, expression = _classify(item)
            # Searched as written; python-hcl2 may render a computed expression differently (then the
            # attribute's own position is used).
            pos = tf.text.find(expression, cursor, span.end) if expression else -1
            location = where if pos < 0 else self._location(tf, pos)
            start = cursor if pos < 0 else pos
            cursor = cursor if pos < 0 else pos + len(expression)
            arns: list[tuple[str, Location]] = []
            roots: tuple[str, ...] = ()
            places: list[tuple[str, Location]] = []
            if literal is None:
                for arn in _ARN_LITERAL.findall(expression):
                    at = tf.text.find(f'"{arn}"', start, span.end)
                    arns.append((arn, location if at < 0 else self._location(tf, at)))
                roots = expression_roots(expression)
                for root in roots:  # outside strings first (masked), else inside a template's ${ }
                    at = tf.masked.find(root, start, span.end)
                    at = at if at >= 0 else tf.text.find(root, start, span.end)
                    places.append((root, location if at < 0 else self._location(tf, at)))
            elements.append(TfElement(literal, expression, roots, tuple(arns), location, tuple(places)))
        return TfAttribute(tuple(elements), is_list, where)

    @staticmethod
    def _location(tf: _TfFile, pos: int) -> Location:
        line, column = line_column(tf.text, pos)
        return Location(tf.path, line, column)


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
