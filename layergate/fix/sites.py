"""Where, in the text of a file, a layer entry is written: the YAML/JSON node at a position, a Terraform block.

Offsets are into the file's text without its BOM; line and column are 1-based, as in every Location.
"""

from __future__ import annotations

import os
import re

from layergate.records import dataclass, field
from layergate.yamlnodes import MappingNode, Node, ScalarNode, SequenceNode

BOM = b"\xef\xbb\xbf"


@dataclass
class Source:
    """One file as read once: its bytes, text (without BOM) and, for YAML/JSON, its nodes."""

    path: str
    data: bytes
    text: str
    bom: bool
    root: Node | None = None
    _starts: list[int] = field(default_factory=list)

    @property
    def json(self) -> bool:
        return self.text.lstrip().startswith("{")

    def offset(self, line: int, column: int) -> int:
        if not self._starts:
            self._starts = [0] + [m.end() for m in re.finditer(r"\n", self.text)]
        return self._starts[line - 1] + column - 1 if 0 < line <= len(self._starts) else -1

    def encode(self, text: str) -> bytes:
        return (BOM if self.bom else b"") + text.encode("utf-8")


def read(path: str) -> Source:
    """The file at ``path``; its nodes too when it is YAML or JSON (InputError when it no longer parses)."""
    from layergate.errors import InputError

    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
    bom = data.startswith(BOM)
    try:
        text = data[3 if bom else 0:].decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", path) from None
    src = Source(path, data, text, bom)
    if not path.lower().endswith((".tf", ".tfvars", ".hcl")):
        src.root = parse(src.text, path, src.json)
    return src


def parse(text: str, path: str, as_json: bool) -> Node | None:
    from layergate.jsonnodes import parse_json
    from layergate.yamlnodes import parse_yaml

    return parse_json(text, path) if as_json else parse_yaml(text, path)


def node_at(root: Node | None, line: int, column: int) -> Node | None:
    """The outermost node starting at ``line``:``column`` (1-based)."""
    stack = [root] if root is not None else []
    while stack:
        n = stack.pop()
        if n.start_mark.line == line - 1 and n.start_mark.column == column - 1:
            return n
        if isinstance(n, SequenceNode):
            stack.extend(reversed(n.value))
        elif isinstance(n, MappingNode):
            for k, v in reversed(n.value):
                stack.extend((v, k))
    return None


def end_of(node: Node) -> int:
    """Where the text of ``node`` ends: a block collection's end mark lies past its trailing comments and
    line break, so its last value decides."""
    while isinstance(node, SequenceNode | MappingNode) and not node.flow_style and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(last, tuple) else last
    return int(node.end_mark.index)


def scalar_text(src: Source, node: Node, value: str) -> str:
    """``value`` written as a scalar the way ``node`` was (JSON string, quoted or plain YAML)."""
    if src.json:
        return f'"{value}"'
    style = node.style if isinstance(node, ScalarNode) else None
    if style in ("'", '"'):
        return f"{style}{value}{style}"
    return value


@dataclass(frozen=True, slots=True)
class Block:
    path: str
    start: int  # offset of the opening brace's line
    body: str  # the text between the braces


def tf_data_blocks(directory: str, name: str) -> list[Block]:
    """Every ``data "aws_lambda_layer_version" "<name>"`` block in the .tf files of ``directory``."""
    from layergate.sources.tf_text import find_block, mask

    found: list[Block] = []
    for entry in sorted(os.listdir(directory or ".")):
        if not entry.endswith(".tf"):
            continue
        path = os.path.join(directory, entry)
        text = read(path).text
        masked = mask(text)  # strings and comments do not count as braces or blocks
        start = 0
        while (body := find_block(text, masked, "data", ("aws_lambda_layer_version", name), start)) is not None:
            if body.end < len(text):  # an unclosed block is left to the parser's error
                found.append(Block(path, body.start, text[body.start:body.end]))
            start = body.end
    return found
