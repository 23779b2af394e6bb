"""Terraform addresses and references, taken apart without evaluating anything.

A resource instance address is ``module.fn["a"].module.inner[0].aws_lambda_function.this[2]``: module
call segments (each with an optional count/for_each key), then the resource, which has its own key.
Configuration (``configuration`` in the plan, or the ``.tf`` files) knows modules by call name only, so
the key is what separates one instance's layer address from another's.
"""

from __future__ import annotations

import re

from layergate.records import dataclass, field

_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
_KEY = r'\[(?:"(?:[^"\\]|\\.)*"|[0-9]+)\]'
_MODULE_SEGMENT = re.compile(rf"module\.({_NAME})((?:{_KEY})?)\.")
_RESOURCE = re.compile(rf"^((?:data\.)?{_NAME}\.{_NAME})((?:{_KEY})?)$")
_ROOT = re.compile(rf"^((?:data\.)?{_NAME}\.{_NAME})((?:{_KEY})?)")

# Reference roots that name no value of their own (count/for_each and path helpers).
META_PREFIXES = ("count.", "each.", "path.", "terraform.", "self.")


@dataclass(frozen=True, slots=True)
class ModuleInstance:
    """The module instances an address lives in: ``(("fn", '["a"]'), ("inner", "[0]"))``."""

    segments: tuple[tuple[str, str], ...] = ()
    scope: tuple[str, ...] = field(init=False)  # module call names, as the configuration knows them
    prefix: str = field(init=False)  # the address prefix of everything in it: module.fn["a"].

    def __post_init__(self) -> None:
        # Computed once: a large plan asks for them for every function.
        object.__setattr__(self, "scope", tuple(name for name, _ in self.segments))
        object.__setattr__(self, "prefix", "".join(f"module.{name}{key}." for name, key in self.segments))

    def parent(self) -> ModuleInstance:
        return module_instance(self.segments[:-1])


_INSTANCES: dict[tuple[tuple[str, str], ...], ModuleInstance] = {}


def module_instance(segments: tuple[tuple[str, str], ...]) -> ModuleInstance:
    """One shared record per module instance: a plan names the same instances again and again."""
    found = _INSTANCES.get(segments)
    if found is None:
        if len(_INSTANCES) > 100_000:  # bounded: many plans in one process must not grow it forever
            _INSTANCES.clear()
        found = _INSTANCES[segments] = ModuleInstance(segments)
    return found


@dataclass(frozen=True, slots=True)
class Address:
    module: ModuleInstance
    resource: str  # aws_lambda_function.this or data.aws_lambda_layer_version.x, without the key
    key: str  # '[2]', '["a"]' or ''

    @property
    def type_name(self) -> tuple[str, str]:
        """(type, name) of the resource block, e.g. ("aws_lambda_function", "this")."""
        parts = self.resource.split(".")
        return parts[-2], parts[-1]


def parse_address(address: str) -> Address | None:
    """Split a resource instance address; None when it is not one (the caller keeps the raw string)."""
    pos = 0
    segments: list[tuple[str, str]] = []
    while True:
        match = _MODULE_SEGMENT.match(address, pos)
        if match is None:
            break
        segments.append((match[1], match[2]))
        pos = match.end()
    rest = _RESOURCE.match(address[pos:])
    if rest is None:
        return None
    return Address(module_instance(tuple(segments)), rest[1], rest[2])


def reference_root(reference: str) -> str | None:
    """The object a reference reads: ``aws_lambda_layer_version.x[0].arn`` -> ``aws_lambda_layer_version.x[0]``.

    ``var.x``, ``local.x`` and ``module.m`` keep two parts; ``data.t.n`` three. None for meta references
    (``count.index``, ``each.value``, ``path.module``) and for text that is not a reference.
    """
    if reference.startswith(META_PREFIXES):
        return None
    match = _ROOT.match(reference)
    if match is None:
        return None
    head = match[1]
    if head.startswith(("var.", "local.")):
        return head
    return head + match[2]


def reference_roots(references: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Distinct roots in order; ``x`` is dropped when ``x[0]`` is also there (the more exact one wins)."""
    roots = list(dict.fromkeys(r for r in map(reference_root, references) if r is not None))
    return tuple(r for r in roots if not any(o.startswith(r + "[") for o in roots))


def unkeyed(root: str) -> str:
    """``aws_lambda_layer_version.x[0]`` -> ``aws_lambda_layer_version.x``."""
    match = _ROOT.match(root)
    return match[1] if match else root
