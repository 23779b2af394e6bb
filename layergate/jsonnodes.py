"""Reading JSON into the same position-carrying nodes as ``layergate.yamlnodes``.

Parsers walk YAML and JSON templates with one code path, so JSON is turned into PyYAML ``Node`` objects
with 1-based positions (through ``line_col``) on every value. The reader is iterative (no recursion, so
deep nesting cannot crash it), rejects duplicate keys and nesting deeper than ``MAX_DEPTH``, and reports
every syntax problem as one ``InputError`` with its line and column. Strings are decoded by the C
scanner of the standard ``json`` module; the rest is one regular expression per token.
"""

from __future__ import annotations

import bisect
import gc
import json
import re
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

from yaml.error import Mark
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from layergate.errors import InputError
from layergate.yamlnodes import MAX_DEPTH, read_text

STR_TAG = "tag:yaml.org,2002:str"
INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
BOOL_TAG = "tag:yaml.org,2002:bool"
NULL_TAG = "tag:yaml.org,2002:null"
SEQ_TAG = "tag:yaml.org,2002:seq"
MAP_TAG = "tag:yaml.org,2002:map"

# One token after optional whitespace: a string, a number, a literal or a punctuation character.
_TOKEN = re.compile(
    r'[ \t\n\r]*(?:("(?:[^"\\\x00-\x1f]|\\.)*")'
    r"|(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)"
    r"|(true|false|null)"
    r"|([{}\[\],:]))",
    re.DOTALL,
)
_WS = re.compile(r"[ \t\n\r]*")
# Fast paths for the commonest steps inside an object: a key and its colon, or a comma, key and colon.
_STRING = r'"(?:[^"\\\x00-\x1f]|\\.)*"'
_KEY = re.compile(rf"[ \t\n\r]*({_STRING})[ \t\n\r]*:", re.DOTALL)
_NEXT_KEY = re.compile(rf"[ \t\n\r]*,[ \t\n\r]*({_STRING})[ \t\n\r]*:", re.DOTALL)

_LITERAL_TAGS = {"true": BOOL_TAG, "false": BOOL_TAG, "null": NULL_TAG}


def load_json(path: str) -> Node | None:
    """Read and parse one JSON file into nodes. ``None`` for an empty file."""
    return parse_json(read_text(path), path)


class _Frame:
    """An open array or object: its node, and for objects the pending key and the keys seen."""

    __slots__ = ("closer", "items", "key", "keys", "node")

    def __init__(self, node: MappingNode | SequenceNode) -> None:
        self.node = node
        self.items: list[Any] = node.value
        self.key: ScalarNode | None = None
        self.keys: set[str] | None = set() if isinstance(node, MappingNode) else None
        self.closer = "}" if self.keys is not None else "]"


def parse_json(text: str, path: str) -> Node | None:
    """Parse ``text``; syntax errors, duplicate keys and excessive depth become one InputError."""
    collecting = gc.isenabled()
    gc.disable()  # a node per value and no cycles: the cyclic collector would only slow reading down
    try:
        return _Reader(text, path).parse()
    finally:
        if collecting:
            gc.enable()


class _Lines:
    """Offsets of the line breaks of one text, shared by all of its marks."""

    __slots__ = ("name", "newlines")

    def __init__(self, text: str, name: str) -> None:
        self.name = name
        self.newlines = [m.start() for m in re.finditer("\n", text)]


class LazyMark(Mark):
    """A position that works out its line and column only when asked (most never are).

    Computing them for every token was most of the cost of reading a large template.
    """

    buffer = None
    pointer = 0

    def __init__(self, lines: _Lines, index: int) -> None:  # no super().__init__: nothing to store eagerly
        self._lines = lines
        self.index = index
        self._line = -1

    @property
    def name(self) -> str:  # type: ignore[override]
        return self._lines.name

    @property
    def line(self) -> int:  # type: ignore[override]
        if self._line < 0:
            self._line = bisect.bisect_left(self._lines.newlines, self.index)
        return self._line

    @property
    def column(self) -> int:  # type: ignore[override]
        line = self.line
        return self.index - (self._lines.newlines[line - 1] + 1 if line else 0)


class _Reader:
    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.lines = _Lines(text, path)

    def mark(self, index: int) -> Mark:
        return LazyMark(self.lines, index)

    def error(self, message: str, index: int, prefix: str = "invalid JSON: ") -> InputError:
        m = self.mark(index)
        return InputError(f"{prefix}{message}", self.path, m.line + 1, m.column + 1)

    def parse(self) -> Node | None:
        text, end = self.text, len(self.text)
        pos = _skip_ws(text, 0)
        if pos == end:
            return None
        stack: list[_Frame] = []
        root: Node | None = None
        # What may come next: "value", "key" (after '{' or ','), "colon", "after" (',' or a closing bracket).
        expect = "value"
        first = False  # just after '{' or '[', where the closing bracket is also allowed
        while True:
            if expect == "after" and not stack:
                rest = _skip_ws(text, pos)
                if rest != end:
                    raise self.error("extra data after the top-level value", rest)
                return root
            if expect == "key" or (expect == "after" and stack[-1].keys is not None):
                k = (_KEY if expect == "key" else _NEXT_KEY).match(text, pos)
                if k is not None:
                    obj = stack[-1]
                    assert obj.keys is not None
                    start, key_end = k.span(1)
                    key = self._string(k.group(1), start, key_end)
                    if key.value in obj.keys:
                        raise self.error(f"duplicate key {key.value!r}", start, prefix="")
                    obj.keys.add(key.value)
                    obj.key = key
                    pos, expect, first = k.end(), "value", False
                    continue
            m = _TOKEN.match(text, pos)
            if m is None:
                raise self._bad_token(stack, _skip_ws(text, pos))
            group = m.lastindex or 0
            start, pos = m.span(group)
            token = m.group(group)
            ch = token[0]
            frame = stack[-1] if stack else None
            if expect == "after":
                assert frame is not None
                if ch == ",":
                    expect = "key" if frame.keys is not None else "value"
                elif ch == frame.closer:
                    self._close(stack, pos)
                else:
                    raise self.error(f"expected ',' or '{frame.closer}', found {token[:20]!r}", start)
                continue
            if expect == "colon":
                if ch != ":":
                    raise self.error(f"expected ':' after a key, found {token[:20]!r}", start)
                expect = "value"
                continue
            if first and frame is not None and ch == frame.closer:
                self._close(stack, pos)
                expect, first = "after", False
                continue
            first = False
            if expect == "key":
                assert frame is not None and frame.keys is not None
                if ch != '"':
                    raise self.error(f"expected a string key, found {token[:20]!r}", start)
                key = self._string(token, start, pos)
                if key.value in frame.keys:
                    raise self.error(f"duplicate key {key.value!r}", start, prefix="")
                frame.keys.add(key.value)
                frame.key = key
                expect = "colon"
                continue
            node = self._value(token, start, pos, len(stack))
            if frame is None:
                root = node
            elif frame.keys is not None:
                frame.items.append((frame.key, node))
                frame.key = None
            else:
                frame.items.append(node)
            if isinstance(node, (MappingNode, SequenceNode)):
                stack.append(_Frame(node))
                expect, first = ("key" if ch == "{" else "value"), True
            else:
                expect = "after"

    def _value(self, token: str, start: int, end: int, depth: int) -> Node:
        ch = token[0]
        if ch == '"':
            return self._string(token, start, end)
        if ch == "{" or ch == "[":
            if depth >= MAX_DEPTH:
                raise self.error(f"nesting deeper than {MAX_DEPTH} levels", start, prefix="")
            at = self.mark(start)
            if ch == "{":
                return MappingNode(MAP_TAG, [], at, at, flow_style=True)
            return SequenceNode(SEQ_TAG, [], at, at, flow_style=True)
        if ch in "-0123456789":
            tag = FLOAT_TAG if ("." in token or "e" in token or "E" in token) else INT_TAG
        elif token in _LITERAL_TAGS:
            tag = _LITERAL_TAGS[token]
        else:
            raise self.error(f"expected a value, found {token[:20]!r}", start)
        return ScalarNode(tag, token, LazyMark(self.lines, start), LazyMark(self.lines, end), style=None)

    def _string(self, token: str, start: int, end: int) -> ScalarNode:
        if "\\" in token:
            try:
                value, _ = scanstring(self.text, start + 1, True)
            except json.JSONDecodeError as exc:
                raise self.error(exc.msg[0].lower() + exc.msg[1:], exc.pos) from None
        else:
            value = token[1:-1]
        return ScalarNode(STR_TAG, value, LazyMark(self.lines, start), LazyMark(self.lines, end), style='"')

    def _close(self, stack: list[_Frame], pos: int) -> None:
        frame = stack.pop()
        frame.node.end_mark = self.mark(pos)

    def _bad_token(self, stack: list[_Frame], at: int) -> InputError:
        if at >= len(self.text):
            if not stack:
                return self.error("unexpected end of file", at)
            # Truncated input: name the innermost bracket that was never closed.
            opened = stack[-1].node.start_mark
            bracket = "{" if stack[-1].keys is not None else "["
            return self.error(
                f"unexpected end of file: the '{bracket}' at line {opened.line + 1} column "
                f"{opened.column + 1} is never closed",
                at,
            )
        if self.text[at] == '"':
            return self.error("unterminated string, or a control character inside a string", at)
        return self.error(f"unexpected character {self.text[at]!r}", at)


def _skip_ws(text: str, pos: int) -> int:
    m = _WS.match(text, pos)
    return m.end() if m else pos
