"""The possible values of a CloudFormation expression, as the intrinsic evaluator computes them.

A ``Value`` is a bounded set of alternatives (each a string, a list of strings, a layer defined in the
template, or ``AWS::NoValue``), each tied to one deploy region or to all of them, plus the problems that
kept some of its alternatives from being known. Alternatives of different regions never combine:
``${AWS::Partition}`` and ``${AWS::Region}`` in one ``!Sub`` give one value per region, not their product.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from layergate.model import ResolutionKind
from layergate.records import dataclass

TYPE_CHECKING = False  # typing is for the type checker: importing it costs every start of the CLI
if TYPE_CHECKING:
    from typing import TypeVar

    from yaml.nodes import Node
    T = TypeVar("T")


MAX_CANDIDATES = 64  # beyond this many possible values an expression is reported as unknown
MAX_VALUE_CHARS = 4096  # a layer ARN is under 200 characters; longer values are a mistake or a bomb


@dataclass(frozen=True, slots=True)
class InternalLayer:
    """The ARN of a layer version this template publishes (``!Ref Layer``, ``!GetAtt Layer.LayerVersionArn``)."""

    layer: str


class _NoValue:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE = _NoValue()

Scalar = str | tuple[str, ...] | InternalLayer | _NoValue


@dataclass(frozen=True, slots=True)
class Origin:
    """The token an alternative was written as, when that is not the whole layer entry: a branch of an
    ``Fn::If``, an item ``Fn::Select`` picks (``path`` empty: inside the entry), or a parameter default or a
    mapping value elsewhere in the template (``path`` names it)."""

    line: int
    column: int
    path: str = ""


@dataclass(frozen=True, slots=True)
class Alt:
    value: Scalar
    region: str | None = None
    origin: Origin | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    kind: ResolutionKind  # DYNAMIC or UNKNOWN
    reason: str


class Unresolvable(Exception):
    """Raised by a combining function when one combination has no value (the others still count)."""

    def __init__(self, reason: str, kind: ResolutionKind = ResolutionKind.UNKNOWN) -> None:
        super().__init__(reason)
        self.problem = Problem(kind, reason)


@dataclass(frozen=True, slots=True)
class Value:
    alts: tuple[Alt, ...] = ()
    problems: tuple[Problem, ...] = ()
    params: tuple[tuple[str, str], ...] = ()  # (parameter, where its value came from), in order of use


def known(value: Scalar, region: str | None = None) -> Value:
    return Value((Alt(value, region),))


def unknown(reason: str) -> Value:
    return Value(problems=(Problem(ResolutionKind.UNKNOWN, reason),))


def dynamic(reason: str) -> Value:
    return Value(problems=(Problem(ResolutionKind.DYNAMIC, reason),))


def _unique(items: Iterable[T]) -> tuple[T, ...]:
    return tuple(dict.fromkeys(items))


def union(values: Sequence[Value]) -> Value:
    """Any one of ``values`` (the branches of ``Fn::If``)."""
    alts = _unique(a for v in values for a in v.alts)
    value = Value(alts, _unique(p for v in values for p in v.problems), _unique(p for v in values for p in v.params))
    return _bounded(value)


def combine(values: Sequence[Value], fn: Callable[[tuple[Scalar, ...]], Scalar]) -> Value:
    """``fn`` applied to every region-consistent combination of the alternatives of ``values``."""
    problems = [p for v in values for p in v.problems]
    params = _unique(p for v in values for p in v.params)
    combos: list[tuple[tuple[Scalar, ...], str | None, tuple[Origin | None, ...]]] = [((), None, ())]
    for v in values:
        grown: list[tuple[tuple[Scalar, ...], str | None, tuple[Origin | None, ...]]] = []
        for parts, region, origins in combos:
            for alt in v.alts:
                if region is not None and alt.region is not None and alt.region != region:
                    continue
                grown.append(((*parts, alt.value), region or alt.region, (*origins, alt.origin)))
                if len(grown) > MAX_CANDIDATES * 16:
                    return _too_many(problems, params)
        combos = grown
    alts: list[Alt] = []
    for parts, region, origins in combos:
        try:
            result = fn(parts)
        except Unresolvable as exc:
            problems.append(exc.problem)
            continue
        if isinstance(result, str) and len(result) > MAX_VALUE_CHARS:
            problems.append(Problem(ResolutionKind.UNKNOWN, f"a value is longer than {MAX_VALUE_CHARS} characters"))
            continue
        if isinstance(result, tuple) and sum(map(len, result)) > MAX_VALUE_CHARS:
            problems.append(Problem(ResolutionKind.UNKNOWN, f"a list is longer than {MAX_VALUE_CHARS} characters"))
            continue
        alts.append(Alt(result, region, _one_origin(origins)))
    return _bounded(Value(_unique(alts), _unique(problems), params))


def _one_origin(origins: tuple[Origin | None, ...]) -> Origin | None:
    """A combination is written where its one placed part is (the parameter in ``!Sub arn:..:${Version}``);
    with two or more placed parts no single token decides it, and it stays at the entry."""
    found = {o for o in origins if o is not None}
    return found.pop() if len(found) == 1 else None


def origin_of(node: Node, path: str = "") -> Origin:
    mark = node.start_mark
    return Origin(mark.line + 1, mark.column + 1, path)


def placed(value: Value, origin: Origin) -> Value:
    """``value`` with ``origin`` on the alternatives that have no place of their own yet."""
    if all(a.origin is not None for a in value.alts):
        return value
    alts = tuple(a if a.origin is not None else Alt(a.value, a.region, origin) for a in value.alts)
    return Value(_unique(alts), value.problems, value.params)


def map_value(value: Value, fn: Callable[[Scalar], Scalar]) -> Value:
    return combine([value], lambda parts: fn(parts[0]))


def _bounded(value: Value) -> Value:
    if len(value.alts) > MAX_CANDIDATES:
        return _too_many(list(value.problems), value.params)
    return value


def _too_many(problems: list[Problem], params: tuple[tuple[str, str], ...]) -> Value:
    reason = f"more than {MAX_CANDIDATES} possible values"
    return Value((), _unique([*problems, Problem(ResolutionKind.UNKNOWN, reason)]), params)


# -- operations on single alternatives; each raises Unresolvable with the reason it cannot apply --


def string_of(value: Scalar) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, InternalLayer):
        raise Unresolvable(f"the ARN of layer {value.layer} is known only after deploy, so a string built "
                           "from it cannot be checked")
    if isinstance(value, tuple):
        raise Unresolvable("a list where a string is expected")
    raise Unresolvable("AWS::NoValue where a string is expected")


def strings_of(items: Scalar) -> list[str]:
    return [string_of(item) for item in as_list(items)]


def as_list(value: Scalar) -> tuple[str, ...]:
    if isinstance(value, tuple):
        return value
    if isinstance(value, str):
        raise Unresolvable("a string where a list is expected")
    return (string_of(value),)  # raises with the reason


def list_items(parts: tuple[Scalar, ...]) -> Scalar:
    return tuple(string_of(p) for p in parts if p is not NO_VALUE)


def concat(parts: tuple[Scalar, ...]) -> Scalar:
    if len(parts) == 1 and isinstance(parts[0], InternalLayer):
        return parts[0]  # "${Layer}" is the layer's ARN itself
    return "".join(string_of(p) for p in parts)


def select_item(parts: tuple[Scalar, ...]) -> Scalar:
    index_text, items = string_of(parts[0]), as_list(parts[1])
    if not index_text.strip().isdigit():
        raise Unresolvable(f"Fn::Select index {index_text!r} is not a number")
    index = int(index_text)
    if index >= len(items):
        raise Unresolvable(f"Fn::Select index {index} is out of range ({len(items)} items)")
    return items[index]
