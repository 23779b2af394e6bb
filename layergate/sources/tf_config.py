"""The plan's ``configuration`` section: which expression produced an attribute, module by module.

Terraform records an expression either as ``constant_value`` (no references: its value) or as
``references`` (the objects it reads, e.g. ``["aws_lambda_layer_version.deps.arn",
"aws_lambda_layer_version.deps"]``). Literal parts of an expression that also has references are not
recorded at all, which is why the ``.tf`` sources are read when they are at hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from layergate.sources.tf_address import reference_roots

_EMPTY: Mapping[str, Any] = {}


def _obj(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else _EMPTY


class Expression:
    """One recorded expression: a constant, or the roots of what it references."""

    __slots__ = ("constant", "has_constant", "roots", "written")

    def __init__(self, raw: Mapping[str, Any]) -> None:
        references = raw.get("references")
        refs = [r for r in references if isinstance(r, str)] if isinstance(references, list) else []
        self.constant: Any = raw.get("constant_value")
        # A .tf.json file's expression is recorded as its JSON value, "${...}" templates and all, beside its
        # references: that is text to evaluate, not a constant.
        self.has_constant = "constant_value" in raw and not refs and not _templated(self.constant)
        self.roots = reference_roots(refs)
        # The longest reference per root is the one as written: aws_lambda_layer_version.x.arn.
        self.written: dict[str, str] = {}
        for ref in refs:
            for root in self.roots:
                if _under(ref, root) and len(ref) > len(self.written.get(root, "")):
                    self.written[root] = ref


def _templated(value: Any) -> bool:
    """Whether a JSON value holds a string with a ``${`` or ``%{`` template sequence."""
    if isinstance(value, str):
        return "${" in value or "%{" in value
    if isinstance(value, list):
        return any(_templated(v) for v in value)
    if isinstance(value, dict):
        return any(_templated(v) for v in value.values())
    return False


def _under(reference: str, root: str) -> bool:
    return reference == root or (reference.startswith(root) and reference[len(root)] in ".[")


class ConfigIndex:
    def __init__(self, configuration: Any) -> None:
        config = _obj(configuration)
        self._root = _obj(config.get("root_module"))
        self._providers = _obj(config.get("provider_config"))
        self._resources: dict[tuple[str, ...], dict[str, Mapping[str, Any]]] = {}
        # Every instance of a module shares its configuration: read each expression once.
        self._expressions: dict[tuple[int, str], Expression | None] = {}

    def module(self, scope: tuple[str, ...]) -> Mapping[str, Any] | None:
        """The configuration of the module reached through the calls in ``scope`` (root for ())."""
        node: Mapping[str, Any] = self._root
        for name in scope:
            call = _obj(_obj(node.get("module_calls")).get(name))
            module = call.get("module")
            if not isinstance(module, dict):
                return None
            node = module
        return node

    def call(self, scope: tuple[str, ...]) -> Mapping[str, Any] | None:
        """The ``module_calls`` entry that created the module at ``scope`` (None for the root)."""
        if not scope:
            return None
        parent = self.module(scope[:-1])
        if parent is None:
            return None
        call = _obj(parent.get("module_calls")).get(scope[-1])
        return call if isinstance(call, dict) else None

    def resource(self, scope: tuple[str, ...], address: str) -> Mapping[str, Any] | None:
        """A resource or data block by its address in its module (``data.aws_lambda_layer_version.x``)."""
        table = self._resources.get(scope)
        if table is None:
            module = self.module(scope) or _EMPTY
            resources = module.get("resources")
            table = {
                str(r.get("address")): r for r in (resources if isinstance(resources, list) else [])
                if isinstance(r, dict)
            }
            self._resources[scope] = table
        return table.get(address)

    def expression(self, block: Mapping[str, Any] | None, attribute: str) -> Expression | None:
        if block is None:
            return None
        key = (id(block), attribute)  # blocks live as long as the plan, so their ids are stable
        if key not in self._expressions:
            raw = _obj(block.get("expressions")).get(attribute)
            self._expressions[key] = Expression(raw) if isinstance(raw, dict) else None
        return self._expressions[key]

    def output(self, scope: tuple[str, ...], name: str) -> Expression | None:
        """The expression of output ``name`` of the module at ``scope``."""
        module = self.module(scope) or _EMPTY
        block = _obj(_obj(module.get("outputs")).get(name))
        raw = block.get("expression")
        if not isinstance(raw, dict):
            return None
        key = (id(block), "\x00output")
        if key not in self._expressions:
            self._expressions[key] = Expression(raw)
        return self._expressions[key]

    def call_argument(self, scope: tuple[str, ...], variable: str) -> Expression | None:
        """The expression the parent passes for ``variable`` to the module at ``scope``."""
        return self.expression(self.call(scope), variable)

    def variable_default(self, scope: tuple[str, ...], variable: str) -> tuple[bool, Any]:
        """(declared with a default, the default) of a variable of the module at ``scope``."""
        module = self.module(scope) or _EMPTY
        declared = _obj(_obj(module.get("variables")).get(variable))
        return "default" in declared, declared.get("default")

    def sources(self, scope: tuple[str, ...]) -> tuple[str, ...] | None:
        """The ``source`` of every module call on the way to ``scope``; None when one is missing."""
        found: list[str] = []
        for depth in range(1, len(scope) + 1):
            call = self.call(scope[:depth])
            source = call.get("source") if call else None
            if not isinstance(source, str):
                return None
            found.append(source)
        return tuple(found)

    def provider_regions(self, variables: Mapping[str, Any]) -> tuple[str, ...]:
        """The region of the aws provider configurations (a constant, or a root variable's value).

        Empty when they name several regions: a deploy region per function is not modelled, and a list
        of every region would make each function look deployed to all of them.
        """
        regions: list[str] = []
        for key, provider in self._providers.items():
            if not isinstance(provider, dict) or not (key == "aws" or key.startswith("aws.")):
                continue
            expr = self.expression(provider, "region")
            value: Any = None
            if expr is None:
                continue
            if expr.has_constant:
                value = expr.constant
            elif len(expr.roots) == 1 and expr.roots[0].startswith("var."):
                value = _obj(variables.get(expr.roots[0][4:])).get("value")
            if isinstance(value, str) and value and value not in regions:
                regions.append(value)
        return tuple(regions) if len(regions) == 1 else ()
