"""Layer zips whose packages are affected by, fixed for, and just outside the ranges of the real OSV records
in tests/fixtures/osv."""

from __future__ import annotations

from pathlib import Path

from layer_builder import LayerZip, dist_info, jar, maven_jar, node_package, system_elf_shared_object

OSV_DIR = Path(__file__).resolve().parent / "fixtures" / "osv"


def vulnerable_layer(path: Path) -> Path:
    """requests 2.30.0 (CVE-2023-32681: PYSEC-2023-74 and GHSA-j8r2-6x86-q33q), urllib3 1.26.17 (fixed for
    PYSEC-2023-192, affected by PYSEC-2023-212 <1.26.18), lodash 4.17.21 (the first fixed version),
    log4j-core 2.14.1 (GHSA-jfh8-c2jp-5v3q), flask-caching 1.9.0 (only a withdrawn record), plus what
    cannot be matched: a jar without coordinates, a package without a version, vendored code, a .so."""
    layer = LayerZip(path)
    layer.add_all(dist_info("requests", "2.30.0", {"requests/__init__.py": ""}))
    layer.add_all(dist_info("urllib3", "1.26.17", {"urllib3/__init__.py": ""}))
    layer.add_all(dist_info("Flask-Caching", "1.9.0", {"flask_caching/__init__.py": ""}))
    layer.add_all(node_package("nodejs/node_modules/lodash", "lodash", "4.17.21", {"index.js": ""}))
    layer.add_all(node_package("nodejs/node_modules/left-pad", "left-pad", "", {"index.js": ""}))
    layer.add("java/lib/log4j-core-2.14.1.jar", maven_jar("org.apache.logging.log4j", "log4j-core", "2.14.1"))
    layer.add("java/lib/internal-tools-1.0.jar", jar({"META-INF/MANIFEST.MF": "Manifest-Version: 1.0\n"}))
    layer.add("python/vendored_yaml/__init__.py", "")
    layer.add("lib/libcrypto.so.1.1", system_elf_shared_object().read_bytes())
    return layer.close()


def fixed_layer(path: Path) -> Path:
    """The same layer after the upgrades that fix everything: requests 2.31.0, urllib3 1.26.18, log4j 2.17.1."""
    layer = LayerZip(path)
    layer.add_all(dist_info("requests", "2.31.0", {"requests/__init__.py": ""}))
    layer.add_all(dist_info("urllib3", "1.26.18", {"urllib3/__init__.py": ""}))
    layer.add_all(node_package("nodejs/node_modules/lodash", "lodash", "4.17.21", {"index.js": ""}))
    layer.add("java/lib/log4j-core-2.17.1.jar", maven_jar("org.apache.logging.log4j", "log4j-core", "2.17.1"))
    return layer.close()
