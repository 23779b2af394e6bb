"""The ``.tf`` and ``.tf.json`` files beside a plan: which directory holds a module, and where things are
written there.

Text only, no python-hcl2: a plan whose layer lists are known needs nothing but positions (the values
are in the plan), and finding a block, an attribute and the strings in it is a few regular expressions
over the masked text (see ``tf_text``). A ``.tf.json`` file (Terraform's JSON syntax) is read into
position-carrying nodes instead (see ``tf_json``). Directories and attributes are looked up once per
module, not once per module instance.

Every position carries the logical name of the attribute it is in (``local.x``, ``variable.v.default``,
``module.svc.layers``, ``aws_lambda_function.api.layers``) as its path, so a value written away from the
function that uses it can name both places.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from layergate.model import Location
from layergate.records import dataclass, field
from layergate.sources.tf_config import ConfigIndex
from layergate.sources.tf_text import Span, find_attribute, find_block, line_column, mask

if TYPE_CHECKING:
    from yaml.nodes import Node

_MASKED_STRING = re.compile(r'"[ ]*"')  # a string in the masked text: its quotes, its inside blanked


@dataclass(slots=True)
class TfFile:
    path: str  # as shown to the user
    text: str
    _masked: str | None = None
    parsed: dict[str, Any] | None = None  # python-hcl2's reading, when a dropped list needed it
    error: str | None = None
    _nodes: Node | None = None  # a .tf.json file's nodes, read on first use

    @property
    def is_json(self) -> bool:
        return self.path.endswith(".json")

    @property
    def masked(self) -> str:
        if self._masked is None:
            self._masked = json_mask(self.text) if self.is_json else mask(self.text)
        return self._masked

    def nodes(self) -> Node | None:
        """The nodes of a .tf.json file; None (and ``error`` set) when it is not valid JSON."""
        if self._nodes is None and self.error is None:
            from layergate.errors import InputError
            from layergate.jsonnodes import parse_json

            try:
                self._nodes = parse_json(self.text, self.path)
            except InputError as exc:
                self.error = str(exc)
        return self._nodes

    def location(self, pos: int, path: str = "") -> Location:
        line, column = line_column(self.text, pos)
        return Location(self.path, line, column, path)


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def json_mask(text: str) -> str:
    """A JSON text with the inside of its strings blanked (same length)."""
    return _JSON_STRING.sub(lambda m: '"' + " " * (len(m[0]) - 2) + '"', text)


def origin_name(scope: tuple[str, ...], kind: str, labels: tuple[str, ...], name: str) -> str:
    """The logical name of an attribute: ``local.x``, ``module.svc.variable.v.default``, ``module.m.layers``."""
    prefix = "".join(f"module.{n}." for n in scope)
    if kind == "locals":
        return f"{prefix}local.{name}"
    head = ".".join(labels) if kind == "resource" else ".".join(("data", *labels)) if kind == "data" else ".".join(
        (kind, *labels))
    return f"{prefix}{head}.{name}"


@dataclass(frozen=True, slots=True)
class WrittenAttribute:
    """An attribute as written: where its name is, and the plain strings of its value with positions."""

    file: TfFile
    name_at: int
    value: Span
    strings: Mapping[str, tuple[Location, ...]] = field(default_factory=dict)
    origin: str = ""  # the attribute's logical name (see origin_name)
    node: Node | None = None  # the value's node, in a .tf.json file

    @property
    def location(self) -> Location:
        return self.file.location(self.name_at, self.origin)

    def reference(self, root: str) -> Location | None:
        """Where ``root`` is written in the value (outside strings, else inside a template's ``${ }``)."""
        at = self.file.masked.find(root, self.value.start, self.value.end)
        at = at if at >= 0 else self.file.text.find(root, self.value.start, self.value.end)
        return self.file.location(at, self.origin) if at >= 0 else None


def _strings(tf: TfFile, span: Span, origin: str) -> dict[str, tuple[Location, ...]]:
    found: dict[str, list[Location]] = {}
    for match in _MASKED_STRING.finditer(tf.masked, span.start, span.end):
        content = tf.text[match.start() + 1:match.end() - 1]
        if "${" in content or "%{" in content:
            continue  # a template: not a value by itself
        value = json.loads(f'"{content}"') if tf.is_json else content.replace('\\"', '"').replace("\\\\", "\\")
        found.setdefault(value, []).append(tf.location(match.start(), origin))
    return {k: tuple(v) for k, v in found.items()}


class TfSources:
    def __init__(self, tf_dir: str, config: ConfigIndex) -> None:
        self.tf_dir = tf_dir
        self.config = config
        self.errors: list[str] = []  # .tf files that could not be read ("main.tf:3:5: ...")
        self._files: dict[str, list[TfFile]] = {}
        self._manifest: dict[str, str] | None = None
        self._tfvars: list[TfFile] | None = None
        self._directories: dict[tuple[str, ...], str | None] = {}
        self._written: dict[tuple[tuple[str, ...], str, tuple[str, ...], str], WrittenAttribute | None] = {}

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

    def files(self, scope: tuple[str, ...]) -> list[TfFile]:
        directory = self.directory(scope)
        if directory is None:
            return []
        files = self._files.get(directory)
        if files is None:
            files = []
            try:
                names = sorted(n for n in os.listdir(directory) if n.endswith((".tf", ".tf.json")))
            except OSError:
                names = []
            for name in names:
                path = os.path.normpath(os.path.join(directory, name))
                try:
                    with open(path, encoding="utf-8-sig") as fh:  # editors on Windows add a BOM
                        files.append(TfFile(path, fh.read()))
                except (OSError, UnicodeDecodeError) as exc:
                    self.errors.append(f"{path}: cannot read: {exc}")
            self._files[directory] = files
        return files

    def _tfvars_files(self) -> list[TfFile]:
        if self._tfvars is None:
            self._tfvars = []
            try:
                names = os.listdir(self.tf_dir)
            except OSError:
                names = []
            loaded: list[str] = [n for n in ("terraform.tfvars", "terraform.tfvars.json") if n in names]
            loaded += sorted(n for n in names if n.endswith((".auto.tfvars", ".auto.tfvars.json")))
            for file_name in loaded:
                path = os.path.normpath(os.path.join(self.tf_dir, file_name))
                try:
                    with open(path, encoding="utf-8-sig") as fh:
                        self._tfvars.append(TfFile(path, fh.read()))
                except (OSError, UnicodeDecodeError):
                    continue
        return self._tfvars

    def tfvars(self, name: str) -> WrittenAttribute | None:
        """Variable ``name`` as set in the root module's ``terraform.tfvars`` or ``*.auto.tfvars`` (or their
        ``.json`` forms), the files terraform loads by itself; the last one that sets it, as terraform takes it."""
        found = None
        for tf in self._tfvars_files():
            origin = f"var.{name}"
            if tf.is_json:
                from layergate.sources.tf_json import json_attribute

                hit = json_attribute(tf, "", (), name) if tf.nodes() is not None else None
                if hit is not None:
                    span = Span(hit[1].start_mark.index, hit[1].end_mark.index)
                    found = WrittenAttribute(tf, hit[0].start_mark.index, span, _strings(tf, span, origin), origin)
                continue
            attr = find_attribute(tf.masked, Span(0, len(tf.text)), name)
            if attr is not None:
                found = WrittenAttribute(tf, attr[0], attr[1], _strings(tf, attr[1], origin), origin)
        return found

    def block(self, scope: tuple[str, ...], kind: str, labels: tuple[str, ...]) -> Location | None:
        """Where a block starts: for records that point at a whole resource."""
        for tf in self.files(scope):
            if tf.is_json:
                from layergate.sources.tf_json import json_block

                found = json_block(tf, kind, labels)
                if found is not None:
                    return tf.location(found)
                continue
            body = find_block(tf.text, tf.masked, kind, labels)
            if body is not None:
                header = tf.text.rfind("\n", 0, body.start) + 1
                indent = len(tf.text[header:body.start]) - len(tf.text[header:body.start].lstrip())
                return tf.location(header + indent)
        return None

    def written(self, scope: tuple[str, ...], kind: str, labels: tuple[str, ...], name: str) -> WrittenAttribute | None:
        """Attribute ``name`` of the block ``kind "labels..."`` in the module at ``scope``, as written."""
        key = (scope, kind, labels, name)
        if key not in self._written:
            self._written[key] = self._find_written(scope, kind, labels, name)
        return self._written[key]

    def _find_written(
        self, scope: tuple[str, ...], kind: str, labels: tuple[str, ...], name: str
    ) -> WrittenAttribute | None:
        origin = origin_name(scope, kind, labels, name)
        for tf in self.files(scope):
            if tf.is_json:
                from layergate.sources.tf_json import json_attribute

                hit = json_attribute(tf, kind, labels, name)
                if hit is not None:
                    key, value = hit
                    span = Span(value.start_mark.index, value.end_mark.index)
                    return WrittenAttribute(tf, key.start_mark.index, span, _strings(tf, span, origin), origin, value)
                if tf.error is not None and tf.error not in self.errors:
                    self.errors.append(tf.error)
                continue
            start = 0
            while (body := find_block(tf.text, tf.masked, kind, labels, start)) is not None:
                found = find_attribute(tf.masked, body, name)
                if found is not None:
                    return WrittenAttribute(tf, found[0], found[1], _strings(tf, found[1], origin), origin)
                start = body.end  # several locals blocks may exist
        return None
