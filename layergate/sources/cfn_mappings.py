"""``Fn::FindInMap``: looking values up in the template's ``Mappings``, per deploy region when keyed by one.

CDK writes ``!FindInMap [Map, !Ref AWS::Region, layerArn]`` for the Lambda Insights, ADOT and Parameters
and Secrets extension layers: each deploy region gets its own ARN, and a region missing from the mapping
is reported (the deploy would fail there) instead of being passed over.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from yaml.nodes import Node, SequenceNode

from layergate.sources.cfn_nodes import Intrinsic, fields, intrinsic
from layergate.sources.cfn_values import (
    Alt,
    Scalar,
    Unresolvable,
    Value,
    combine,
    origin_of,
    placed,
    union,
    unknown,
)

if TYPE_CHECKING:
    from layergate.sources.cfn_intrinsics import Evaluator


def find_in_map(ev: Evaluator, call: Intrinsic) -> Value:
    arg = call.arg
    if not (isinstance(arg, SequenceNode) and (call.own_tag or intrinsic(arg) is None) and len(arg.value) in (3, 4)):
        return unknown(f"Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey], found {ev.render(arg)}")
    default: Node | None = None
    if len(arg.value) == 4:  # AWS::LanguageExtensions: [Map, Top, Second, {DefaultValue: x}]
        default = fields(arg.value[3]).get("DefaultValue")
        if default is None:
            return unknown(f"Fn::FindInMap: the fourth argument must be {{DefaultValue: ...}}, found "
                           f"{ev.render(arg.value[3])}")
    keys = ev.finish(combine([ev.value(n) for n in arg.value[:3]], _key_strings))  # a key may be the account
    results = [Value(problems=keys.problems, params=keys.params)]
    for alt in keys.alts:
        assert isinstance(alt.value, tuple)
        map_name, top, second = alt.value
        leaf = _lookup(ev, map_name, top, second)
        if leaf is not None:
            where = origin_of(leaf, f"Mappings/{map_name}/{top}/{second}")
            results.append(_in_region(placed(ev.value(leaf), where), alt.region))
        elif default is not None:
            results.append(_in_region(placed(ev.value(default), origin_of(default)), alt.region))
        else:
            results.append(unknown(_missing(ev, map_name, top, second)))
    return union(results)


def _key_strings(parts: tuple[Scalar, ...]) -> Scalar:
    if not all(isinstance(p, str) for p in parts):
        raise Unresolvable("Fn::FindInMap keys must be strings")
    return tuple(str(p) for p in parts)


def _index(ev: Evaluator, map_name: str) -> dict[str, dict[str, Node]] | None:
    cache = ev.info.mapping_cache
    if map_name not in cache:
        body = fields(ev.info.mappings).get(map_name)
        if body is None:
            return None
        cache[map_name] = {top: fields(level) for top, level in fields(body).items()}
    return cache[map_name]


def _lookup(ev: Evaluator, map_name: str, top: str, second: str) -> Node | None:
    index = _index(ev, map_name)
    if index is None:
        return None
    return index.get(top, {}).get(second)


def _missing(ev: Evaluator, map_name: str, top: str, second: str) -> str:
    index = _index(ev, map_name)
    if index is None:
        return f"Fn::FindInMap: there is no mapping {map_name} in Mappings"
    if top not in index:
        return f"Fn::FindInMap: mapping {map_name} has no key {top}"
    return f"Fn::FindInMap: mapping {map_name} has no key {top}/{second}"


def _in_region(value: Value, region: str | None) -> Value:
    """Tie the alternatives of a looked-up value to the region its key was computed for."""
    if region is None:
        return value
    alts = tuple(Alt(a.value, region, a.origin) for a in value.alts if a.region in (None, region))
    return Value(alts, value.problems, value.params)

