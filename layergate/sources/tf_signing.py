"""Code signing in a Terraform plan: ``aws_lambda_code_signing_config`` and functions' ``code_signing_config_arn``.

A config created in the same plan has no ARN until apply; the configuration's references say which one a
function names (``aws_lambda_code_signing_config.this.arn``), as they say which ``aws_signer_signing_profile``
a config allows (then the profile's ``name`` is what is known). What neither says keeps its reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from layergate.model import CodeSigningConfig, CodeSigningUse, Location, SigningProfileRef
from layergate.sources.tf_address import parse_address, reference_roots, unkeyed
from layergate.sources.tf_config import ConfigIndex
from layergate.sources.tf_plan import PlanIndex, PlanResource

Where = Callable[[str], Location]
_AFTER_APPLY = "is known only after apply"


def _first(value: Any) -> Mapping[str, Any]:
    """The one nested block Terraform writes as a list of one object (``policies``, ``allowed_publishers``)."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return value[0]
    return value if isinstance(value, dict) else {}


def _block_expression(config: ConfigIndex, address: str, block: str, attribute: str) -> tuple[str, ...]:
    """The resource roots an attribute of a nested block references, in the address's own module."""
    parsed = parse_address(address)
    if parsed is None:
        return ()
    found = config.resource(parsed.module.scope, parsed.resource)
    expressions = _first((found or {}).get("expressions"))
    raw = _first(expressions.get(block)).get(attribute) if block else expressions.get(attribute)
    refs = raw.get("references") if isinstance(raw, dict) else None
    roots = reference_roots([r for r in refs if isinstance(r, str)]) if isinstance(refs, list) else ()
    return tuple(parsed.module.prefix + unkeyed(r) for r in roots)


def configs(index: PlanIndex, config: ConfigIndex, where: Where) -> list[CodeSigningConfig]:
    return [_config(r, index, config, where) for r in index.code_signing.values()]


def _config(r: PlanResource, index: PlanIndex, config: ConfigIndex, where: Where) -> CodeSigningConfig:
    here = where(r.address)
    at = Location(here.file, here.line, here.column, f"{r.address}.policies")
    enforcement, problem = "Warn", ""  # Warn: what Lambda applies when no policies block is written
    if _first(r.unknown.get("policies")).get("untrusted_artifact_on_deployment") is True:
        enforcement, problem = "", f"policies.untrusted_artifact_on_deployment {_AFTER_APPLY}"
    else:
        written = _first(r.values.get("policies")).get("untrusted_artifact_on_deployment")
        enforcement = written if isinstance(written, str) and written else enforcement
    path = f"{r.address}.allowed_publishers.signing_profile_version_arns"
    place = Location(here.file, here.line, here.column, path)
    profiles: list[SigningProfileRef] = []
    if _first(r.unknown.get("allowed_publishers")).get("signing_profile_version_arns") is True:
        for root in _block_expression(config, r.address, "allowed_publishers", "signing_profile_version_arns"):
            profile = index.signing_profiles.get(root) or index.signing_profiles.get(root + "[0]")
            name = profile.values.get("name") if profile is not None else None
            if isinstance(name, str) and name:
                profiles.append(SigningProfileRef("", name, place))
            else:
                profiles.append(SigningProfileRef("", "", place, f"the profile {root} allows {_AFTER_APPLY}"))
        if not profiles:
            profiles.append(SigningProfileRef("", "", place, f"signing_profile_version_arns {_AFTER_APPLY}"))
    else:
        arns = _first(r.values.get("allowed_publishers")).get("signing_profile_version_arns")
        listed = arns if isinstance(arns, list) else []
        profiles = [SigningProfileRef(a, "", place) for a in listed if isinstance(a, str)]
    return CodeSigningConfig(r.address, here, enforcement, at, tuple(profiles), problem)


def use(function: PlanResource, index: PlanIndex, config: ConfigIndex, where: Where) -> CodeSigningUse | None:
    """A function's ``code_signing_config_arn`` (None when it has none)."""
    here = where(function.address)
    at = Location(here.file, here.line, here.column, f"{function.address}.code_signing_config_arn")
    value = function.values.get("code_signing_config_arn")
    if isinstance(value, str) and value:
        local = next((a for a, c in index.code_signing.items() if c.values.get("arn") == value), None)
        return CodeSigningUse(local or value, at, local=local is not None)
    if not function.is_unknown("code_signing_config_arn"):
        return None
    for root in _block_expression(config, function.address, "", "code_signing_config_arn"):
        for address in (root, root + "[0]"):
            if address in index.code_signing:
                return CodeSigningUse(address, at, local=True)
    return CodeSigningUse("code_signing_config_arn", at, problem=f"code_signing_config_arn {_AFTER_APPLY}")
