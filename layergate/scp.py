"""Service control policies from the policy file: the organization enforces what ``check`` gates in CI.

Three statements:

- deny ``lambda:CreateFunction``/``lambda:UpdateFunctionConfiguration`` when any value of the
  ``lambda:Layer`` condition key (the request's layer version ARNs) matches none of the allowed publishers'
  ARN patterns (``ForAnyValue:StringNotLike``, which IAM evaluates as "matches none of the patterns");
- deny the same actions when any layer matches a ``deny:`` entry;
- deny ``lambda:AddLayerVersionPermission`` (sharing a layer version with other accounts). IAM has no
  condition key for that request's ``Principal`` or ``OrganizationId`` (``lambda:Principal`` applies to
  AddPermission/RemovePermission only), so "Principal * without the organization" cannot be told apart from
  other grants: the statement denies every grant except those made by the roles named with
  ``--sharing-role``. ``layergate check`` (LG5xx) reviews the grants written in templates.

An SCP holds at most 5,120 characters. Splitting an allow-list across two deny statements would deny
everything (each denies what the other allows), so when one statement does not fit, the allow-list is cut
by deploy region instead: one statement per group of regions (``aws:RequestedRegion``) listing only the
accounts that publish there, plus one that denies layered functions in every other region.
"""

from __future__ import annotations

import json
import re
from fnmatch import fnmatchcase
from typing import Any

from layergate.catalog import Catalog, partition_of
from layergate.errors import PolicyError
from layergate.policy import Policy, PublisherAllow
from layergate.records import dataclass, field

SCP_MAX_CHARS = 5120
MAX_ATTACHED = 5  # SCPs attachable to one root, OU or account
FUNCTION_ACTIONS = ["lambda:CreateFunction", "lambda:UpdateFunctionConfiguration"]
_GLOB_OK = re.compile(r"^[A-Za-z0-9_*?-]+$")  # what both layer names and IAM's StringLike can express


@dataclass(frozen=True, slots=True)
class ScpOptions:
    partition: str = "aws"
    regions: tuple[str, ...] = ()  # deploy regions (for splitting); default: the policy's regions
    allow_accounts: tuple[str, ...] = ()  # extra accounts whose layers functions may use (own layers)
    sharing_roles: tuple[str, ...] = ()  # principal ARN patterns still allowed to share layer versions
    sharing_statement: bool = True


@dataclass(frozen=True, slots=True)
class ScpResult:
    documents: tuple[dict[str, Any], ...]
    notes: tuple[str, ...] = field(default=())

    def texts(self) -> list[str]:
        return [compact(doc) for doc in self.documents]


def compact(doc: dict[str, Any]) -> str:
    """The text whose length counts against the limit (the API counts whitespace)."""
    return json.dumps(doc, separators=(",", ":"))


def generate(policy: Policy, catalog: Catalog, options: ScpOptions) -> ScpResult:
    notes: list[str] = []
    fixed = fixed_statements(policy, options, notes)
    # One statement when it fits. The account is the trust anchor, so its region is "*" here: a function
    # can only load layers of its own region anyway, and the per-region catalog detail is for `check`.
    every = [_pattern(options.partition, "*", a, n) for a, n in allowed(policy, catalog, options, None, notes)]
    single = layer_statement(every)
    whole = document([*fixed, single])
    if len(compact(whole)) <= SCP_MAX_CHARS:
        return ScpResult((whole,), tuple(notes))

    regions = options.regions or tuple(r for r in policy.regions if partition_of(r) == options.partition)
    if not regions:
        raise PolicyError(
            f"the allowed publishers need {len(compact(single))} characters, more than one SCP holds "
            f"({SCP_MAX_CHARS}), and the policy names no regions to split them by: add regions: or --region",
            policy.path,
        )
    per_region = {r: allowed(policy, catalog, options, r, []) for r in regions}
    statements = [layer_statement(regional_patterns(per_region, g, options.partition), g)
                  for g in region_groups(per_region, options.partition, policy.path)]
    statements.append(other_regions_statement(regions))
    documents = pack(fixed, statements)
    if len(documents) == 1:
        where = "in one service control policy"
    else:
        where = (f"split into {len(documents)} service control policies (an SCP holds at most {SCP_MAX_CHARS} "
                 "characters): attach all of them to the same root, OU or account")
    notes.append(f"the allowed publishers do not fit one statement, so they are written per region "
                 f"({len(statements) - 1} statements) {where}; functions with layers in regions other than "
                 f"{', '.join(regions)} are denied")
    if len(documents) > MAX_ATTACHED:
        notes.append(f"{len(documents)} policies exceed the {MAX_ATTACHED} SCPs one target can hold: "
                     "narrow publishers: with layers: patterns, or attach some to a parent OU")
    return ScpResult(tuple(documents), tuple(notes))


def region_groups(per_region: dict[str, list[tuple[str, str]]], partition: str,
                  path: str | None) -> list[tuple[str, ...]]:
    """Consecutive regions share a statement while it still fits one SCP on its own."""

    def fits(group: tuple[str, ...]) -> bool:
        stmt = layer_statement(regional_patterns(per_region, group, partition), group)
        return len(compact(document([stmt]))) <= SCP_MAX_CHARS

    groups: list[tuple[str, ...]] = []
    current: tuple[str, ...] = ()
    for region in per_region:
        if fits((*current, region)):
            current = (*current, region)
            continue
        if not fits((region,)):
            raise PolicyError(f"the publishers allowed in {region} need more than one SCP holds "
                              f"({SCP_MAX_CHARS} characters): narrow publishers: with layers: patterns", path)
        groups.append(current)
        current = (region,)
    if current:
        groups.append(current)
    return groups


def regional_patterns(per_region: dict[str, list[tuple[str, str]]], group: tuple[str, ...],
                      partition: str) -> list[str]:
    """Patterns for a statement that applies in ``group`` only: region ``*`` for an (account, name) allowed
    in every region of the group, the region itself where it is allowed in some of them only."""
    where: dict[tuple[str, str], list[str]] = {}
    for region in group:
        for pair in per_region[region]:
            where.setdefault(pair, []).append(region)
    out: list[str] = []
    for (account, name), regions in where.items():
        if len(regions) == len(group):
            out.append(_pattern(partition, "*", account, name))
        else:
            out.extend(_pattern(partition, r, account, name) for r in regions)
    return out


def document(statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": statements}


def pack(fixed: list[dict[str, Any]], statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Greedy packing (each statement fits one SCP on its own); the fixed statements ride in the first."""
    out: list[list[dict[str, Any]]] = [list(fixed)]
    for stmt in statements:
        if out[-1] and len(compact(document([*out[-1], stmt]))) > SCP_MAX_CHARS:
            out.append([])
        out[-1].append(stmt)
    return [document(s) for s in out if s]


def layer_statement(patterns: list[str], regions: tuple[str, ...] = ()) -> dict[str, Any]:
    condition: dict[str, Any] = {}
    if regions:
        condition["StringEquals"] = {"aws:RequestedRegion": list(regions)}
        sid = "LayergateDenyUntrustedLayers" + "".join(p.title() for r in regions[:3] for p in r.split("-"))
        sid += "More" if len(regions) > 3 else ""
    else:
        sid = "LayergateDenyUntrustedLayers"
    if patterns:
        condition["ForAnyValue:StringNotLike"] = {"lambda:Layer": patterns}
    else:  # no publisher allowed at all: any layer is denied
        condition["Null"] = {"lambda:Layer": "false"}
    return {"Sid": sid, "Effect": "Deny", "Action": FUNCTION_ACTIONS, "Resource": "*", "Condition": condition}


def other_regions_statement(regions: tuple[str, ...]) -> dict[str, Any]:
    return {
        "Sid": "LayergateDenyLayersElsewhere",
        "Effect": "Deny",
        "Action": FUNCTION_ACTIONS,
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": list(regions)}, "Null": {"lambda:Layer": "false"}},
    }


def fixed_statements(policy: Policy, options: ScpOptions, notes: list[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    denied = [entry.arn for entry in policy.deny if _arn_glob_ok(entry.arn)]
    for entry in policy.deny:
        if not _arn_glob_ok(entry.arn):
            notes.append(f"deny entry {entry.arn!r} uses characters IAM patterns cannot express; "
                         "it is left out of the SCP (layergate check still applies it)")
    if denied:
        out.append({
            "Sid": "LayergateDenyListedLayers", "Effect": "Deny", "Action": FUNCTION_ACTIONS, "Resource": "*",
            "Condition": {"ForAnyValue:StringLike": {"lambda:Layer": denied}},
        })
    if options.sharing_statement:
        stmt: dict[str, Any] = {"Sid": "LayergateDenyLayerSharing", "Effect": "Deny",
                                "Action": "lambda:AddLayerVersionPermission", "Resource": "*"}
        if options.sharing_roles:
            stmt["Condition"] = {"ArnNotLike": {"aws:PrincipalArn": list(options.sharing_roles)}}
        out.append(stmt)
        notes.append(
            "IAM has no condition key for the Principal or OrganizationId of lambda:AddLayerVersionPermission, "
            "so the SCP denies every layer-sharing grant"
            + (" except by the --sharing-role principals" if options.sharing_roles else "")
            + "; `layergate check` reviews grants in templates (public sharing, sharing outside the organization)"
        )
    return out


def allowed(policy: Policy, catalog: Catalog, options: ScpOptions, region: str | None,
            notes: list[str]) -> list[tuple[str, str]]:
    """(account, layer-name glob) pairs ``publishers:`` allows in ``region`` (anywhere when None)."""
    out: dict[tuple[str, str], None] = {}
    for account in options.allow_accounts:
        out[(account, "*")] = None
    for entry in policy.publishers:
        for account, names in _entry_accounts(entry, catalog, options.partition, region):
            for name in _names(entry, names, notes):
                out[(account, name)] = None
    return list(out)


def _pattern(partition: str, region: str, account: str, name: str) -> str:
    return f"arn:{partition}:lambda:{region}:{account}:layer:{name}:*"


def _entry_accounts(entry: PublisherAllow, catalog: Catalog, partition: str,
                    region: str | None) -> list[tuple[str, tuple[str, ...]]]:
    """(account, catalog name globs) pairs the entry allows; the same rules LG201 applies."""
    if entry.account is not None:
        return [(entry.account, ())]
    vendor = catalog.vendor(entry.vendor or "")
    if vendor is None:
        raise PolicyError(f"publishers: unknown vendor {entry.vendor!r}", entry.location.file,
                          entry.location.line, entry.location.column)
    return [(e.account, e.layers) for e in vendor.entries_in(partition, region) if e.confirmed]


def _names(entry: PublisherAllow, catalog_globs: tuple[str, ...], notes: list[str]) -> list[str]:
    """Name patterns that satisfy both the policy entry's and the catalog's globs."""
    for glob in entry.layers:
        if not _GLOB_OK.match(glob):
            raise PolicyError(f"publishers: layer pattern {glob!r} cannot be written as an IAM pattern "
                              "(only letters, digits, '-', '_', '*' and '?')", entry.location.file,
                              entry.location.line, entry.location.column)
    mine = list(entry.layers) or ["*"]
    theirs = list(catalog_globs) or ["*"]
    out: list[str] = []
    for a in mine:
        for b in theirs:
            both = intersect(a, b)
            if both is not None:
                out.append(both)
            elif _wild(a) and _wild(b):  # may overlap, but not as one pattern: fail closed and say so
                notes.append(f"{entry.name}: layer patterns {a!r} and {b!r} overlap in a way one IAM pattern "
                             "cannot express; those layers are denied")
    return out


def intersect(a: str, b: str) -> str | None:
    """One glob matching exactly what both match, for the shapes that occur (exact names, prefixes)."""
    if a == "*" or a == b:
        return b
    if b == "*":
        return a
    if not _wild(a):
        return a if fnmatchcase(a, b) else None
    if not _wild(b):
        return b if fnmatchcase(b, a) else None
    for narrow, wide in ((a, b), (b, a)):
        if wide.endswith("*") and not _wild(wide[:-1]) and narrow.startswith(wide[:-1]):
            return narrow
    return None


def _wild(glob: str) -> bool:
    return "*" in glob or "?" in glob


def _arn_glob_ok(pattern: str) -> bool:
    return re.fullmatch(r"[A-Za-z0-9_*?:.-]+", pattern) is not None
