"""What one reference in a layers expression stands for: a layer this configuration publishes, a data
source (floating unless it sets ``version``; an SSM parameter read always floats), a variable (followed up
through module calls to the plan's root ``variables``), a local, or something whose value the plan does not record.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from layergate.model import Location, ResolutionKind
from layergate.records import replace
from layergate.sources.tf_address import ModuleInstance, module_instance, unkeyed
from layergate.sources.tf_config import ConfigIndex, Expression
from layergate.sources.tf_files import WrittenAttribute
from layergate.sources.tf_parts import Part, Parts, constant_parts, merge_spots, spot_parts
from layergate.sources.tf_plan import LAYER_VERSION, SSM_PARAMETER, PlanIndex, PlanResource

if TYPE_CHECKING:
    from layergate.sources.tf_layers import LayerResolver

_DATA_LAYER = f"data.{LAYER_VERSION}."
_DATA_SSM = f"data.{SSM_PARAMETER}."
_ASK_FOR_SOURCES = "; point --tf-dir at the .tf sources so layergate can read it"
_STEP = re.compile(r'\.([A-Za-z_][A-Za-z0-9_-]*)|\[([0-9]+)\]|\["((?:[^"\\]|\\.)*)"\]')
_MISSING = object()
MAX_LOCAL_DEPTH = 16  # locals that refer to locals; a cycle is a Terraform error, but must not hang us
UNSHAREABLE = (-1, "")  # the bound of a part that only the function's own instance can resolve
_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
_KEY = r'(?:\[(?:"(?:[^"\\]|\\.)*"|[0-9]+)\])?'
_MODULE_ROOT = re.compile(rf"module\.({_NAME})({_KEY})$")  # module.m, module.m["k"], module.m[0]
_MODULE_OUTPUT = re.compile(rf"module\.{_NAME}{_KEY}\.({_NAME})")  # ... and the output name after it


def navigate(value: Any, path: str) -> Any:
    """``value`` followed along ``.name``, ``[0]`` and ``["key"]`` steps; _MISSING when it cannot be."""
    pos = 0
    while pos < len(path):
        step = _STEP.match(path, pos)
        if step is None:
            return _MISSING
        name, index, key = step.groups()
        if index is not None:
            value = value[int(index)] if isinstance(value, list) and int(index) < len(value) else _MISSING
        else:
            value = value.get(name if name is not None else key, _MISSING) if isinstance(value, dict) else _MISSING
        if value is _MISSING:
            return value
        pos = step.end()
    return value


def _ssm_values(data: PlanResource | None) -> tuple[str, ...]:
    """What a parameter read yields for a layers list: its value, or a StringList's elements."""
    value = None if data is None else data.values.get("value", data.values.get("insecure_value"))
    if not isinstance(value, str) or not value:
        return ()
    items = tuple(v.strip() for v in value.split(",")) if "," in value else ()
    return (value, *items) if items else (value,)


def strings(value: Any) -> tuple[str, ...] | None:
    """A string or a list of strings as a tuple; None for anything else (an object, numbers)."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


class RefResolver:
    def __init__(
        self, index: PlanIndex, config: ConfigIndex, variables: Mapping[str, Any], owner: LayerResolver
    ) -> None:
        self.index = index
        self.config = config
        self.variables = variables
        self.owner = owner
        self._instances: dict[str, list[str]] | None = None

    def root(
        self, inst: ModuleInstance, root: str, expression: str, location: Location | None, depth: int, elements: bool
    ) -> Parts:
        """Parts for ``root`` (written as ``expression``) in the module instance ``inst``."""
        if root.startswith("var."):
            return self._variable(inst, root[4:], expression, location, depth, elements)
        if root.startswith("local."):
            return self._local(inst, root[6:], expression, location, depth, elements)
        # Bound to the instance: a function of another instance of the module resolves it again (see
        # LayerResolver's templates); everything else about the expression is the same for all of them.
        bound = (len(inst.segments), root)
        shown = inst.prefix + root
        if root.startswith(_DATA_LAYER):
            part = self._layer_data(inst, root, expression, location, bound)
        elif root.startswith(_DATA_SSM):
            part = self._ssm_data(inst, root, expression, location, bound)
        elif root.startswith("data."):
            part = Part(ResolutionKind.DYNAMIC, expression, f"data source {shown} is read again at every plan",
                        location=location, bound=bound)
        elif root.startswith(f"{LAYER_VERSION}."):
            part = self._internal(inst, root, expression, location, bound)
        elif root.startswith("module."):
            return self._output(inst, root, expression, location, depth, elements, bound)
        else:
            part = Part(ResolutionKind.UNKNOWN, expression, f"{shown} is known only after apply", location=location,
                        bound=bound)
        return Parts((part,), True)

    def _variable(
        self, inst: ModuleInstance, name: str, expression: str, location: Location | None, depth: int, elements: bool
    ) -> Parts:
        head = f"var.{name}"
        rest = expression[len(head):] if expression.startswith(head) else ""
        if not inst.segments:
            entry = self.variables.get(name)
            value = navigate(entry.get("value", _MISSING), rest) if isinstance(entry, dict) else _MISSING
            values = () if value is None else strings(value) if value is not _MISSING else None
            if values is None:
                return Parts((Part(ResolutionKind.UNKNOWN, expression,
                                   f"variable {name} has no list of strings for this in the plan",
                                   location=location),), True)
            part = Part(ResolutionKind.PARAMETER, expression, name, "plan variables", values, location=location,
                        spread=isinstance(value, list))
            return Parts(self._at_default(inst, name, rest, value, part), True)
        call = inst.scope
        passed = self.config.call_argument(call, name)
        module_block = ("module", (call[-1],))
        written = self.owner.written(inst.parent(), module_block, name) is not None
        if passed is None and not written:
            declared, default = self.config.variable_default(call, name)
            if not declared:
                return Parts((Part(ResolutionKind.UNKNOWN, expression,
                                   f"the module call {call[-1]} passes no value for variable {name}",
                                   location=location),), True)
            passed = Expression({"constant_value": default})
            return self._follow(inst, ("variable", (name,)), "default", passed, rest, expression, location, depth,
                                elements)
        return self._follow(inst.parent(), module_block, name, passed, rest, expression, location, depth, elements)

    def _at_default(self, inst: ModuleInstance, name: str, rest: str, value: Any, part: Part) -> tuple[Part, ...]:
        """A root variable's value placed at the strings of its ``default`` when that is the value the plan has
        (the place to change it), else at its strings in a ``.tfvars`` file that holds it; one part per list
        element then. Else the part at the reference."""
        declared, default = self.config.variable_default((), name)
        if declared and navigate(default, rest) == value:
            written = self.owner.written(inst, ("variable", (name,)), "default")
        elif self.owner.tf is not None and not rest:  # set in a .tfvars file terraform loads by itself
            written = self.owner.tf.tfvars(name)
        else:
            return (part,)
        placed = constant_parts(list(part.values), written)
        if len(placed.parts) != len(part.values) or not all(p.location for p in placed.parts):
            return (part,)
        return tuple(replace(part, expression=f"{part.expression}[{i}]" if part.spread else part.expression,
                             values=p.values, location=p.location, spread=False)
                     for i, p in enumerate(placed.parts))

    def _output(
        self, inst: ModuleInstance, root: str, expression: str, location: Location | None, depth: int, elements: bool,
        bound: tuple[int, str],
    ) -> Parts:
        """``module.m.out`` (or ``module.m["k"].out...``): the expression of the output, followed into the module
        when its source is a directory of the repository."""
        match = _MODULE_OUTPUT.match(expression)
        call = _MODULE_ROOT.match(root)
        shown = inst.prefix + root
        if match is None or call is None:
            return Parts((Part(ResolutionKind.UNKNOWN, expression, f"it is an output of {shown}, and layergate reads"
                               " only a named output (module.NAME.OUTPUT)", location=location, bound=bound),), True)
        name, key, output, rest = call[1], call[2], match[1], expression[match.end():]
        child = module_instance((*inst.segments, (name, key)))
        sources = self.config.sources(child.scope)
        remote = next((s for s in sources or () if not s.startswith(("./", "../"))), None)
        if sources is None or remote is not None:
            where = f"comes from {remote!r}, not from a directory of this repository" if remote else (
                "has no source in the plan's configuration")
            return Parts((Part(ResolutionKind.UNKNOWN, expression, f"it is output {output} of {shown}, whose module"
                               f" {where}: layergate follows outputs of local modules (./, ../) only; pass the"
                               " layer ARN in from this configuration instead", location=location, bound=bound),),
                         True)
        expr = self.config.output(child.scope, output)
        if expr is None:
            return Parts((Part(ResolutionKind.UNKNOWN, expression, f"the plan's configuration has no output {output}"
                               f" of {shown}", location=location, bound=bound),), True)
        parts = self._follow(child, ("output", (output,)), "value", expr, rest, expression, location, depth, elements,
                             "value of the output")
        # What a module output refers to lives in another module than the function's ancestors, so a function's
        # layers template cannot rebind it to an instance: such parts mark the template as not shareable.
        return replace(parts, parts=tuple(replace(p, bound=UNSHAREABLE) if p.bound else p for p in parts.parts))

    def _follow(
        self, inst: ModuleInstance, block: tuple[str, tuple[str, ...]], name: str, expr: Expression | None, rest: str,
        expression: str, location: Location | None, depth: int, elements: bool,
        what: str = "object the module receives",
    ) -> Parts:
        """The parts of the expression a module variable takes, or of one attribute of it (``var.cfg.layers``)."""
        if not rest:
            return self.owner.expression_parts(inst, block, name, expr, depth, elements)
        if expr is not None and expr.has_constant:
            value = navigate(expr.constant, rest)
            values = strings(value) if value is not _MISSING and value is not None else None
            if values is not None:
                constant = Expression({"constant_value": list(values)})
                return self.owner.expression_parts(inst, block, name, constant, depth, elements)
        return Parts((Part(ResolutionKind.UNKNOWN, expression,
                           f"layergate does not follow {expression} into the {what}",
                           location=location),), True)

    def _local(
        self, inst: ModuleInstance, name: str, expression: str, location: Location | None, depth: int, elements: bool
    ) -> Parts:
        block = ("locals", ())
        hcl = self.owner.hcl
        if elements and hcl is not None and hcl.attribute(inst.scope, "locals", (), name) is not None:
            return self.owner.expression_parts(inst, block, name, None, depth, elements)
        unknown = Part(ResolutionKind.UNKNOWN, expression,
                       f"the plan does not record local values such as local.{name}{_ASK_FOR_SOURCES}"
                       + self.owner.tf_errors(), location=location)
        written = self.owner.written(inst, block, name)  # its strings still place known values
        # A data source the local reads floats through it: those parts explain the plan's values first.
        floating = self._local_data(inst, name, written, 0)
        return Parts((*floating, unknown), True, spots=self._local_spots(inst, name, written, depth))

    def _local_data(self, inst: ModuleInstance, name: str, written: WrittenAttribute | None,
                    depth: int) -> tuple[Part, ...]:
        """The data sources a local reads (also through the locals it refers to), each at its place."""
        if written is None or depth > MAX_LOCAL_DEPTH:
            return ()
        from layergate.sources.tf_hcl import expression_roots

        found: list[Part] = []
        for root in expression_roots(written.file.text[written.value.start:written.value.end]):
            at = written.reference(root)
            if root.startswith("data."):
                text = written.file.text[written.value.start:written.value.end]
                shown = re.search(rf"{re.escape(root)}(?:\.{_NAME})*", text)
                found.extend(self.root(inst, root, shown[0] if shown else root, at, depth, False).parts)
            elif root.startswith("local.") and root != f"local.{name}":
                inner = self.owner.written(inst, ("locals", ()), root[6:])
                found.extend(self._local_data(inst, root[6:], inner, depth + 1))
        return tuple(found)

    def _local_spots(
        self, inst: ModuleInstance, name: str, written: WrittenAttribute | None, depth: int
    ) -> Mapping[str, tuple[Part, ...]]:
        """The strings of a local and of the locals it refers to (``a = [local.b]``), each at its place."""
        spots = spot_parts(written)
        if written is None or depth > MAX_LOCAL_DEPTH:
            return spots
        from layergate.sources.tf_hcl import expression_roots

        for root in expression_roots(written.file.text[written.value.start:written.value.end]):
            if root.startswith("local.") and root != f"local.{name}":
                inner = self.owner.written(inst, ("locals", ()), root[6:])
                site = written.reference(root)
                found = self._local_spots(inst, root[6:], inner, depth + 1)
                spots = merge_spots(spots, {k: tuple(replace(p, site=site) for p in v) for k, v in found.items()})
        return spots

    def _layer_data(
        self, inst: ModuleInstance, root: str, expression: str, location: Location | None, bound: tuple[int, str]
    ) -> Part:
        address = self._instance(inst.prefix + root, self.index.layer_data)
        shown = inst.prefix + unkeyed(root)
        data = self.index.layer_data.get(address)
        block = self.config.resource(inst.scope, unkeyed(root))
        pinned = self.config.expression(block, "version") is not None or (
            data is not None and data.origin == "resource_changes" and data.values.get("version") is not None
        )
        arn = data.values.get("arn") if data is not None else None
        values = (arn,) if isinstance(arn, str) and arn else ()
        if not pinned:
            detail = f"data source {shown} has no version: it takes the latest version at every plan"
            return Part(ResolutionKind.DYNAMIC, expression, detail, values=values, location=location, bound=bound)
        if values:
            version = data.values.get("version") if data is not None else None
            return Part(ResolutionKind.LITERAL, expression, f"data source {shown} pins version {version}",
                        values=values, location=location, bound=bound)
        return Part(ResolutionKind.UNKNOWN, expression,
                    f"data source {shown} is read only at apply time, so the plan does not record its ARN",
                    location=location, bound=bound)

    def _ssm_data(
        self, inst: ModuleInstance, root: str, expression: str, location: Location | None, bound: tuple[int, str]
    ) -> Part:
        """An SSM parameter read by a data source: floating, whatever the plan read. The values it read (and,
        for a StringList, its comma-separated elements) still explain the plan's ARNs, so they are checked."""
        address = self._instance(inst.prefix + root, self.index.ssm_data)
        data = self.index.ssm_data.get(address)
        shown = inst.prefix + unkeyed(root)
        name = data.values.get("name") if data is not None else None
        values = _ssm_values(data)
        when = "at plan time" if data is not None and data.origin == "prior_state" else "only at apply time"
        said = f"SSM parameter {name}" if isinstance(name, str) and name else "an SSM parameter"
        detail = f"data source {shown} reads {said} {when}: the next plan takes whatever it holds then"
        return Part(ResolutionKind.DYNAMIC, expression, detail, values=values, location=location, bound=bound,
                    spread=len(values) > 1)

    def _internal(
        self, inst: ModuleInstance, root: str, expression: str, location: Location | None, bound: tuple[int, str]
    ) -> Part:
        layer_def = self._instance(inst.prefix + root, self.index.layer_versions)
        resource = self.index.layer_versions.get(layer_def)
        arn = None if resource is None or resource.is_unknown("arn") else resource.values.get("arn")
        return Part(ResolutionKind.INTERNAL, expression, f"layer {layer_def} of this configuration",
                    values=(arn,) if isinstance(arn, str) and arn else (), layer_def=layer_def, location=location,
                    bound=bound)

    def _instance(self, address: str, table: Mapping[str, Any]) -> str:
        """``address`` itself when the plan has it, else its only keyed instance (``x`` -> ``x[0]``)."""
        if address in table or address.endswith("]"):
            return address
        if self._instances is None:
            self._instances = {}
            for known in (*self.index.layer_versions, *self.index.layer_data):
                if known.endswith("]"):
                    self._instances.setdefault(known[: known.rindex("[")], []).append(known)
        found = self._instances.get(address, [])
        return found[0] if len(found) == 1 else address
