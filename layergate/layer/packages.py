"""Packages a layer carries, by runtime, from the metadata their installers leave beside them.

- Python: ``*.dist-info/METADATA`` and ``*.egg-info/PKG-INFO`` (or an ``.egg-info`` file) directly under
  ``python/`` or ``python/lib/python3.x/site-packages/`` (the two directories Lambda puts on
  ``sys.path``). A ``RECORD`` (``installed-files.txt`` for eggs) says which files belong to the package.
- Node: every ``package.json`` that sits directly in a package directory under ``nodejs/node_modules/``
  or ``nodejs/nodeNN/node_modules/``, scoped (``@scope/name``) and nested ``node_modules`` included.
- Java: jars directly under ``java/lib/`` (Lambda's classpath), with their Maven coordinates from
  ``META-INF/maven/<group>/<artifact>/pom.properties`` when the jar has one.

``Collector.add`` parses each metadata file as the single reading pass meets it and keeps only the
facts, so no file is held in memory longer than it takes to read it.
"""

from __future__ import annotations

import csv
import io
import json
import posixpath
import re
import zipfile
from collections.abc import Iterable, Mapping

from layergate.layer.archive import declared_entries
from layergate.layer.limits import DEFAULT_LIMITS
from layergate.records import dataclass, replace

_SITE = r"python/(?:lib/python3\.\d+/site-packages/)?"
_PY_META = re.compile(_SITE + r"([^/]+)\.(?:dist-info/METADATA|egg-info/PKG-INFO|egg-info)\Z")
_PY_FILES = re.compile(_SITE + r"[^/]+\.(?:dist-info/RECORD|egg-info/installed-files\.txt)\Z")
_NODE_MANIFEST = re.compile(
    r"nodejs/(?:node\d+/)?node_modules/(?:.*/node_modules/)?(?:@[^/]+/)?[^/@.][^/]*/package\.json\Z"
)
_JAR = re.compile(r"java/lib/[^/]+\.jar\Z")
_POM_PROPERTIES = re.compile(r"META-INF/maven/[^/]+/[^/]+/pom\.properties\Z")
_JAR_NAME = re.compile(r"(.+?)-(\d[^/]*)\.jar\Z")
_MAX_POM_BYTES = 64 << 10


@dataclass(frozen=True, slots=True)
class Package:
    ecosystem: str  # "pypi", "npm", "maven"
    name: str
    version: str  # "" when the metadata does not say
    path: str  # the dist-info/egg-info, the package directory, or the jar
    group: str = ""  # Maven groupId
    hashes: tuple[tuple[str, str], ...] = ()  # (algorithm, hex) of ``hashed``
    hashed: str = ""  # the file the hashes are of: the jar, or the package's metadata file
    files: tuple[str, ...] = ()  # layer paths that belong to the package

    @property
    def key(self) -> tuple[str, str, str]:
        """What identifies "the same package" across two layers, whatever its version."""
        if self.ecosystem == "pypi":
            return (self.ecosystem, "", re.sub(r"[-_.]+", "-", self.name).lower())
        return (self.ecosystem, self.group, self.name)

    def display(self) -> str:
        name = f"{self.group}:{self.name}" if self.group else self.name
        return f"{name} {self.version or '(version unknown)'}"


RUNTIMES = {"pypi": "python", "npm": "node", "maven": "java"}


def purl(pkg: Package) -> str | None:
    """The package URL scanners match on; None for a jar without Maven coordinates (a purl needs them)."""
    from packageurl import PackageURL

    version = pkg.version or None
    if pkg.ecosystem == "pypi":
        return str(PackageURL(type="pypi", name=pkg.name, version=version).to_string())
    if pkg.ecosystem == "npm":
        scope, _, name = pkg.name.rpartition("/")
        return str(PackageURL(type="npm", namespace=scope or None, name=name, version=version).to_string())
    if pkg.group:
        return str(PackageURL(type="maven", namespace=pkg.group, name=pkg.name, version=version).to_string())
    return None


def wants(path: str) -> bool:
    """True for the files ``Collector.add`` needs the bytes of."""
    if path.startswith("python/"):
        return bool(_PY_META.fullmatch(path) or _PY_FILES.fullmatch(path))
    if path.startswith("nodejs/"):
        return path.endswith("/package.json") and bool(_NODE_MANIFEST.fullmatch(path))
    return path.startswith("java/lib/") and bool(_JAR.fullmatch(path))


class Collector:
    def __init__(self) -> None:
        self._found: list[Package] = []
        self._records: dict[str, list[str]] = {}  # metadata directory -> the files it lists

    def add(self, path: str, data: bytes, sha256: str, sha1: str = "") -> None:
        if path.startswith("python/"):
            if _PY_FILES.fullmatch(path):
                self._records[posixpath.dirname(path)] = _listed_files(path, data)
            elif (m := _PY_META.fullmatch(path)) is not None:
                self._found.append(_python(path, m.group(1), data, sha256))
        elif path.startswith("nodejs/"):
            self._found.append(_node(path, data, sha256))
        else:
            hashes = (("SHA-256", sha256),) + ((("SHA-1", sha1),) if sha1 else ())
            self._found.append(_java(path, data, hashes))

    def merge(self, other: Collector) -> None:
        """Take what another collector found (over other members of the same layer)."""
        self._found.extend(other._found)
        self._records.update(other._records)

    def packages(self, paths: Iterable[str]) -> list[Package]:
        """The packages found, each with the layer files that belong to it."""
        present = set(paths)
        node_dirs = {p.path for p in self._found if p.ecosystem == "npm"}
        owned: dict[str, list[str]] = {}
        for path in present:
            owner = _owner(path, node_dirs)
            if owner is not None:
                owned.setdefault(owner, []).append(path)
        result = []
        for pkg in self._found:
            files = owned.get(pkg.path, []) + [f for f in self._records.get(pkg.path, ()) if f in present]
            if pkg.ecosystem == "maven":
                files = [pkg.path]
            result.append(replace(pkg, files=tuple(sorted(set(files)))))
        return sorted(result, key=lambda p: (p.ecosystem, p.key, p.version, p.path))


def _headers(data: bytes) -> Mapping[str, str]:
    """The first value of each header of an email-style metadata file (METADATA, PKG-INFO)."""
    found: dict[str, str] = {}
    for line in data.decode("utf-8", "replace").splitlines():
        if not line.strip():
            break
        key, sep, value = line.partition(":")
        if sep and not line[0].isspace():
            found.setdefault(key.strip().lower(), value.strip())
    return found


def _python(path: str, stem: str, data: bytes, sha256: str) -> Package:
    headers = _headers(data)
    name, _, version = stem.partition("-")  # name-version.dist-info, when METADATA is silent
    meta_dir = path if path.endswith(".egg-info") else posixpath.dirname(path)
    return Package(
        "pypi", headers.get("name") or name, headers.get("version") or version.split("-")[0], meta_dir,
        hashes=(("SHA-256", sha256),), hashed=path,
    )


def _listed_files(path: str, data: bytes) -> list[str]:
    """Layer paths named by a RECORD (relative to site-packages) or installed-files.txt (to the egg-info)."""
    text = data.decode("utf-8", "replace")
    meta_dir = posixpath.dirname(path)
    if path.endswith("/RECORD"):
        base = posixpath.dirname(meta_dir)
        names = [row[0] for row in csv.reader(io.StringIO(text)) if row]
    else:
        base = meta_dir
        names = [line.strip() for line in text.splitlines() if line.strip()]
    return [posixpath.normpath(posixpath.join(base, n)) for n in names if not n.startswith("/")]


def _node(path: str, data: bytes, sha256: str) -> Package:
    pkg_dir = posixpath.dirname(path)
    dir_name = pkg_dir.split("node_modules/")[-1]
    try:
        manifest = json.loads(data)
    except ValueError:
        manifest = None
    if not isinstance(manifest, dict):
        manifest = {}
    name, version = manifest.get("name"), manifest.get("version")
    return Package(
        "npm", name if isinstance(name, str) and name else dir_name,
        version if isinstance(version, str) else "", pkg_dir, hashes=(("SHA-256", sha256),), hashed=path,
    )


def _owner(path: str, node_dirs: set[str]) -> str | None:
    """The metadata directory (Python) or innermost package directory (Node) that ``path`` is in."""
    if not path.startswith(("python/", "nodejs/")):
        return None
    for marker in (".dist-info/", ".egg-info/"):
        at = path.find(marker)
        if at != -1:
            return path[: at + len(marker) - 1]
    if path.endswith(".egg-info"):
        return path
    if not path.startswith("nodejs/"):
        return None
    parts = path.split("/")
    for end in range(len(parts) - 1, 0, -1):
        candidate = "/".join(parts[:end])
        if candidate in node_dirs:
            return candidate
    return None


def _java(path: str, data: bytes, hashes: tuple[tuple[str, str], ...]) -> Package:
    file_name = posixpath.basename(path)
    coordinates = maven_coordinates(file_name, data)
    if coordinates is not None:
        group, artifact, version = coordinates
        return Package("maven", artifact, version, path, group=group, hashes=hashes, hashed=path)
    m = _JAR_NAME.fullmatch(file_name)
    name, version = (m.group(1), m.group(2)) if m else (file_name[:-4], "")
    return Package("maven", name, version, path, hashes=hashes, hashed=path)


def maven_coordinates(file_name: str, data: bytes) -> tuple[str, str, str] | None:
    """(groupId, artifactId, version) from the jar's pom.properties; with several (a shaded jar), the one
    the file is named after. None when the jar has none or is not a readable zip."""
    buffer = io.BytesIO(data)
    declared = declared_entries(buffer)
    if declared is not None and declared > DEFAULT_LIMITS.max_files:
        return None  # a jar declaring millions of entries would cost more to list than it could tell
    try:
        with zipfile.ZipFile(buffer) as jar:
            found = []
            for info in jar.infolist():
                if _POM_PROPERTIES.fullmatch(info.filename) and info.file_size <= _MAX_POM_BYTES:
                    props = _properties(jar.read(info))
                    if all(props.get(k) for k in ("groupId", "artifactId", "version")):
                        found.append((props["groupId"], props["artifactId"], props["version"]))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, NotImplementedError):
        return None
    if len(found) == 1:
        return found[0]
    for group, artifact, version in found:
        if file_name in (f"{artifact}-{version}.jar", f"{artifact}.jar"):
            return group, artifact, version
    return None


def _properties(data: bytes) -> dict[str, str]:
    props: dict[str, str] = {}
    for line in data.decode("latin-1").splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "!")):
            key, _, value = line.partition("=")
            props[key.strip()] = value.strip()
    return props
