"""An offline advisory database: the per-ecosystem archives OSV publishes, for air-gapped CI.

``--advisories PATH`` names a zip of OSV JSON records (OSV's ``<ecosystem>/all.zip``), a directory holding
such zips, or a directory of ``.json``/``.yaml`` records (a clone of an advisory database). Nothing is
indexed ahead: each ``find`` reads the archives once, and only records whose ``"name"`` fields name a
package being asked about are parsed (a regular expression over the raw bytes chooses them; a record in
which it finds no name at all is parsed anyway). Withdrawn records are skipped; the matching itself is
``layergate.vulns.osv``.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from collections.abc import Iterator, Sequence
from typing import Any

from layergate.errors import InputError
from layergate.vulns import osv
from layergate.vulns.model import Answer, Query, Record, Unknown
from layergate.vulns.versions import Unorderable

_NAME = re.compile(rb'"name"\s*:\s*"([^"\\]+)"')
_MAX_RECORD_BYTES = 16 << 20
_RECORD_SUFFIXES = (".json", ".yaml", ".yml")


def _loose(name: str) -> str:
    """A folding of names that never separates two a query could mean (a superset of every ecosystem's)."""
    return re.sub(r"[-_.]+", "-", name).lower()


class OfflineDatabase:
    def __init__(self, path: str) -> None:
        if not os.path.exists(path):
            raise InputError("no such file or directory (--advisories)", path)
        if os.path.isfile(path) and not zipfile.is_zipfile(path):
            raise InputError("not a zip of OSV records, nor a directory (--advisories)", path)
        self.path = path
        self.records_read = 0

    @property
    def description(self) -> str:
        return f"offline advisory database {self.path} ({self.records_read:,} records)"

    def find(self, queries: Sequence[Query]) -> dict[Query, Answer]:
        by_package: dict[tuple[str, str], list[Query]] = {}
        for q in queries:
            by_package.setdefault((q.ecosystem, osv.normalize_name(q.ecosystem, q.name)), []).append(q)
        loose = {_loose(name) for _, name in by_package}
        found: dict[Query, list[Record]] = {q: [] for q in queries}
        problems: dict[Query, str] = {}
        count = 0
        for where, data in self._raw_records():
            count += 1
            names = _NAME.findall(data)
            if names and not any(_loose(n.decode("utf-8", "replace")) in loose for n in names):
                continue
            record = _parse(where, data)
            if osv.is_withdrawn(record):
                continue
            for key in dict.fromkeys(osv.packages_of(record)):
                for q in by_package.get(key, ()):
                    try:
                        if any(osv.affects(e, q.ecosystem, q.version)
                               for e in osv.affected_entries(record, q.ecosystem, q.name)):
                            found[q].append(record)
                    except Unorderable as exc:
                        problems.setdefault(q, f"advisory {record.get('id')} has a range bound that cannot be "
                                               f"ordered ({exc})")
        self.records_read = count
        return {q: Unknown(problems[q]) if q in problems else tuple(found[q]) for q in queries}

    def _raw_records(self) -> Iterator[tuple[str, bytes]]:
        if os.path.isfile(self.path):
            yield from _zip_records(self.path)
            return
        for root, dirs, files in os.walk(self.path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                full = os.path.join(root, name)
                if name.endswith(".zip"):
                    yield from _zip_records(full)
                elif name.endswith(_RECORD_SUFFIXES):
                    if os.path.getsize(full) > _MAX_RECORD_BYTES:
                        raise InputError("advisory record over 16 MiB", full)
                    with open(full, "rb") as fh:
                        yield full, fh.read()


def _zip_records(path: str) -> Iterator[tuple[str, bytes]]:
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if info.is_dir() or not info.filename.endswith(_RECORD_SUFFIXES):
                    continue
                if info.file_size > _MAX_RECORD_BYTES:
                    raise InputError(f"{info.filename}: advisory record over 16 MiB", path)
                yield f"{path}:{info.filename}", zf.read(info)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise InputError(f"cannot read the advisory archive: {exc}", path) from None


def _yaml(data: bytes) -> Any:
    """YAML as the OSV schema reads it: timestamps stay strings (``modified: 2023-10-10T14:28:19Z``)."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return yaml.load(data, Loader=Loader)


def _parse(where: str, data: bytes) -> Record:
    value: Any
    try:
        value = json.loads(data) if where.endswith(".json") else _yaml(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"not a valid OSV record: {exc}", where) from None
    except Exception as exc:  # yaml.YAMLError and its kin
        raise InputError(f"not a valid OSV record: {str(exc).splitlines()[0]}", where) from None
    if not isinstance(value, dict) or not isinstance(value.get("id"), str):
        raise InputError("not a valid OSV record (an object with an id)", where)
    return value
