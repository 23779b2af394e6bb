"""The packages of local layer content, for ``check``: only the metadata files are read, nothing hashed.

``published_layer_vulns`` reads every layer the scans publish from the repository, matches all their
packages in one request to the source (an offline database is read once, however many layers there
are), and returns a report per content path for the rules (LG603, LG604) to read.
"""

from __future__ import annotations

from collections.abc import Sequence

from layergate.errors import InputError
from layergate.layer.archive import REFUSING, Unreadable, open_layer
from layergate.layer.packages import Collector, Package, wants
from layergate.layer.survey import content_survey
from layergate.model import Scan
from layergate.records import dataclass
from layergate.vulns.model import AdvisorySource, VulnReport


@dataclass(frozen=True, slots=True)
class LocalPackages:
    packages: tuple[Package, ...]
    paths: tuple[str, ...]
    binaries: tuple[str, ...]
    unread: str  # why some content was not read ("" when all of it was)


def local_packages(path: str, cached: bool = True) -> LocalPackages | None:
    """None for a plain file that is no layer at all (as ``content_survey`` decides). ``cached=False`` for a
    temporary file (a downloaded layer): its survey is not kept for a path that will name something else."""
    found = content_survey(path) if cached else content_survey.__wrapped__(path)
    if found is None:
        return None
    binaries = tuple(b.path for b in found.binaries)
    if found.unread:
        return LocalPackages((), (), binaries, found.unread)
    collector = Collector()
    try:
        with open_layer(path) as layer:
            if layer.refused:
                return LocalPackages((), (), binaries, "; ".join(p.message for p in layer.problems
                                                                 if p.kind in REFUSING))
            members = layer.members
            for member in members:
                if not member.symlink and wants(member.path):
                    collector.add(member.path, b"".join(layer.chunks(member)), "")
    except (InputError, Unreadable) as exc:
        return LocalPackages((), (), binaries, exc.message)
    paths = tuple(m.path for m in members)
    return LocalPackages(tuple(collector.packages(paths)), paths, binaries, "")


def published_layer_vulns(scans: Sequence[Scan], source: AdvisorySource) -> dict[str, VulnReport | str]:
    """Per local content path: its report, or why its content could not be read."""
    from layergate.vulns.match import match_many

    contents: dict[str, LocalPackages] = {}
    for scan in scans:
        for layer in scan.layer_defs:
            path = layer.content.local_path
            if layer.content.kind == "local" and path and path not in contents:
                found = local_packages(path)
                if found is not None:
                    contents[path] = found
    readable = {path: found for path, found in contents.items() if not found.unread}
    reports = match_many([(f.packages, f.paths, f.binaries) for f in readable.values()], source)
    out: dict[str, VulnReport | str] = {path: found.unread for path, found in contents.items() if found.unread}
    out.update(zip(readable, reports, strict=True))
    return out
