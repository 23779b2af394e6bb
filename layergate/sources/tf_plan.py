"""The resources of a plan that matter for layers, one record per instance address.

A plan states a resource up to three times: ``planned_values`` (what will exist), ``resource_changes``
(before/after and which attributes are unknown until apply) and ``prior_state`` (what exists now, and
the data sources read during the plan). One address is one resource here, taken from the most
forward-looking place: planned values, then the change's ``after``, then prior state. Resources the
plan deletes are not deployed and are left out.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from layergate.errors import InputError
from layergate.records import dataclass, field

FUNCTION = "aws_lambda_function"
LAYER_VERSION = "aws_lambda_layer_version"
PERMISSION = "aws_lambda_layer_version_permission"
CODE_SIGNING = "aws_lambda_code_signing_config"
SIGNING_PROFILE = "aws_signer_signing_profile"
SSM_PARAMETER = "aws_ssm_parameter"  # as a data source: a value read at plan time, not pinned in the repository
READ_DATA = frozenset((LAYER_VERSION, SSM_PARAMETER))  # the data sources whose reads explain a layer ARN
MANAGED_TYPES = frozenset((FUNCTION, LAYER_VERSION, PERMISSION, CODE_SIGNING, SIGNING_PROFILE))

_EMPTY: Mapping[str, Any] = {}


@dataclass(frozen=True, slots=True)
class PlanResource:
    address: str
    type: str
    values: Mapping[str, Any]  # known values; an attribute unknown until apply is absent or null
    unknown: Mapping[str, Any] = field(default_factory=dict)  # the change's after_unknown, if any
    origin: str = "planned_values"  # or "resource_changes", "prior_state"

    def is_unknown(self, attribute: str) -> bool:
        return self.unknown.get(attribute) is True


@dataclass(slots=True)
class PlanIndex:
    functions: dict[str, PlanResource] = field(default_factory=dict)
    layer_versions: dict[str, PlanResource] = field(default_factory=dict)
    permissions: dict[str, PlanResource] = field(default_factory=dict)
    layer_data: dict[str, PlanResource] = field(default_factory=dict)  # data.aws_lambda_layer_version reads
    ssm_data: dict[str, PlanResource] = field(default_factory=dict)  # data.aws_ssm_parameter reads
    code_signing: dict[str, PlanResource] = field(default_factory=dict)
    signing_profiles: dict[str, PlanResource] = field(default_factory=dict)

    def add(self, resource: PlanResource) -> None:
        table = {FUNCTION: self.functions, LAYER_VERSION: self.layer_versions, PERMISSION: self.permissions,
                 CODE_SIGNING: self.code_signing, SIGNING_PROFILE: self.signing_profiles}
        table[resource.type].setdefault(resource.address, resource)

    def data_table(self, rtype: str) -> dict[str, PlanResource]:
        return self.ssm_data if rtype == SSM_PARAMETER else self.layer_data


def _object(value: Any, where: str, file: str) -> Mapping[str, Any]:
    if value is None:
        return _EMPTY
    if not isinstance(value, dict):
        raise InputError(f"{where} is not a JSON object", file)
    return value


def _list(value: Any, where: str, file: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(f"{where} is not a JSON array", file)
    return value


def module_resources(root: Any, where: str, file: str) -> Iterator[Mapping[str, Any]]:
    """Every resource of a ``root_module`` and its ``child_modules``, at any depth (iteratively)."""
    stack = [(root, where)]
    while stack:
        module, at = stack.pop()
        module = _object(module, at, file)
        for resource in _list(module.get("resources"), f"{at}.resources", file):
            if not isinstance(resource, dict):
                raise InputError(f"{at}.resources holds a value that is not an object", file)
            yield resource
        children = _list(module.get("child_modules"), f"{at}.child_modules", file)
        stack.extend((child, f"{at}.child_modules") for child in reversed(children))


def _deployed(actions: Any) -> bool:
    """False for a plain delete (or forget): the resource will not exist after apply."""
    if not isinstance(actions, list):
        return True
    return not (("delete" in actions or "forget" in actions) and "create" not in actions)


def index_plan(plan: Mapping[str, Any], file: str) -> PlanIndex:
    index = PlanIndex()
    changes: dict[str, tuple[str, Mapping[str, Any]]] = {}
    gone: set[str] = set()
    deferred_reads: list[PlanResource] = []
    for rc in _list(plan.get("resource_changes"), "resource_changes", file):
        if not isinstance(rc, dict):
            raise InputError("resource_changes holds a value that is not an object", file)
        rtype = rc.get("type")
        if rtype not in MANAGED_TYPES and rtype != SSM_PARAMETER:
            continue
        address = str(rc.get("address", ""))
        change = _object(rc.get("change"), f"change of {address}", file)
        if rc.get("mode") == "data":
            if rtype not in READ_DATA:
                continue
            after = _object(change.get("after"), f"change.after of {address}", file)
            unknown = change.get("after_unknown")
            deferred_reads.append(
                PlanResource(address, str(rtype), after, unknown if isinstance(unknown, dict) else {},
                             "resource_changes")
            )
            continue
        if rtype not in MANAGED_TYPES:
            continue
        if not _deployed(change.get("actions")):
            gone.add(address)
            continue
        changes[address] = (rtype, change)

    planned = _object(plan.get("planned_values"), "planned_values", file)
    for res in module_resources(planned.get("root_module"), "planned_values.root_module", file):
        rtype = res.get("type")
        if rtype not in MANAGED_TYPES or res.get("mode", "managed") != "managed":
            continue
        address = str(res.get("address", ""))
        if address in gone:
            continue
        unknown = changes[address][1].get("after_unknown") if address in changes else None
        values = _object(res.get("values"), f"values of {address}", file)
        index.add(PlanResource(address, rtype, values, unknown if isinstance(unknown, dict) else {}))

    for address, (rtype, change) in changes.items():
        unknown = change.get("after_unknown")
        after = _object(change.get("after"), f"change.after of {address}", file)
        index.add(PlanResource(address, rtype, after, unknown if isinstance(unknown, dict) else {},
                               "resource_changes"))

    prior = _object(plan.get("prior_state"), "prior_state", file)
    values = _object(prior.get("values"), "prior_state.values", file)
    for res in module_resources(values.get("root_module"), "prior_state.values.root_module", file):
        rtype = res.get("type")
        address = str(res.get("address", ""))
        state_values = res.get("values")
        if not isinstance(state_values, dict):
            continue
        if res.get("mode") == "data":
            if rtype in READ_DATA:
                index.data_table(rtype)[address] = PlanResource(address, rtype, state_values, {}, "prior_state")
        elif rtype in MANAGED_TYPES and address not in gone:
            index.add(PlanResource(address, rtype, state_values, {}, "prior_state"))
    for read in deferred_reads:
        index.data_table(read.type).setdefault(read.address, read)
    return index


def known_layers(function: PlanResource) -> list[str | None] | None:
    """The function's layer list: None when the plan dropped it (unknown until apply), else the values
    with None for single elements unknown until apply. A missing attribute in a plan means unknown."""
    if function.is_unknown("layers"):
        return None
    values = function.values
    if "layers" not in values:
        return [] if function.origin == "prior_state" else None
    layers = values["layers"]
    if layers is None:
        return []
    if not isinstance(layers, list):
        return None
    unknown = function.unknown.get("layers")
    flags = unknown if isinstance(unknown, list) else []
    return [
        value if isinstance(value, str) and not (i < len(flags) and flags[i] is True) else None
        for i, value in enumerate(layers)
    ]
