"""The Serverless configuration as a mutable tree of positioned values, as variable resolution needs it.

The framework resolves variables in place: a property whose value is ``${file(./x.yml)}`` becomes the
file's content, and variables inside that content resolve in turn, addressed by configuration paths
(``${self:custom.x}`` walks through it). ``Item`` mirrors that: each value knows where it is written
(file, line, column, even when it came from another file), the text it was written as, and which
variables it was computed from (``uses``), so a layer entry can say how its value was obtained.

YAML short-form CloudFormation tags (``!Ref X``) become their long form (``{"Ref": "X"}``), as the
framework's YAML schema does, and YAML merge keys (``<<: *base``) are applied.
"""

from __future__ import annotations

import re
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from layergate.errors import InputError
from layergate.model import ResolutionKind
from layergate.records import dataclass, field
from layergate.yamlnodes import line_col

MAX_ITEMS = 500_000  # values built per configuration (alias expansion and copies included)
MAX_TREE_DEPTH = 100

_INT_RE = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_FLOAT_RE = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_NULLS = frozenset(("null", "Null", "NULL", "~", ""))
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_CFN_TAGS = {"Ref": "Ref", "Condition": "Condition"}
_CFN_FN = ("Base64", "Cidr", "FindInMap", "GetAtt", "GetAZs", "ImportValue", "Join", "Select", "Split", "Sub",
           "Transform", "If", "Equals", "Not", "And", "Or", "Length", "ToJsonString")
_CFN_TAGS.update({name: f"Fn::{name}" for name in _CFN_FN})

# Resolution states of an Item (see Resolver).
RAW, BUSY, DONE = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Use:
    """One variable a value was computed from.

    ``kind``: "literal" (``self``/``file``: the value is written in the repository), "region" (the deploy
    region) or "parameter" (a value a deploy can choose: stage, option, environment, param).
    ``source``: for parameters, where this value came from ("default", "command line", "params.prod").
    """

    text: str
    kind: str
    source: str = ""


@dataclass(frozen=True, slots=True)
class Unresolved:
    """A value decided outside the repository (DYNAMIC) or not determinable at all (UNKNOWN)."""

    kind: ResolutionKind
    reason: str  # names the variable: "${ssm:/x}: an SSM parameter, read at deploy time"


@dataclass(frozen=True, slots=True)
class Written:
    """Where a value that came through a variable is written (``custom.x``, ``params.prod.x``, a key of an
    included file): the token a reviewer changes, which a finding points at."""

    file: str
    line: int
    column: int
    path: str  # configuration path (params.prod.sdkVersion), or the key inside an included file; "" unknown


@dataclass(eq=False, slots=True)
class Item:
    value: Any  # dict[str, Item] | list[Item] | str | int | float | bool | None | Unresolved
    file: str
    line: int
    column: int
    raw: str = ""  # how a scalar is written (tags included); containers render from their children
    uses: tuple[Use, ...] = ()
    state: int = RAW
    keys: dict[str, tuple[int, int]] = field(default_factory=dict)  # mappings: where each key is written
    tag: str = ""  # "!Ref" when written in the short form (the value is then {"Ref": ...})
    # Set when the value came through a variable: where it is written. A scalar stands where the variable
    # is; a list or mapping stays where it is written (its entries and keys keep their places) and
    # ``used_at`` is the variable's place (file, line, column).
    written: Written | None = None
    used_at: tuple[str, int, int] | None = None
    text_column: int = 0  # a scalar written on one line exactly as its value: the column its text starts at

    @property
    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_list(self) -> bool:
        return isinstance(self.value, list)


class Budget:
    """Counts values built, so alias bombs and self-referencing copies end with one line, not a hang."""

    def __init__(self, file: str, limit: int = MAX_ITEMS) -> None:
        self.file = file
        self.limit = limit
        self.count = 0

    def spend(self, n: int = 1) -> None:
        self.count += n
        if self.count > self.limit:
            raise InputError(f"the configuration expands to more than {self.limit:,} values (aliases or"
                             " variables copying each other?)", self.file)


def expanded_size(node: Node, limit: int) -> int:
    """How many values ``node`` becomes once aliases are expanded, counted without expanding them
    (each distinct node once), stopping as soon as the count passes ``limit``."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # being counted: meeting one again means a recursive anchor
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        current, ready = stack.pop()
        if id(current) in sizes:
            continue
        children: list[Node] = []
        if isinstance(current, SequenceNode):
            children = list(current.value)
        elif isinstance(current, MappingNode):
            children = [v for _, v in current.value]
        if not ready:
            if id(current) in open_nodes:
                return limit + 1
            open_nodes.add(id(current))
            stack.append((current, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
            continue
        open_nodes.discard(id(current))
        sizes[id(current)] = min(limit + 1, 1 + sum(sizes.get(id(c), 0) for c in children))
    return sizes[id(node)]


def check_size(node: Node, file: str, budget: Budget) -> None:
    """Refuse an alias bomb before anything is built (once per parsed document, not per evaluation)."""
    if expanded_size(node, budget.limit) + budget.count > budget.limit:
        budget.spend(budget.limit + 1)


def from_node(node: Node, file: str, budget: Budget) -> Item:
    """Convert a composed YAML/JSON node into Items (``file`` is recorded on every one).

    Call ``check_size`` on the document first: the budget here still bounds the work, but only as it goes.
    """
    spend = budget.spend

    def conv(n: Node, depth: int) -> Item:
        spend()
        mark = n.start_mark
        line, col = mark.line + 1, mark.column + 1
        if depth > MAX_TREE_DEPTH:
            raise InputError(f"nesting deeper than {MAX_TREE_DEPTH} levels", file, line, col)
        tag = n.tag
        if tag[0] == "!":
            name = _CFN_TAGS.get(tag[1:])
            if name is None:
                raise InputError(f"unknown YAML tag {tag} (the framework knows CloudFormation's tags only)",
                                 file, line, col)
            arg = conv_untagged(n, depth, line, col)
            if name == "Fn::GetAtt" and isinstance(arg.value, str):
                first, _, rest = arg.value.partition(".")
                arg = Item([Item(first, file, line, col, first), Item(rest, file, line, col, rest)], file, line, col)
            raw = f"{tag} {n.value}" if isinstance(n, ScalarNode) else ""
            return Item({name: arg}, file, line, col, raw, keys={name: (line, col)}, tag=tag)
        return conv_untagged(n, depth, line, col)

    def conv_untagged(n: Node, depth: int, line: int, col: int) -> Item:
        if n.__class__ is ScalarNode:
            return Item(_scalar(n), file, line, col, str(n.value),  # type: ignore[arg-type]
                        text_column=_text_column(n, col))
        if n.__class__ is SequenceNode:
            return Item([conv(v, depth + 1) for v in n.value], file, line, col)
        assert isinstance(n, MappingNode)
        out: dict[str, Item] = {}
        keys: dict[str, tuple[int, int]] = {}
        merged: list[Node] = []
        for k, v in n.value:
            if not isinstance(k, ScalarNode):
                continue
            if k.value == "<<" and k.tag == "tag:yaml.org,2002:merge":
                merged.extend(v.value if isinstance(v, SequenceNode) else [v])
                continue
            out[str(k.value)] = conv(v, depth + 1)
            keys[str(k.value)] = (k.start_mark.line + 1, k.start_mark.column + 1)
        for base in merged:  # explicit keys win; earlier merged mappings win over later ones
            if isinstance(base, MappingNode):
                for k, v in base.value:
                    if isinstance(k, ScalarNode) and k.value != "<<" and str(k.value) not in out:
                        out[str(k.value)] = conv(v, depth + 1)
                        keys[str(k.value)] = line_col(k)
        return Item(out, file, line, col, keys=keys)

    return conv(node, 0)


def _text_column(n: Node, column: int) -> int:
    """Where the value's text starts, when the scalar is written on one line with nothing escaped (so a
    fallback inside ``${...}`` can be pointed at); else 0."""
    start, end = n.start_mark, n.end_mark
    if start.line != end.line or not isinstance(n.value, str):
        return 0
    quoted = 1 if getattr(n, "style", None) in ("'", '"') else 0
    return column + quoted if end.column - start.column == len(n.value) + 2 * quoted else 0


def _scalar(n: ScalarNode) -> Any:
    """Type a scalar the way the framework's YAML loader (js-yaml, YAML 1.2 core schema) does."""
    text = str(n.value)
    if n.style in ("'", '"', "|", ">") or n.tag == "tag:yaml.org,2002:str":
        return text
    if text in _NULLS:
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    if _INT_RE.match(text):
        return int(text)
    if _FLOAT_RE.match(text) and any(c.isdigit() for c in text):
        return float(text)
    return text


def copy(item: Item, budget: Budget, extra: tuple[Use, ...] = (), at: Item | None = None) -> Item:
    """A deep copy carrying ``extra`` uses on every value; ``at`` moves every position to that value's."""

    def cp(it: Item) -> Item:
        budget.spend()
        value = it.value
        if isinstance(value, dict):
            value = {k: cp(v) for k, v in value.items()}
        elif isinstance(value, list):
            value = [cp(v) for v in value]
        where = at or it
        return Item(value, where.file, where.line, where.column, it.raw, _merge(it.uses, extra), it.state,
                    dict(it.keys) if at is None else {k: (at.line, at.column) for k in it.keys}, it.tag,
                    it.written, it.used_at, it.text_column)

    return cp(item)


def _merge(a: tuple[Use, ...], b: tuple[Use, ...]) -> tuple[Use, ...]:
    if not b:
        return a
    return tuple(dict.fromkeys((*a, *b)))


def merge_uses(*groups: tuple[Use, ...]) -> tuple[Use, ...]:
    return tuple(dict.fromkeys(u for g in groups for u in g))


def render(item: Item, limit: int = 240) -> str:
    """Compact text of a value as written (``!Ref X``, ``{"Ref": "X"}``, the variable text), bounded."""
    out: list[str] = []
    size = 0

    def emit(piece: str) -> bool:
        nonlocal size
        out.append(piece)
        size += len(piece)
        return size <= limit

    def walk(it: Item, depth: int) -> bool:
        if it.raw or not isinstance(it.value, (dict, list)):
            return emit(it.raw or _text(it.value))
        if depth > 20:
            return emit("...")
        if isinstance(it.value, list):
            parts = it.value
            if not emit("["):
                return False
            for i, v in enumerate(parts):
                if (i and not emit(", ")) or not walk(v, depth + 1):
                    return False
            return emit("]")
        if not emit("{"):
            return False
        for i, (k, v) in enumerate(it.value.items()):
            if (i and not emit(", ")) or not emit(f"{k}: ") or not walk(v, depth + 1):
                return False
        return emit("}")

    walk(item, 0)
    text = "".join(out)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _text(value: Any) -> str:
    if isinstance(value, Unresolved):
        return "?"
    return scalar_text(value)


def scalar_text(value: Any) -> str:
    """A scalar as the framework turns it into text inside a string (JavaScript's String())."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)
    return str(value)
