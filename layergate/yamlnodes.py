"""Reading YAML (and JSON) into position-carrying nodes, safely.

Parsers work on PyYAML's composed node graph (``yaml.compose`` with libyaml) instead of Python values:
composing is the cheapest way to get 1-based line and column for every value, and it never expands
aliases, so an alias bomb costs nothing until someone walks it. Every walk here is iterative and
budgeted, and the depth of the input is bounded *before* libyaml composes it, because libyaml's
composer recurses in C and crashes the process on very deep nesting.
"""

from __future__ import annotations

import gc
import os
import re
from collections.abc import Iterator

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from layergate.errors import InputError

TYPE_CHECKING = False  # typing is for the type checker: importing it costs every start of the CLI
if TYPE_CHECKING:
    from typing import Any

STR_TAG = "tag:yaml.org,2002:str"
_RESOLVE: Any = yaml.resolver.Resolver.resolve


class _Tags(yaml.resolver.Resolver):
    """The safe loader's tag resolution, made cheap for libyaml's composer, which calls these hooks once
    per node from C: plain scalars are resolved once per distinct text (a template repeats its keys and
    values thousands of times) and quoted or block scalars are strings. Path resolvers (the safe loader
    registers none) take the general way."""

    def __init__(self) -> None:
        super().__init__()
        self._plain: dict[str, str] = {}

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is ScalarNode and not self.yaml_path_resolvers:
            if not implicit[0]:
                return STR_TAG
            tag = self._plain.get(value)
            if tag is None:
                tag = self._plain[value] = _RESOLVE(self, kind, value, implicit)
            return tag
        found: str = _RESOLVE(self, kind, value, implicit)
        return found


try:  # libyaml is what makes the check path fast; the pure-Python composer is the fallback
    from yaml.cyaml import CParser  # type: ignore[attr-defined]

    class _CLoader(CParser, _Tags):
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _Tags.__init__(self)

    _Loader: Any = _CLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built

    class _PyLoader(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer, _Tags):
        def __init__(self, stream: str) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)
            _Tags.__init__(self)

    _Loader = _PyLoader

MAX_FILE_BYTES = 16 * 1024 * 1024  # CloudFormation itself takes at most 1 MB; SAM input a little more
MAX_DEPTH = 200  # real templates nest a few dozen levels at most
SAFE_COMPOSE_BOUND = 4000  # nesting libyaml composes without trouble (it crashes near 100,000)
MAX_EXPANDED_NODES = 2_000_000  # aliases expanded by to_python() before we call it a bomb
_CLOSED_SUB_VAR = re.compile(r"\$\{[^{}\[\]\n]*\}")

__all__ = [
    "MappingNode",
    "Node",
    "ScalarNode",
    "SequenceNode",
    "get",
    "items",
    "line_col",
    "load_text",
    "parse_yaml",
    "read_text",
    "scalar",
    "to_python",
]


def read_text(path: str, max_bytes: int = MAX_FILE_BYTES) -> str:
    """Read a file as UTF-8 (a BOM is allowed), refusing oversized or undecodable input with one line."""
    try:
        size = os.path.getsize(path)
        if size > max_bytes:
            raise InputError(
                f"file is {size / 1048576:.1f} MB, larger than the {max_bytes // 1048576} MB layergate reads",
                path,
            )
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(f"not UTF-8 text (byte 0x{data[exc.start]:02x})", path, line, col) from None


def load_text(path: str) -> Node | None:
    """Read and compose one YAML or JSON file. ``None`` for an empty document."""
    return parse_yaml(read_text(path), path)


def parse_yaml(text: str, path: str) -> Node | None:
    """Compose ``text`` into nodes; every YAML problem becomes one InputError with a position."""
    _check_depth(text, path)
    # Composing allocates a node per value and makes no cycles worth collecting; the cyclic collector
    # would otherwise walk the growing graph again and again (it more than doubles the time).
    collecting = gc.isenabled()
    gc.disable()
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(exc, path, text) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", path) from None
    finally:
        if collecting:
            gc.enable()
    if not nodes:
        return None
    if len(nodes) > 1:
        second = nodes[1]
        raise InputError(
            "holds several YAML documents ('---'); a template is one document", path, *line_col(second)
        )
    root: Node = nodes[0]
    _check_keys(root, path, aliased="&" in text)
    return root


def _yaml_error(exc: yaml.MarkedYAMLError, path: str, text: str = "") -> InputError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 0
    col = mark.column + 1 if mark else 0
    problem = exc.problem or "invalid YAML"
    if "maximum nesting depth" in problem:
        # Newer libyaml builds stop deep flow nesting themselves (at 1,000 levels, scanning ahead of our
        # count); say it the way our own guard does, at the bracket that crosses our limit.
        line, col = _too_deep_at(text) or (line, col)
        return InputError(f"nesting deeper than {MAX_DEPTH} levels", path, line, col)
    if exc.context == "while scanning an alias" and exc.context_mark is not None:
        # The AWS docs write `Principal: *` unquoted; YAML reads `*` as an alias.
        line, col = exc.context_mark.line + 1, exc.context_mark.column + 1
        return InputError("invalid YAML: '*' starts an alias here; quote it (\"*\") to mean the string", path,
                          line, col)
    if problem == "found undefined alias":
        return InputError("invalid YAML: alias to an undefined anchor (quote a literal '*')", path, line, col)
    if "found character '\\t'" in problem:
        problem = "a tab character cannot start indentation in YAML"
    context = f" ({exc.context})" if exc.context else ""
    return InputError(f"invalid YAML: {problem}{context}", path, line, col)


def _too_deep_at(text: str) -> tuple[int, int] | None:
    """Line and column of the bracket that makes MAX_DEPTH open ones, where the event count (which also
    counts the enclosing block mapping) stops. Quotes are not tracked: it only places an error libyaml
    already raised."""
    depth = 0
    line, line_start = 1, 0
    for i, ch in enumerate(text):
        if ch in "[{":
            depth += 1
            if depth >= MAX_DEPTH:
                return line, i - line_start + 1
        elif ch in "]}":
            depth -= 1
        elif ch == "\n":
            line, line_start = line + 1, i + 1
    return None


def _check_depth(text: str, path: str) -> None:
    """Bound nesting before libyaml sees it.

    Flow collections need a bracket each, block collections need indentation or a '- ' on the line, so
    brackets + twice the longest line bounds the depth. Only when that cheap bound is high do we count
    the real depth from the event stream (which libyaml produces without recursing).
    """
    bound = text.count("[") + text.count("{")
    if bound >= SAFE_COMPOSE_BOUND and "${" in text:
        # Each closed "${Name}" (a !Sub variable) nests nothing inside it, so it adds at most one level:
        # without this, every SAM template with a few thousand !Sub variables paid for a full event pass.
        bound -= len(_CLOSED_SUB_VAR.findall(text)) - 1
    if bound < SAFE_COMPOSE_BOUND:
        bound += 2 * max(map(len, text.splitlines()), default=0)
    if bound < SAFE_COMPOSE_BOUND:
        return
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
                    raise InputError(f"nesting deeper than {MAX_DEPTH} levels", path, line, col)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(exc, path, text) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", path) from None


def _check_keys(root: Node, path: str, aliased: bool) -> None:
    """Reject duplicate mapping keys and excessive depth anywhere in the document (one pass, iterative)."""
    stack: list[tuple[Node, int]] = [(root, 1)]
    seen_ids: set[int] = set()
    while stack:
        node, depth = stack.pop()
        if aliased:
            if id(node) in seen_ids:
                continue
            seen_ids.add(id(node))
        if depth > MAX_DEPTH:
            raise InputError(f"nesting deeper than {MAX_DEPTH} levels", path, *line_col(node))
        # A scalar child is only visited to be found too deep, so it is pushed only where it can be.
        deep = depth >= MAX_DEPTH
        if isinstance(node, MappingNode):
            keys: set[str] = set()
            for key, value in node.value:
                if isinstance(key, ScalarNode):
                    if key.value in keys and key.value != "<<":
                        raise InputError(f"duplicate key {key.value!r}", path, *line_col(key))
                    keys.add(key.value)
                if deep or not isinstance(value, ScalarNode):
                    stack.append((value, depth + 1))
        elif isinstance(node, SequenceNode):
            stack.extend([(item, depth + 1) for item in node.value if deep or not isinstance(item, ScalarNode)])


def line_col(node: Node) -> tuple[int, int]:
    mark = node.start_mark
    return (mark.line + 1, mark.column + 1)


def get(node: Node | None, key: str) -> Node | None:
    """The value node under ``key`` of a mapping node (None when absent or not a mapping)."""
    if isinstance(node, MappingNode):
        for k, v in node.value:
            if isinstance(k, ScalarNode) and k.value == key:
                found: Node = v
                return found
    return None


def items(node: Node | None) -> Iterator[tuple[str, Node, Node]]:
    """(key, key node, value node) for each scalar-keyed entry of a mapping node."""
    if isinstance(node, MappingNode):
        for k, v in node.value:
            if isinstance(k, ScalarNode):
                yield k.value, k, v


def scalar(node: Node | None) -> str | None:
    """The text of an untagged-or-plain scalar node, else None."""
    if isinstance(node, ScalarNode) and not node.tag.startswith("!"):
        return str(node.value)
    return None


_BOOL = {"true": True, "false": False, "yes": True, "no": False, "on": True, "off": False}


def to_python(node: Node, budget: int = MAX_EXPANDED_NODES, path: str = "") -> Any:
    """Convert a subtree to plain values (tags dropped, scalars typed loosely), bounded against alias bombs."""
    count = 0

    def conv(n: Node, depth: int) -> Any:
        nonlocal count
        count += 1
        if count > budget:
            raise InputError(f"aliases expand to more than {budget:,} values (a YAML alias bomb?)", path,
                             *line_col(n))
        if depth > MAX_DEPTH:
            raise InputError(f"nesting deeper than {MAX_DEPTH} levels", path, *line_col(n))
        if isinstance(n, MappingNode):
            return {str(k.value): conv(v, depth + 1) for k, v in n.value if isinstance(k, ScalarNode)}
        if isinstance(n, SequenceNode):
            return [conv(v, depth + 1) for v in n.value]
        return _scalar_value(n)

    return conv(node, 0)


def _scalar_value(n: Node) -> Any:
    text = str(n.value)
    if n.tag == "tag:yaml.org,2002:str" or getattr(n, "style", None) in ("'", '"', "|", ">"):
        return text
    low = text.lower()
    if low in _BOOL:
        return _BOOL[low]
    if low in ("null", "~", ""):
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text
