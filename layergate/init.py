"""A starter ``.layergate.yaml`` written from what the repository already uses.

The scan gives the deploy regions and every layer ARN the functions load. Each publishing account becomes
a ``publishers:`` entry, narrowed to the layer names seen: a catalog vendor by its key (with a comment on
who it is and where the catalog has it from), any other account as a bare ``account:`` entry whose comment
asks who owns it. Nothing here is trusted by being written: the file is a draft for review, and ``layergate
lock`` then records the SHA-256 of each pinned layer version.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from layergate.arn import LayerArn, try_parse
from layergate.catalog import Catalog
from layergate.model import ResolutionKind, Scan
from layergate.records import dataclass, field

MAX_SEEN = 3  # functions named in a publisher's comment


@dataclass
class Publisher:
    vendor: str | None  # catalog key
    account: str | None
    label: str
    comment: str
    names: set[str] = field(default_factory=set)
    extensions: set[str] = field(default_factory=set)  # names the catalog knows as extension layers
    seen: list[str] = field(default_factory=list)  # "file (Function)"


@dataclass(frozen=True, slots=True)
class Found:
    regions: tuple[str, ...]
    publishers: tuple[Publisher, ...]
    unresolved: int  # layer entries whose value the scan could not determine
    files: int
    functions: int


def regions_of(scans: Sequence[Scan]) -> tuple[str, ...]:
    """Deploy regions for the policy: those of the layer ARNs written in files that do not state their own
    region (templates, plans). A file that states one (serverless provider.region) deploys there whatever
    the policy says, so its region only counts when no other file gives any."""
    stated: set[str] = set()
    written: set[str] = set()
    for scan in scans:
        if scan.regions:
            stated.update(scan.regions)
            continue
        for ref in scan.refs:
            for candidate in ref.candidates:
                arn = try_parse(candidate.value)
                if candidate.region is None and arn is not None and arn.region:
                    written.add(arn.region)
    return tuple(sorted(written or stated))


def collect(scans: Sequence[Scan], catalog: Catalog) -> Found:
    publishers: dict[tuple[str, str], Publisher] = {}
    unresolved = 0
    for scan in scans:
        for ref in scan.refs:
            if ref.resolution.kind is ResolutionKind.INTERNAL:
                continue  # published by this deployment: the LG5xx rules cover it
            arns = [a for a in (try_parse(c.value) for c in ref.candidates) if a is not None and not a.managed]
            if not arns:
                unresolved += 1
            for arn in arns:
                pub = _publisher(publishers, arn, catalog)
                pub.names.add(arn.name)
                if catalog.is_extension(arn):
                    pub.extensions.add(arn.name)
                where = f"{scan.file} ({ref.consumer})"
                if where not in pub.seen:
                    pub.seen.append(where)
    ordered = sorted(publishers.values(), key=lambda p: (p.vendor is None, p.vendor or "", p.account or ""))
    return Found(
        regions=regions_of(scans),
        publishers=tuple(ordered),
        unresolved=unresolved,
        files=len({s.file for s in scans}),
        functions=sum(len(s.functions) for s in scans),
    )


def _publisher(publishers: dict[tuple[str, str], Publisher], arn: LayerArn, catalog: Catalog) -> Publisher:
    match = catalog.match(arn)
    if match is not None and match.confirmed:
        vendor = match.vendor
        key = ("vendor", vendor.key)
        if key not in publishers:
            comment = f"{vendor.name}: accounts from the layergate catalog ({vendor.source})"
            publishers[key] = Publisher(vendor.key, None, vendor.name, comment)
        return publishers[key]
    key = ("account", arn.account)
    if key not in publishers:
        if match is not None:
            comment = (f"{arn.account}: the catalog has seen {match.vendor.name} use this account only second-hand "
                       "(unconfirmed); find out who owns it before you trust it")
        else:
            comment = f"{arn.account}: not in the publisher catalog; find out who owns this account before you trust it"
        publishers[key] = Publisher(None, arn.account, arn.account, comment)
    return publishers[key]


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text)


def render(found: Found, today: dt.date, by_format: Sequence[tuple[str, int]]) -> str:
    formats = ", ".join(f"{n} {name}" for name, n in by_format)
    lines = [
        f"# layergate policy, started by `layergate init` on {today.isoformat()} from {found.files} "
        f"file{'s' if found.files != 1 else ''}" + (f" ({formats})" if formats else "") + ".",
        "# Review every entry before you commit it: a publisher listed here is trusted to run code inside",
        "# your functions. Every layer must be pinned to one version (LG101, LG102), come from a publisher",
        "# below (LG201) and have its SHA-256 recorded under layers: (LG301).",
        "# `layergate schema` prints the schema of this file, `layergate rules` the rules.",
        "version: 1",
    ]
    if found.regions:
        lines.append(f"regions: [{', '.join(found.regions)}]   # seen in the templates; ${{AWS::Region}} "
                     "expands over these")
    else:
        lines.append("regions: []   # none seen: list where your functions deploy (expands ${AWS::Region})")
    lines += ["fail_on: error   # error: only errors fail the build; warning: warnings too", ""]
    if found.unresolved:
        lines.append(f"# {found.unresolved} layer entr{'y' if found.unresolved == 1 else 'ies'} could not be "
                     "resolved (SSM, parameters, imports): `layergate check` lists them.")
    if found.publishers:
        lines.append("publishers:")
        for pub in found.publishers:
            seen = ", ".join(pub.seen[:MAX_SEEN]) + (f" and {len(pub.seen) - MAX_SEEN} more"
                                                    if len(pub.seen) > MAX_SEEN else "")
            lines.append(f"  # {pub.comment}")
            lines.append(f"  # used by {seen}")
            if pub.extensions:
                lines.append(f"  # extensions: {', '.join(sorted(pub.extensions))} run as their own process beside "
                             "your code, with its environment and role")
            if pub.vendor is not None:
                lines.append(f"  - vendor: {pub.vendor}")
            else:
                lines.append(f"  - account: {_q(pub.account or '')}")
                lines.append(f"    name: {_q(pub.label)}   # who this is, for messages")
            names = ", ".join(_q(n) for n in sorted(pub.names))
            lines.append(f"    layers: [{names}]   # the layer names seen; widen with globs (Name-*) if needed")
    else:
        lines.append("publishers: []   # no outside layer seen: no publisher is trusted")
    lines += [
        "",
        "# Your AWS Organization, for the layer-sharing rules (LG5xx):",
        "# org:",
        "#   id: o-xxxxxxxxxx",
        '#   accounts: ["111111111111"]',
        "",
        "# Reviewed layer versions with the SHA-256 of each zip. Run `layergate lock` to record them from AWS",
        "# (it adds an entry for each pinned layer version above; `--reviewer NAME` records who reviewed it).",
        "layers: []",
        "",
    ]
    return "\n".join(lines)
