"""One function's layer list: what the plan knows, explained by where each value comes from.

A value known in the plan is what apply deploys, but not necessarily what the repository pins: a data
source without ``version`` yields the latest version at every plan. So each known value is matched
against the parts of the expression that produced it (the plan's ``configuration``, followed through
variables and module calls), and placed at its string in the ``.tf`` sources when it is written there.
When the plan dropped the list, the parts alone describe it: python-hcl2 then reads the list elements
from the ``.tf`` sources, and whatever cannot be said becomes an UNKNOWN entry. A dropped list is never
read as "no layers".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from layergate.model import LayerRef, Location
from layergate.records import replace
from layergate.sources.tf_address import ModuleInstance, module_instance, parse_address, unkeyed
from layergate.sources.tf_config import ConfigIndex, Expression
from layergate.sources.tf_files import TfSources, WrittenAttribute
from layergate.sources.tf_hcl import HclReader, TfAttribute
from layergate.sources.tf_parts import (
    LITERAL,
    UNKNOWN,
    Block,
    Part,
    Parts,
    constant_parts,
    dropped_entries,
    matched_entries,
    merge_spots,
    sited,
    spot_parts,
)
from layergate.sources.tf_plan import PlanIndex, PlanResource, known_layers
from layergate.sources.tf_refs import UNSHAREABLE, RefResolver

MAX_DEPTH = 16  # variables passed down through modules; deeper chains are reported, not followed


class LayerResolver:
    def __init__(
        self, file: str, index: PlanIndex, config: ConfigIndex, variables: Mapping[str, Any], tf: TfSources | None
    ) -> None:
        self.file = file
        self.config = config
        self.tf = tf
        self.hcl = HclReader(tf) if tf is not None else None
        self.refs_of = RefResolver(index, config, variables, self)
        # Every instance of a module passes the same arguments from the same parent instance: the parts of
        # such an expression are worked out once (keyed by instance, not by the function asking).
        self._parts: dict[tuple[tuple[tuple[str, str], ...], Block, str, Expression | None, bool], Parts] = {}
        self._templates: dict[tuple[tuple[str, ...], str, bool], Parts] = {}

    def refs(self, function: PlanResource) -> list[LayerRef]:
        plan_location = Location(self.file, 0, 0, function.address)
        known = known_layers(function)
        if known == []:
            return []
        address = parse_address(function.address)
        if address is None:
            parts = Parts((), False, f"{function.address} is not a resource address layergate can read")
        else:
            parts = self._function_parts(address.module, address.resource, address.type_name, known is None)
        if known is None:
            return dropped_entries(function.address, parts, plan_location)
        return matched_entries(function.address, known, parts, plan_location)

    # -- the parts of an expression ---------------------------------------------------------------------

    def _function_parts(self, inst: ModuleInstance, resource: str, labels: tuple[str, str], elements: bool) -> Parts:
        """The parts of a function's ``layers``. Thousands of instances of one module share one template,
        worked out for a stand-in instance; only the parts bound to an instance are resolved again."""
        config_expr = self.config.expression(self.config.resource(inst.scope, resource), "layers")
        if not inst.segments:
            return self.expression_parts(inst, ("resource", labels), "layers", config_expr, 0, elements)
        key = (inst.scope, resource, elements)
        template = self._templates.get(key)
        if template is None:
            stand_in = module_instance(tuple((name, f'["\x00{i}"]') for i, name in enumerate(inst.scope)))
            template = self._templates[key] = self.expression_parts(
                stand_in, ("resource", labels), "layers", config_expr, 0, elements)
        if not any(p.bound for p in template.parts):
            return template
        if any(p.bound == UNSHAREABLE for p in template.parts):
            # Bound inside a module reached through an output: the stand-in's keys cannot be swapped for the
            # instance's, so this instance is worked out on its own.
            return self.expression_parts(inst, ("resource", labels), "layers", config_expr, 0, elements)
        parts = []
        for part in template.parts:
            if part.bound is None:
                parts.append(part)
                continue
            level, root = part.bound
            fresh = self.refs_of.root(module_instance(inst.segments[:level]), root, part.expression, part.location,
                                      0, elements).parts[0]
            parts.append(replace(fresh, hint=part.hint, site=part.site))
        return Parts(tuple(parts), template.complete, template.reason, template.location, template.references,
                     template.spots)

    def written(self, inst: ModuleInstance, block: Block, name: str) -> WrittenAttribute | None:
        return self.tf.written(inst.scope, block[0], block[1], name) if self.tf else None

    def expression_parts(
        self, inst: ModuleInstance, block: Block, name: str, config_expr: Expression | None, depth: int,
        elements: bool,
    ) -> Parts:
        """Parts of attribute ``name`` of a block in the module instance ``inst``: the plan's constant when
        it has one; for a dropped list (``elements``) the .tf elements when they agree with the plan; else
        the plan's references."""
        if depth > MAX_DEPTH:
            return Parts((), False, f"the value passes through more than {MAX_DEPTH} variables or locals")
        key = (inst.segments, block, name, config_expr, elements)  # the key keeps the expression alive
        found = self._parts.get(key)
        if found is None:
            found = self._parts[key] = self._expression_parts(inst, block, name, config_expr, depth, elements)
        return found

    def _expression_parts(
        self, inst: ModuleInstance, block: Block, name: str, config_expr: Expression | None, depth: int,
        elements: bool,
    ) -> Parts:
        written = self.written(inst, block, name)
        spots = spot_parts(written)
        if config_expr is not None and config_expr.has_constant:
            return constant_parts(config_expr.constant, written)
        stale = ""
        if elements and self.hcl is not None:
            attr = self.hcl.attribute(inst.scope, block[0], block[1], name)
            if attr is not None:
                if config_expr is None or _agrees(attr, config_expr):
                    return self._tf_parts(inst, attr, depth)
                stale = " (the .tf sources differ from the plan's configuration, so they were not used)"
        if config_expr is None:
            return Parts((), False, "the plan's configuration does not record this expression" + stale,
                         spots=spots)
        parts: list[Part] = []
        references = list(config_expr.roots)
        for root in config_expr.roots:
            where = written.reference(root) if written else None
            sub = sited(self.refs_of.root(inst, root, config_expr.written.get(root, root), where, depth + 1, elements),
                        where)
            parts.extend(sub.parts)
            references.extend(sub.references)
            spots = merge_spots(spots, sub.spots)
        references = list(dict.fromkeys(references))
        reason = (
            "the plan drops the whole layers list when one element is known only after apply, and its"
            f" configuration records only the references ({', '.join(references) or 'none'}), not literal"
            " ARNs written beside them; point --tf-dir at the .tf sources to read them" + stale + self.tf_errors()
        )
        return Parts(tuple(parts), False, reason, written.location if written else None, tuple(references), spots)

    def _tf_parts(self, inst: ModuleInstance, attr: TfAttribute, depth: int) -> Parts:
        parts: list[Part] = []
        complete, reasons, references = True, list[str](), list[str]()
        for el in attr.elements:
            if el.literal is not None:
                parts.append(Part(LITERAL, el.literal, values=(el.literal,), location=el.location))
                continue
            if el.expression.strip() in ("null", "[]"):
                continue
            parts.extend(Part(LITERAL, arn, values=(arn,), location=loc) for arn, loc in el.arn_literals)
            root = el.roots[0] if len(el.roots) == 1 else None
            if root is not None and _is_reference(el.expression, root):
                sub = sited(self.refs_of.root(inst, root, el.expression, el.location, depth + 1, True), el.location)
                parts.extend(sub.parts)
                if not sub.complete:
                    complete, reasons = False, [*reasons, sub.reason]
                    references.extend(sub.references)
            else:
                parts.append(Part(UNKNOWN, el.expression, location=el.location, detail=(
                    "Terraform computes this expression and layergate does not evaluate it; the plan"
                    " dropped its value")))
                for root in el.roots:
                    at = el.root_location(root)
                    sub = sited(self.refs_of.root(inst, root, root, at, depth + 1, True), at)
                    parts.extend(replace(p, hint=True) for p in sub.parts)
        return Parts(tuple(parts), complete, "; ".join(dict.fromkeys(reasons)), attr.location, tuple(references))

    def tf_errors(self) -> str:
        if self.tf is None or not self.tf.errors:
            return ""
        return f" (the .tf sources could not be read: {self.tf.errors[0]})"

def _is_reference(expression: str, root: str) -> bool:
    """True when the expression is the reference itself (``var.x``, ``aws_x.y.arn``), not a computation."""
    text = expression.strip()
    base = root if text.startswith(root) else unkeyed(root)
    if not text.startswith(base):
        return False
    return all(c.isalnum() or c in "._-[]\"" for c in text[len(base):])


def _agrees(attr: TfAttribute, config_expr: Expression) -> bool:
    """Whether the .tf attribute is the one the plan was made from: it reads the same objects."""
    return {unkeyed(r) for r in attr.roots} == {unkeyed(r) for r in config_expr.roots}


