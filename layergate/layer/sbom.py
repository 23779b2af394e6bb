"""The CycloneDX 1.6 JSON SBOM of a layer, written with cyclonedx-python-lib (imported only here).

One ``library`` component per package, with its package URL (``pkg:pypi/...``, ``pkg:npm/...``,
``pkg:maven/...``) so vulnerability scanners can match it, and the hashes layergate computed: of the
jar for Java, of the metadata file (METADATA, PKG-INFO, package.json) for Python and Node, which the
property ``layergate:hashed-file`` names. Extensions and native binaries are ``file`` components with
their SHA-256. The layer itself is the BOM's subject (``metadata.component``), with the SHA-256 of the
zip when the input was one.

With known vulnerabilities (``inspect --vulns``), the BOM's ``vulnerabilities`` list has one entry per
vulnerability (aliases as ``references``, the CVSS rating, the fixed versions as the recommendation),
``affects`` naming each package component it was found in; a package that could not be matched carries the
property ``layergate:not-matched`` with the reason, so nobody reads its absence from the list as clean.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from layergate import __version__
from layergate.layer.inventory import LayerContents
from layergate.layer.packages import purl

if TYPE_CHECKING:
    from layergate.vulns.model import VulnReport

_ALGORITHMS = {"SHA-256": "SHA_256", "SHA-1": "SHA_1"}


def render(contents: LayerContents, vulns: VulnReport | None = None) -> str:
    from cyclonedx.model import HashAlgorithm, HashType, Property
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.output.json import JsonV1Dot6
    from packageurl import PackageURL

    def hashes(pairs: tuple[tuple[str, str], ...]) -> list[Any]:
        return [HashType(alg=getattr(HashAlgorithm, _ALGORITHMS[alg]), content=hex_) for alg, hex_ in pairs if hex_]

    bom = Bom()
    subject = Component(
        name=contents.source, type=ComponentType.LIBRARY, bom_ref="layer",
        hashes=hashes((("SHA-256", contents.archive_sha256),)),
        properties=[Property(name="layergate:complete", value=str(contents.complete).lower())],
    )
    bom.metadata.component = subject
    bom.metadata.tools.components.add(
        Component(name="layergate", version=__version__, type=ComponentType.APPLICATION)
    )
    parts = []
    not_matched = {r.package: r.not_matched for r in vulns.not_matched} if vulns is not None else {}
    refs = {}
    for pkg in contents.packages:
        purl_text = purl(pkg)
        package_url = PackageURL.from_string(purl_text) if purl_text else None
        npm_scope, _, npm_name = pkg.name.rpartition("/") if pkg.ecosystem == "npm" else ("", "", pkg.name)
        refs[pkg] = f"{purl_text or pkg.ecosystem + ':' + pkg.name}#{pkg.path}"
        properties = [Property(name="layergate:path", value=pkg.path),
                      Property(name="layergate:hashed-file", value=pkg.hashed)]
        if pkg in not_matched:
            properties.append(Property(name="layergate:not-matched", value=not_matched[pkg]))
        parts.append(Component(
            type=ComponentType.LIBRARY,
            name=npm_name,
            group=(pkg.group or npm_scope) or None,
            version=pkg.version or None,
            purl=package_url,
            bom_ref=refs[pkg],
            hashes=hashes(pkg.hashes),
            properties=properties,
        ))
    for ext in contents.extensions:
        parts.append(Component(
            type=ComponentType.FILE, name=ext.path, bom_ref=f"file:{ext.path}",
            hashes=hashes((("SHA-256", ext.sha256),)),
            properties=[Property(name="layergate:role", value="extension"),
                        Property(name="layergate:detail", value=ext.detail)],
        ))
    extension_paths = {e.path for e in contents.extensions}
    for binary in contents.binaries:
        if binary.path in extension_paths:
            continue
        parts.append(Component(
            type=ComponentType.FILE, name=binary.path, bom_ref=f"file:{binary.path}",
            hashes=hashes((("SHA-256", binary.sha256),)),
            properties=[Property(name="layergate:role", value="native-binary"),
                        Property(name="layergate:detail", value=binary.elf.describe())],
        ))
    for part in parts:
        bom.components.add(part)
    bom.register_dependency(subject, parts)
    if vulns is not None:
        _add_vulnerabilities(bom, vulns, refs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the library warns about graph completeness; the graph is flat
        output: str = JsonV1Dot6(bom).output_as_string(indent=2)
    return output + "\n"


def _add_vulnerabilities(bom: Any, vulns: VulnReport, refs: dict[Any, str]) -> None:
    import datetime as dt
    from decimal import Decimal

    from cyclonedx.model import XsUri
    from cyclonedx.model.vulnerability import (
        BomTarget,
        Vulnerability,
        VulnerabilityRating,
        VulnerabilityReference,
        VulnerabilityScoreSource,
        VulnerabilitySeverity,
        VulnerabilitySource,
    )

    def source(vuln_id: str) -> Any:
        return VulnerabilitySource(name="OSV", url=XsUri(f"https://osv.dev/vulnerability/{vuln_id}"))

    def when(text: str) -> dt.datetime | None:
        try:
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
        except ValueError:
            return None

    found: dict[str, tuple[Any, list[str]]] = {}
    for result in vulns.vulnerable:
        for v in result.vulnerabilities:
            found.setdefault(v.id, (v, []))[1].append(refs[result.package])
    methods = {"CVSSv3": VulnerabilityScoreSource.CVSS_V3_1, "CVSSv2": VulnerabilityScoreSource.CVSS_V2}
    for vuln_id, (v, targets) in sorted(found.items()):
        method = methods.get(v.rating.method)
        if method is VulnerabilityScoreSource.CVSS_V3_1 and v.rating.vector.startswith("CVSS:3.0"):
            method = VulnerabilityScoreSource.CVSS_V3
        rating = VulnerabilityRating(
            source=source(vuln_id), severity=VulnerabilitySeverity(v.rating.level), method=method,
            score=Decimal(str(v.rating.score)) if v.rating.score is not None else None,
            vector=v.rating.vector or None,
        )
        bom.vulnerabilities.add(Vulnerability(
            bom_ref=f"vuln:{vuln_id}", id=vuln_id, source=source(vuln_id),
            references=[VulnerabilityReference(id=alias, source=source(alias)) for alias in v.aliases],
            ratings=[rating], description=v.summary or None,
            recommendation=f"Upgrade to {v.fixed[0]} or later" if v.fixed else "No fixed version is known",
            published=when(v.published), updated=when(v.modified),
            affects=[BomTarget(ref=ref) for ref in sorted(set(targets))],
        ))
