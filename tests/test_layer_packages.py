"""Package detection by runtime, from real metadata files in zips built on the fly."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from layer_builder import LayerZip, dist_info, jar, maven_jar, node_package

from layergate.layer.inventory import inspect_layer
from layergate.layer.layerdiff import compare_versions
from layergate.layer.packages import Package, purl


def sha(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def test_python_packages_in_both_sys_path_roots(tmp_path: Path) -> None:
    files = {
        **dist_info("requests", "2.31.0", {"requests/__init__.py": "from .api import get\n",
                                           "requests/api.py": "def get(url): ...\n"}),
        **dist_info("typing-extensions", "4.12.2", {"typing_extensions.py": "x = 1\n"},
                    root="python/lib/python3.12/site-packages"),
        "python/legacy_pkg-0.9.egg-info": b"Metadata-Version: 1.0\nName: legacy-pkg\nVersion: 0.9\n",
        "python/old-1.0.egg-info/PKG-INFO": b"Metadata-Version: 1.1\nName: old\nVersion: 1.0\n",
        "python/old-1.0.egg-info/installed-files.txt": b"../old.py\nPKG-INFO\n",
        "python/old.py": b"OLD = True\n",
        # not on Lambda's sys.path: not a package of this layer
        "python/vendor/inner-1.0.dist-info/METADATA": b"Name: inner\nVersion: 1.0\n",
        "lib/python3.12/site-packages/stray-1.0.dist-info/METADATA": b"Name: stray\nVersion: 1.0\n",
    }
    contents = inspect_layer(str(LayerZip(tmp_path / "py.zip").add_all(files).close()))
    meta = files["python/requests-2.31.0.dist-info/METADATA"]
    assert [p for p in contents.packages if p.name == "requests"] == [Package(
        "pypi", "requests", "2.31.0", "python/requests-2.31.0.dist-info",
        hashes=(("SHA-256", sha(meta)),), hashed="python/requests-2.31.0.dist-info/METADATA",
        files=("python/requests-2.31.0.dist-info/METADATA", "python/requests-2.31.0.dist-info/RECORD",
               "python/requests/__init__.py", "python/requests/api.py"),
    )]
    assert [(p.name, p.version, p.path, p.files) for p in contents.packages if p.name != "requests"] == [
        ("legacy-pkg", "0.9", "python/legacy_pkg-0.9.egg-info", ("python/legacy_pkg-0.9.egg-info",)),
        ("old", "1.0", "python/old-1.0.egg-info",
         ("python/old-1.0.egg-info/PKG-INFO", "python/old-1.0.egg-info/installed-files.txt", "python/old.py")),
        ("typing-extensions", "4.12.2", "python/lib/python3.12/site-packages/typing_extensions-4.12.2.dist-info",
         ("python/lib/python3.12/site-packages/typing_extensions-4.12.2.dist-info/METADATA",
          "python/lib/python3.12/site-packages/typing_extensions-4.12.2.dist-info/RECORD",
          "python/lib/python3.12/site-packages/typing_extensions.py")),
    ]


def test_node_packages_scoped_nested_and_versioned_roots(tmp_path: Path) -> None:
    files = {
        **node_package("nodejs/node_modules/express", "express", "4.19.2", {"index.js": "module.exports = 1\n"}),
        **node_package("nodejs/node_modules/express/node_modules/debug", "debug", "2.6.9", {"src/index.js": "//\n"}),
        **node_package("nodejs/node_modules/@aws-sdk/client-s3", "@aws-sdk/client-s3", "3.600.0", {"dist/i.js": ""}),
        **node_package("nodejs/node20/node_modules/debug", "debug", "4.3.5", {"index.js": ""}),
        **node_package("nodejs/node_modules/.pnpm/ms@2.1.3/node_modules/ms", "ms", "2.1.3", {"index.js": ""}),
        # a package.json that is not a package manifest (inside a package, not at its root)
        "nodejs/node_modules/express/lib/package.json": b'{"name": "not-a-package", "version": "0.0.0"}',
        "nodejs/node_modules/broken/package.json": b"{not json",
    }
    contents = inspect_layer(str(LayerZip(tmp_path / "node.zip").add_all(files).close()))
    assert [(p.name, p.version, p.path, len(p.files)) for p in contents.packages] == [
        ("@aws-sdk/client-s3", "3.600.0", "nodejs/node_modules/@aws-sdk/client-s3", 2),
        ("broken", "", "nodejs/node_modules/broken", 1),
        ("debug", "2.6.9", "nodejs/node_modules/express/node_modules/debug", 2),
        ("debug", "4.3.5", "nodejs/node20/node_modules/debug", 2),
        ("express", "4.19.2", "nodejs/node_modules/express", 3),  # its nested debug is not its own file
        ("ms", "2.1.3", "nodejs/node_modules/.pnpm/ms@2.1.3/node_modules/ms", 2),
    ]
    express = next(p for p in contents.packages if p.name == "express")
    assert express.files == ("nodejs/node_modules/express/index.js", "nodejs/node_modules/express/lib/package.json",
                             "nodejs/node_modules/express/package.json")
    assert [purl(p) for p in contents.packages][:3] == [
        "pkg:npm/%40aws-sdk/client-s3@3.600.0", "pkg:npm/broken", "pkg:npm/debug@2.6.9",
    ]


def test_java_jars_with_and_without_maven_coordinates(tmp_path: Path) -> None:
    jackson = maven_jar("com.fasterxml.jackson.core", "jackson-core", "2.17.1")
    shaded = jar({
        "META-INF/maven/com.example/app-shaded/pom.properties": "groupId=com.example\nartifactId=app-shaded\n"
                                                                 "version=1.4.0\n",
        "META-INF/maven/org.slf4j/slf4j-api/pom.properties": "groupId=org.slf4j\nartifactId=slf4j-api\n"
                                                             "version=2.0.13\n",
    })
    plain = jar({"com/example/Util.class": "\xca\xfe"})
    layer = (LayerZip(tmp_path / "java.zip")
             .add("java/lib/jackson-core-2.17.1.jar", jackson)
             .add("java/lib/app-shaded-1.4.0.jar", shaded)
             .add("java/lib/handmade-util-0.3.jar", plain)
             .add("java/lib/not-a-jar.jar", b"oops")
             .add("java/ext/elsewhere-1.0.jar", jackson)  # not on Lambda's classpath
             .close())
    contents = inspect_layer(str(layer))
    assert [(p.group, p.name, p.version, p.path, purl(p)) for p in contents.packages] == [
        ("", "handmade-util", "0.3", "java/lib/handmade-util-0.3.jar", None),
        ("", "not-a-jar", "", "java/lib/not-a-jar.jar", None),
        ("com.example", "app-shaded", "1.4.0", "java/lib/app-shaded-1.4.0.jar",
         "pkg:maven/com.example/app-shaded@1.4.0"),
        ("com.fasterxml.jackson.core", "jackson-core", "2.17.1", "java/lib/jackson-core-2.17.1.jar",
         "pkg:maven/com.fasterxml.jackson.core/jackson-core@2.17.1"),
    ]
    jackson_pkg = contents.packages[3]
    assert jackson_pkg.hashes == (("SHA-256", sha(jackson)), ("SHA-1", hashlib.sha1(jackson).hexdigest()))
    assert jackson_pkg.files == ("java/lib/jackson-core-2.17.1.jar",)


def test_python_purls_are_normalized(tmp_path: Path) -> None:
    pkg = Package("pypi", "Typing_Extensions", "4.12.2", "python/x.dist-info")
    assert purl(pkg) == "pkg:pypi/typing-extensions@4.12.2"
    assert pkg.key == Package("pypi", "typing.extensions", "1", "p").key


@pytest.mark.parametrize(("older", "newer"), [
    ("1.0", "1.0.1"),
    ("1.9", "1.10"),
    ("1.0rc1", "1.0"),
    ("1.0a1", "1.0b1"),
    ("1.0.dev0", "1.0a1"),
    ("2.0.0-alpha", "2.0.0-alpha.1"),
    ("2.0.0-beta.2", "2.0.0"),
    ("1.0", "1.0.post1"),
    ("3.600.0", "3.601.0"),
    ("2.17.1", "2.17.1.1"),
])
def test_version_order(older: str, newer: str) -> None:
    assert compare_versions(older, newer) == -1
    assert compare_versions(newer, older) == 1


@pytest.mark.parametrize(("a", "b"), [("1.0", "1.0"), ("01.2", "1.2"), ("1.0a1", "1.0alpha1"), ("1.0+local", "1.0")])
def test_version_equal(a: str, b: str) -> None:
    assert compare_versions(a, b) == 0


def test_a_jar_declaring_too_many_entries_is_not_listed(tmp_path: Path) -> None:
    import struct

    data = bytearray(maven_jar("org.example", "huge", "1.0"))
    end = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, end + 8, 60_000, 60_000)  # the end record claims 60,000 entries
    contents = inspect_layer(str(LayerZip(tmp_path / "java.zip").add("java/lib/huge-1.0.jar", bytes(data)).close()))
    assert [(p.group, p.name, p.version) for p in contents.packages] == [("", "huge", "1.0")]
