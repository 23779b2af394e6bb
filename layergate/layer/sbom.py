"""The CycloneDX 1.6 JSON SBOM of a layer, written with cyclonedx-python-lib (imported only here).

One ``library`` component per package, with its package URL (``pkg:pypi/...``, ``pkg:npm/...``,
``pkg:maven/...``) so vulnerability scanners can match it, and the hashes layergate computed: of the
jar for Java, of the metadata file (METADATA, PKG-INFO, package.json) for Python and Node, which the
property ``layergate:hashed-file`` names. Extensions and native binaries are ``file`` components with
their SHA-256. The layer itself is the BOM's subject (``metadata.component``), with the SHA-256 of the
zip when the input was one.
"""

from __future__ import annotations

import warnings
from typing import Any

from layergate import __version__
from layergate.layer.inventory import LayerContents
from layergate.layer.packages import purl

_ALGORITHMS = {"SHA-256": "SHA_256", "SHA-1": "SHA_1"}


def render(contents: LayerContents) -> str:
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
    for pkg in contents.packages:
        purl_text = purl(pkg)
        package_url = PackageURL.from_string(purl_text) if purl_text else None
        npm_scope, _, npm_name = pkg.name.rpartition("/") if pkg.ecosystem == "npm" else ("", "", pkg.name)
        parts.append(Component(
            type=ComponentType.LIBRARY,
            name=npm_name,
            group=(pkg.group or npm_scope) or None,
            version=pkg.version or None,
            purl=package_url,
            bom_ref=f"{purl_text or pkg.ecosystem + ':' + pkg.name}#{pkg.path}",
            hashes=hashes(pkg.hashes),
            properties=[
                Property(name="layergate:path", value=pkg.path),
                Property(name="layergate:hashed-file", value=pkg.hashed),
            ],
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
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the library warns about graph completeness; the graph is flat
        output: str = JsonV1Dot6(bom).output_as_string(indent=2)
    return output + "\n"
