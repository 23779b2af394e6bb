"""What one reference in a layers expression stands for: a layer this configuration publishes, a data
source (floating unless it sets ``version``), a variable (followed up through module calls to the plan's
root ``variables``), a local, or something whose value the plan does not record.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from layergate.model import Location, ResolutionKind
from layergate.sources.tf_address import ModuleInstance, unkeyed
from layergate.sources.tf_config import ConfigIndex, Expression
from layergate.sources.tf_plan import LAYER_VERSION, PlanIndex

if TYPE_CHECKING:
    from layergate.sources.tf_layers import LayerResolver, Part, Parts

_DATA_LAYER = f"data.{LAYER_VERSION}."
_ASK_FOR_SOURCES = "; point --tf-dir at the .tf sources so layergate can read it"


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
        self, inst: ModuleInstance, root: str, expression: str, location: Location | None, path: str, depth: int
    ) -> Parts:
        from layergate.sources.tf_layers import Part, Parts

        if root.startswith("var."):
            return self._variable(inst, root[4:], expression, location, path, depth)
        if root.startswith("local."):
            return self._local(inst, root[6:], expression, location, path, depth)
        shown = inst.prefix + root
        if root.startswith(_DATA_LAYER):
            part = self._layer_data(inst, root, expression, location)
        elif root.startswith("data."):
            part = Part(ResolutionKind.DYNAMIC, expression, f"data source {shown} is read again at every plan",
                        location=location)
        elif root.startswith(f"{LAYER_VERSION}."):
            part = self._internal(inst, root, expression, location)
        elif root.startswith("module."):
            part = Part(ResolutionKind.UNKNOWN, expression,
                        f"it is an output of {shown}, whose value the plan does not record", location=location)
        else:
            part = Part(ResolutionKind.UNKNOWN, expression, f"{shown} is known only after apply", location=location)
        return Parts((part,), True)

    def _variable(
        self, inst: ModuleInstance, name: str, expression: str, location: Location | None, path: str, depth: int
    ) -> Parts:
        from layergate.sources.tf_layers import Part, Parts

        if not inst.segments:
            entry = self.variables.get(name)
            if not isinstance(entry, dict) or "value" not in entry:
                return Parts((Part(ResolutionKind.UNKNOWN, expression,
                                   f"variable {name} has no value in the plan", location=location),), True)
            value = entry["value"]
            values = value if isinstance(value, list) else [] if value is None else [value]
            return Parts((Part(ResolutionKind.PARAMETER, expression, name, "plan variables",
                               tuple(v if isinstance(v, str) else str(v) for v in values if v is not None),
                               location=location, spread=isinstance(value, list)),), True)
        call = inst.scope
        passed = self.config.call_argument(call, name)
        tf = self.owner.tf
        written = tf is not None and tf.attribute(inst.parent().scope, "module", (call[-1],), name) is not None
        if passed is None and not written:
            declared, default = self.config.variable_default(call, name)
            if not declared:
                return Parts((Part(ResolutionKind.UNKNOWN, expression,
                                   f"module {inst.prefix.rstrip('.')} gets no value for variable {name}",
                                   location=location),), True)
            fixed = Expression({"constant_value": default})
            return self.owner.expression_parts(inst, ("variable", (name,)), "default", fixed, path, depth)
        return self.owner.expression_parts(inst.parent(), ("module", (call[-1],)), name, passed, path, depth)

    def _local(
        self, inst: ModuleInstance, name: str, expression: str, location: Location | None, path: str, depth: int
    ) -> Parts:
        from layergate.sources.tf_layers import Part, Parts

        tf = self.owner.tf
        if tf is not None and tf.attribute(inst.scope, "locals", (), name) is not None:
            return self.owner.expression_parts(inst, ("locals", ()), name, None, path, depth)
        return Parts((Part(ResolutionKind.UNKNOWN, expression,
                           f"the plan does not record local values such as local.{name}{_ASK_FOR_SOURCES}",
                           location=location),), True)

    def _layer_data(self, inst: ModuleInstance, root: str, expression: str, location: Location | None) -> Part:
        from layergate.sources.tf_layers import Part

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
            return Part(ResolutionKind.DYNAMIC, expression, detail, values=values, location=location)
        if values:
            version = data.values.get("version") if data is not None else None
            return Part(ResolutionKind.LITERAL, expression, f"data source {shown} pins version {version}",
                        values=values, location=location)
        return Part(ResolutionKind.UNKNOWN, expression,
                    f"data source {shown} is read only at apply time, so the plan does not record its ARN",
                    location=location)

    def _internal(self, inst: ModuleInstance, root: str, expression: str, location: Location | None) -> Part:
        from layergate.sources.tf_layers import Part

        layer_def = self._instance(inst.prefix + root, self.index.layer_versions)
        resource = self.index.layer_versions.get(layer_def)
        arn = None if resource is None or resource.is_unknown("arn") else resource.values.get("arn")
        return Part(ResolutionKind.INTERNAL, expression, f"layer {layer_def} of this configuration",
                    values=(arn,) if isinstance(arn, str) and arn else (), layer_def=layer_def, location=location)

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
