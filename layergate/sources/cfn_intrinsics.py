"""Evaluating CloudFormation intrinsic functions to the set of values they can take.

Nothing is guessed: a parameter without a value, an import from another stack, an attribute known only
after deploy all become problems with a reason, and the alternatives that *can* be known (one branch of
an ``Fn::If``, the regions a mapping covers) are still computed. Results are memoised per node, so a YAML
alias used a million times is evaluated once, and every value is bounded in count and length.
"""

from __future__ import annotations

import base64
import re

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from layergate.errors import InputError
from layergate.records import dataclass, field
from layergate.sources import ACCOUNT_HINT
from layergate.sources.cfn_nodes import Intrinsic, fields, intrinsic, is_null, render, text
from layergate.sources.cfn_parameters import DEFAULT, Given, ParamDecl, is_list_type, split_list
from layergate.sources.cfn_pseudo import OWN_ACCOUNT, is_pseudo, pseudo
from layergate.sources.cfn_values import (
    Alt,
    InternalLayer,
    Scalar,
    Value,
    as_list,
    combine,
    concat,
    dynamic,
    known,
    list_items,
    map_value,
    origin_of,
    placed,
    select_item,
    string_of,
    strings_of,
    union,
    unknown,
)

LAYER_TYPES = frozenset({"AWS::Lambda::LayerVersion", "AWS::Serverless::LayerVersion"})
NESTED_STACK_TYPES = frozenset({"AWS::CloudFormation::Stack", "AWS::Serverless::Application"})
MAX_STEPS = 1_000_000  # evaluations per template; real templates need a few per layer entry
_CONDITION_FUNCTIONS = frozenset({"Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition"})
_SUB_VAR = re.compile(r"\$\{([^}]*)\}")


@dataclass(slots=True)
class TemplateInfo:
    """What expressions can refer to: parameters, resources (logical id -> type), mappings, regions."""

    path: str
    params: dict[str, ParamDecl]
    given: dict[str, Given]
    resources: dict[str, str]
    mappings: Node | None
    regions: tuple[str, ...]
    json_style: bool = False
    accounts: tuple[str, ...] = ()  # deploy accounts (policy deploy_accounts, CDK environment)
    own_layers: dict[str, str] = field(default_factory=dict)  # layer name -> logical id of its LayerVersion
    mapping_cache: dict[str, dict[str, dict[str, Node]]] = field(default_factory=dict)


class Evaluator:
    def __init__(self, info: TemplateInfo) -> None:
        self.info = info
        self._memo: dict[int, tuple[Node, Value]] = {}
        # Small expressions (``!Ref Layer``, ``{"Ref": "Layer"}``, a literal ARN) are repeated thousands of
        # times in large templates; their value depends only on their shape, so each is evaluated once.
        self._shapes: dict[tuple[str, ...], Value] = {}
        self._rendered: dict[tuple[str, ...], str] = {}
        self._steps = 0
        self._finished: dict[int, tuple[Value, Value]] = {}

    def render(self, node: Node) -> str:
        key = _shape(node)
        if key is None:
            return render(node, self.info.json_style)
        shown = self._rendered.get(key)
        if shown is None:
            shown = self._rendered[key] = render(node, self.info.json_style)
        return shown

    def value(self, node: Node) -> Value:
        """Every value ``node`` can take."""
        key = _shape(node)
        if key is not None:
            cached = self._shapes.get(key)
            if cached is None:
                cached = self._shapes[key] = self._evaluate(node)
            return cached
        entry = self._memo.get(id(node))
        if entry is None:
            # The node is kept with its value so that its id cannot be reused while the memo lives.
            entry = self._memo[id(node)] = (node, self._evaluate(node))
        return entry[1]

    def _evaluate(self, node: Node) -> Value:
        self._steps += 1
        if self._steps > MAX_STEPS:
            raise InputError(
                f"expressions need more than {MAX_STEPS:,} evaluation steps (a YAML alias bomb?)",
                self.info.path, node.start_mark.line + 1, node.start_mark.column + 1,
            )
        call = intrinsic(node)
        return self._call(call) if call is not None else self._plain(node)

    def _arg(self, call: Intrinsic) -> Value:
        return self._plain(call.arg) if call.own_tag else self.value(call.arg)

    def _plain(self, node: Node) -> Value:
        """The value of ``node`` read as data (its own tag, if any, already accounted for)."""
        if isinstance(node, ScalarNode):
            if is_null(node):
                return unknown("an empty value")
            return known(str(node.value))
        if isinstance(node, SequenceNode):
            return self._items(node)
        return unknown(f"expected a string, found a mapping: {self.render(node)}")

    def finish(self, value: Value) -> Value:
        """``value`` with the deploying account decided: an ARN of a layer this template publishes
        (``arn:..:${AWS::AccountId}:layer:<its LayerName>``) is that layer; otherwise one value per deploy
        account; with no deploy account known, the reason and how to declare one."""
        if not any(_has_account(a.value) for a in value.alts):
            return value
        hit = self._finished.get(id(value))
        if hit is None:
            hit = self._finished[id(value)] = (value, self._decide_account(value))
        return hit[1]

    def _decide_account(self, value: Value) -> Value:
        alts: list[Alt] = []
        problems = list(value.problems)
        for alt in value.alts:
            v = alt.value
            if not _has_account(v):
                alts.append(alt)
                continue
            own = self._own_layer(v) if isinstance(v, str) else None
            if own is not None:
                alts.append(Alt(InternalLayer(own), alt.region, alt.origin))
            elif not self.info.accounts:
                problems.append(unknown(f"AWS::AccountId is {ACCOUNT_HINT}").problems[0])
            else:
                alts.extend(Alt(_with_account(v, account), alt.region, alt.origin) for account in self.info.accounts)
        return Value(tuple(dict.fromkeys(alts)), tuple(dict.fromkeys(problems)), value.params)

    def _own_layer(self, arn: str) -> str | None:
        parts = arn.split(":")
        if len(parts) in (7, 8) and parts[2] == "lambda" and parts[4] == OWN_ACCOUNT and parts[5] == "layer":
            return self.info.own_layers.get(parts[6])
        return None

    def list_value(self, node: Node) -> Value:
        """A list: a sequence of values (``AWS::NoValue`` items dropped) or a list-valued function."""
        if not isinstance(node, SequenceNode) or intrinsic(node) is not None:
            return map_value(self.value(node), as_list)
        return self._items(node)

    def _items(self, node: SequenceNode) -> Value:
        return combine([self.value(item) for item in node.value], list_items)

    # -- intrinsic functions -------------------------------------------------------------------------

    def _call(self, call: Intrinsic) -> Value:
        name = call.name
        handler = _HANDLERS.get(name)
        if handler is not None:
            return handler(self, call)
        if name in _CONDITION_FUNCTIONS:
            return unknown(f"{name} is a condition function, not a value")
        if name == "Fn::ImportValue":
            return unknown(f"Fn::ImportValue {self._shown_arg(call)}: the value is exported by another stack")
        if name == "Fn::GetAZs":
            return unknown("Fn::GetAZs lists availability zones at deploy time")
        if name == "Fn::Transform":
            macro = text(fields(call.arg).get("Name")) or "?"
            return unknown(f"Fn::Transform: macro {macro} computes this value at deploy time")
        if name in ("Fn::Cidr", "Fn::ToJsonString"):
            return unknown(f"{name} does not give a layer ARN")
        return unknown(f"unknown intrinsic function {name}")

    def _shown_arg(self, call: Intrinsic) -> str:
        """The argument of a call as written, without the call's own tag."""
        arg = call.arg
        if isinstance(arg, ScalarNode) and (call.own_tag or text(arg) is not None):
            return str(arg.value)
        shown = self.render(arg)
        return shown.split(" ", 1)[1] if call.own_tag and " " in shown else shown

    def _ref(self, call: Intrinsic) -> Value:
        name = _name_arg(call)
        if name is None:
            return unknown(f"Ref takes a logical name, found {self.render(call.arg)}")
        return self.ref(name)

    def ref(self, name: str) -> Value:
        info = self.info
        if name == "AWS::AccountId":
            return known(OWN_ACCOUNT)  # decided by ``finish``, once the whole value is known
        if is_pseudo(name):
            return pseudo(name, info.regions)
        decl = info.params.get(name)
        if decl is not None:
            return self._parameter(decl)
        rtype = info.resources.get(name)
        if rtype is None:
            return unknown(f"Ref to {name}, which this template does not define")
        if rtype in LAYER_TYPES:
            return known(InternalLayer(name))
        return unknown(f"Ref to {name} ({rtype}), which is not a layer version")

    def _parameter(self, decl: ParamDecl) -> Value:
        given = self.info.given.get(decl.name)
        if given is not None and given.value is None:
            return unknown(f"parameter {decl.name} keeps the value of the previous deployment (UsePreviousValue)")
        value, source = (given.value, given.source) if given is not None else (decl.default, DEFAULT)
        if decl.type.startswith("AWS::SSM::Parameter::Value<"):
            if value is None:
                return dynamic(f"parameter {decl.name} has type {decl.type} and no default: CloudFormation reads an "
                               "SSM parameter named at deploy (whatever its latest version holds)")
            return dynamic(f"parameter {decl.name} has type {decl.type}: CloudFormation reads SSM parameter {value} "
                           "at deploy time (whatever its latest version holds)")
        if value is None:
            return unknown(f"parameter {decl.name} has no default and no value was given")
        scalar: Scalar = split_list(value) if is_list_type(decl.type) else value
        default = fields(decl.node).get("Default") if given is None else None
        origin = origin_of(default, f"Parameters/{decl.name}/Default") if default is not None else None
        return Value((Alt(scalar, None, origin),), params=((decl.name, source),))

    def _get_att(self, call: Intrinsic) -> Value:
        arg = call.arg
        if isinstance(arg, ScalarNode) and not is_null(arg) and (call.own_tag or text(arg) is not None):
            resource, _, attribute = str(arg.value).partition(".")
        elif isinstance(arg, SequenceNode) and len(arg.value) == 2 and text(arg.value[0]) is not None:
            resource = str(arg.value[0].value)
            attribute = text(arg.value[1]) or ""
            if not attribute:
                return unknown(f"Fn::GetAtt {self.render(arg)}: the attribute name is computed")
        else:
            return unknown(f"Fn::GetAtt takes Resource.Attribute, found {self.render(arg)}")
        return self.get_att(resource, attribute)

    def get_att(self, resource: str, attribute: str) -> Value:
        rtype = self.info.resources.get(resource)
        if rtype is None:
            return unknown(f"Fn::GetAtt {resource}.{attribute}: {resource} is not defined in this template")
        if rtype in LAYER_TYPES and attribute == "LayerVersionArn":
            return known(InternalLayer(resource))
        if rtype in NESTED_STACK_TYPES and attribute.startswith("Outputs."):
            return unknown(f"output {attribute[8:]} of nested stack {resource} ({rtype}) "
                           "is defined in another template")
        return unknown(f"Fn::GetAtt {resource}.{attribute}: attributes of {rtype} resources are known only after "
                       "deploy")

    def _sub(self, call: Intrinsic) -> Value:
        arg = call.arg
        variables: dict[str, Node] = {}
        template_node = arg
        if isinstance(arg, SequenceNode) and (call.own_tag or intrinsic(arg) is None):
            if len(arg.value) != 2 or not isinstance(arg.value[1], MappingNode):
                return unknown(f"Fn::Sub takes a string or [string, {{variables}}], found {self.render(arg)}")
            template_node = arg.value[0]
            variables = fields(arg.value[1])
        own_scalar = call.own_tag and template_node is arg and isinstance(arg, ScalarNode)
        template = str(arg.value) if own_scalar else text(template_node)
        if template is None:
            return unknown(f"Fn::Sub takes a literal string, found {self.render(template_node)}")
        parts: list[Value] = []
        last = 0
        for m in _SUB_VAR.finditer(template):
            if m.start() > last:
                parts.append(known(template[last:m.start()]))
            last = m.end()
            var = m.group(1).strip()
            if var.startswith("!"):
                parts.append(known("${" + var[1:] + "}"))
            elif var in variables:
                parts.append(self.value(variables[var]))
            elif "." in var and not is_pseudo(var):
                resource, _, attribute = var.partition(".")
                parts.append(self.get_att(resource, attribute))
            else:
                parts.append(self.ref(var))
        if last < len(template):
            parts.append(known(template[last:]))
        if not parts:
            return known("")
        return combine(parts, concat)

    def _join(self, call: Intrinsic) -> Value:
        args = _args(call, 2)
        if args is None:
            return unknown(f"Fn::Join takes [delimiter, [values]], found {self.render(call.arg)}")
        delimiter = text(args[0])
        if delimiter is None:
            return unknown(f"Fn::Join takes a literal delimiter, found {self.render(args[0])}")
        return map_value(self.list_value(args[1]), lambda items: delimiter.join(strings_of(items)))

    def _select(self, call: Intrinsic) -> Value:
        args = _args(call, 2)
        if args is None:
            return unknown(f"Fn::Select takes [index, [values]], found {self.render(call.arg)}")
        items = args[1]
        if isinstance(items, SequenceNode) and intrinsic(items) is None:
            return self._select_written(args[0], items)
        return combine([self.value(args[0]), self.list_value(args[1])], select_item)

    def _select_written(self, index_node: Node, items: SequenceNode) -> Value:
        """``!Select`` from a list written in place: the value is the item chosen, and it is placed there."""
        index = self.value(index_node)
        picked = [Value(problems=index.problems, params=index.params)]
        for alt in index.alts:
            choice = combine([Value((alt,)), self._items(items)], select_item)
            if not choice.alts:
                picked.append(choice)
                continue
            number = int(string_of(alt.value))  # select_item accepted it
            item = items.value[number]
            picked.append(_tied(placed(self.value(item), origin_of(item)), alt.region))
        return union(picked)

    def _split(self, call: Intrinsic) -> Value:
        args = _args(call, 2)
        delimiter = text(args[0]) if args else None
        if args is None or not delimiter:
            return unknown(f"Fn::Split takes [delimiter, string], found {self.render(call.arg)}")
        return map_value(self.value(args[1]), lambda s: tuple(string_of(s).split(delimiter)))

    def _if(self, call: Intrinsic) -> Value:
        args = _args(call, 3)
        if args is None:
            return unknown(f"Fn::If takes [condition, value if true, value if false], found {self.render(call.arg)}")
        return union([placed(self.value(args[1]), origin_of(args[1])),
                      placed(self.value(args[2]), origin_of(args[2]))])

    def _base64(self, call: Intrinsic) -> Value:
        return map_value(self._arg(call), lambda s: base64.b64encode(string_of(s).encode()).decode())

    def _length(self, call: Intrinsic) -> Value:
        arg = call.arg
        if call.own_tag and isinstance(arg, SequenceNode):
            items = self._items(arg)
        elif not call.own_tag:
            items = self.list_value(arg)
        else:
            return unknown(f"Fn::Length takes a list, found {self.render(arg)}")
        return map_value(items, lambda value: str(len(as_list(value))))

    def _find_in_map(self, call: Intrinsic) -> Value:
        from layergate.sources.cfn_mappings import find_in_map

        return find_in_map(self, call)


def _shape(node: Node) -> tuple[str, ...] | None:
    """A key for nodes whose value depends only on their text: scalars and one-key scalar mappings."""
    if node.__class__ is ScalarNode:
        return (node.tag, node.value)
    if node.__class__ is MappingNode and len(node.value) == 1:
        key, arg = node.value[0]
        if arg.__class__ is ScalarNode:
            return (node.tag, key.tag, key.value, arg.tag, arg.value)
    return None


def _tied(value: Value, region: str | None) -> Value:
    """The alternatives of ``value`` that exist in ``region`` (all of them when it is None), tied to it."""
    if region is None:
        return value
    alts = tuple(Alt(a.value, region, a.origin) for a in value.alts if a.region in (None, region))
    return Value(alts, value.problems, value.params)


def _has_account(value: Scalar) -> bool:
    if isinstance(value, str):
        return OWN_ACCOUNT in value
    return isinstance(value, tuple) and any(OWN_ACCOUNT in item for item in value)


def _with_account(value: Scalar, account: str) -> Scalar:
    if isinstance(value, str):
        return value.replace(OWN_ACCOUNT, account)
    assert isinstance(value, tuple)
    return tuple(item.replace(OWN_ACCOUNT, account) for item in value)


def _name_arg(call: Intrinsic) -> str | None:
    arg = call.arg
    if isinstance(arg, ScalarNode) and not is_null(arg):
        return str(arg.value) if call.own_tag else text(arg)
    return None


def _args(call: Intrinsic, count: int) -> list[Node] | None:
    arg = call.arg
    if isinstance(arg, SequenceNode) and (call.own_tag or intrinsic(arg) is None) and len(arg.value) == count:
        return list(arg.value)
    return None


_HANDLERS = {
    "Ref": Evaluator._ref,
    "Fn::GetAtt": Evaluator._get_att,
    "Fn::Sub": Evaluator._sub,
    "Fn::Join": Evaluator._join,
    "Fn::Select": Evaluator._select,
    "Fn::Split": Evaluator._split,
    "Fn::If": Evaluator._if,
    "Fn::Base64": Evaluator._base64,
    "Fn::Length": Evaluator._length,
    "Fn::FindInMap": Evaluator._find_in_map,
}
