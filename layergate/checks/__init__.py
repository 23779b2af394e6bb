"""The rule registry: an explicit list, so reading this file tells you every rule that exists.

Each module defines ``RULE`` (a ``layergate.rule.Rule``) and at most one of:

- ``check(scan: Scan, ctx: Context) -> Iterable[Finding]``: per input scan (most rules);
- ``check_policy(ctx: Context) -> Iterable[Finding]``: about the policy itself (LG901).

Modules with neither are online rules whose findings come from ``verify``/``inventory`` (LG302, LG304, LG7xx).
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterable
from functools import cache
from types import ModuleType

from layergate.records import dataclass
from layergate.rule import Rule

TYPE_CHECKING = False  # typing is for the type checker: importing it costs every start of the CLI
if TYPE_CHECKING:
    from collections.abc import Mapping

    from layergate.catalog import Catalog
    from layergate.policy import Policy
    from layergate.vulns.model import VulnReport

MODULE_NAMES: tuple[str, ...] = (
    # filled in as rules land; order is the order of `layergate rules`
    "floating_reference",
    "unversioned_arn",
    "unresolvable_reference",
    "malformed_arn",
    "region_or_partition_mismatch",
    "layer_count_or_duplicate",
    "plugin_injected_layers",
    "publisher_not_allowed",
    "denied_layer",
    "unreviewed_version",
    "hash_mismatch",
    "review_expired",
    "layer_unavailable",
    "unsigned_internal_layer",
    "missing_attestation",
    "attestation_identity_mismatch",
    "attestation_digest_mismatch",
    "layer_signature_mismatch",
    "unreviewed_extension",
    "public_layer_permission",
    "layer_shared_outside_org",
    "mutable_layer_source",
    "committed_native_binary",
    "layer_extension_present",
    "known_vulnerability",
    "unmatched_package",
    "advisories_unavailable",
    "stale_layer_version",
    "orphaned_internal_layer",
    "expired_suppression",
)


@dataclass(frozen=True, slots=True)
class Context:
    policy: Policy
    catalog: Catalog
    regions: tuple[str, ...]  # deploy regions: --region, else policy regions
    today: dt.date
    # Known vulnerabilities per local layer content path (a report, or why the content was not read); None
    # when check has no advisory source (LG603-LG605).
    vulnerabilities: Mapping[str, VulnReport | str] | None = None


@cache
def modules() -> tuple[ModuleType, ...]:
    return tuple(importlib.import_module(f"layergate.checks.{name}") for name in MODULE_NAMES)


@cache
def all_rules() -> tuple[Rule, ...]:
    return tuple(m.RULE for m in modules())


def find_rule(name: str) -> Rule | None:
    """A rule by id (LG101, case-insensitive) or slug (floating-reference)."""
    key = name.strip().lower()
    for rule in all_rules():
        if key in (rule.id.lower(), rule.slug):
            return rule
    return None


def rule_names(rules: Iterable[Rule]) -> set[str]:
    return {n for r in rules for n in (r.id, r.slug)}
