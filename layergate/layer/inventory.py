"""What a layer contains (``LayerContents``), built in one reading pass over its members.

Each member is read once (``layergate.layer.reader``): the same bytes are hashed, scanned for endpoints,
checked for an ELF header or a ``#!`` line, and handed to the package collector when they are package
metadata. The zip's own SHA-256 is computed in a second thread meanwhile (file reads and hashlib release
the GIL for the whole 4 MiB piece, so that one does run beside the rest).
``layergate.layer.survey`` is the light version ``check`` uses: names and first bytes only, no hashing.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence

from layergate import records
from layergate.errors import InputError
from layergate.layer import packages, split
from layergate.layer.archive import CHUNK, Layer, Member, Problem, open_layer
from layergate.layer.binaries import ELF_MAGIC, elf_info
from layergate.layer.endpoints import StreamScan, find_endpoints, should_scan
from layergate.layer.limits import DEFAULT_LIMITS, Limits
from layergate.layer.packages import Package
from layergate.layer.reader import read_pieces
from layergate.layer.survey import Binary, Extension, extension, is_extension
from layergate.records import dataclass, field

_HEAD = 64 << 10  # bytes of a file's start kept for ELF program headers and the #! line


@dataclass(frozen=True, slots=True)
class FileEntry:
    path: str
    size: int
    sha256: str  # "" when the content could not be read (see problems)
    mode: int | None  # permission bits, when recorded
    symlink: bool = False  # then the hash and size are of the link target text


@dataclass(frozen=True, slots=True)
class Endpoint:
    value: str  # a URL or a host name
    files: tuple[str, ...]

    @property
    def kind(self) -> str:
        return "url" if "://" in self.value else "host"


@dataclass(frozen=True, slots=True)
class LayerContents:
    source: str  # the path or ARN the user gave
    archive_sha256: str  # SHA-256 of the .zip itself ("" for a directory): what AWS calls CodeSha256
    files: tuple[FileEntry, ...]
    packages: tuple[Package, ...]
    extensions: tuple[Extension, ...]
    binaries: tuple[Binary, ...]
    endpoints: tuple[Endpoint, ...]
    problems: tuple[Problem, ...]
    complete: bool  # False when a limit or an unreadable member left content unread

    @property
    def total_size(self) -> int:
        return sum(f.size for f in self.files)


def inspect_layer(path: str, limits: Limits = DEFAULT_LIMITS, source: str | None = None) -> LayerContents:
    """Read every member of the layer at ``path`` (a .zip or a directory). Raises ``InputError``."""
    source = source or path
    with open_layer(path, limits) as layer:
        if os.path.isdir(path):
            return _read_all(layer, source) if not layer.refused else _refused(layer, source, "")
        if layer.refused:
            return _refused(layer, source, _file_sha256(path))
        members = layer.members
        if split.worth_splitting(members):
            parts, digest = split.shared(layer, members, _scan, then=lambda: _file_sha256(path))
            return records.replace(_finish(source, list(layer.problems), parts), archive_sha256=digest)
        # The zip's own hash is computed beside the reading (file reads and hashlib release the GIL).
        hashed: list[str | InputError] = []
        worker = threading.Thread(target=_hash_into, args=(path, hashed), name="layergate-zip-hash")
        worker.start()
        try:
            contents = _finish(source, list(layer.problems), [_scan(layer, members)])
        finally:
            worker.join()
        if isinstance(hashed[0], InputError):
            raise hashed[0]
        return records.replace(contents, archive_sha256=hashed[0])


def _refused(layer: Layer, source: str, archive_sha256: str) -> LayerContents:
    return LayerContents(source, archive_sha256, (), (), (), (), (), tuple(layer.problems), False)


def _read_all(layer: Layer, source: str) -> LayerContents:
    """A directory: no zip hash to compute, so the split needs nothing beside it."""
    members = layer.members
    if split.worth_splitting(members):
        parts, _ = split.shared(layer, members, _scan, then=lambda: None)
    else:
        parts = [_scan(layer, members)]
    return _finish(source, list(layer.problems), parts)


@dataclass(slots=True)
class _Found:
    """What reading some of the members found (one per process when the layer is read in two)."""

    files: list[FileEntry] = field(default_factory=list)
    binaries: list[Binary] = field(default_factory=list)
    extensions: list[Extension] = field(default_factory=list)
    endpoints: dict[str, list[str]] = field(default_factory=dict)
    collector: packages.Collector = field(default_factory=packages.Collector)
    problems: list[Problem] = field(default_factory=list)
    complete: bool = True


def _scan(layer: Layer, members: Sequence[Member]) -> _Found:
    found = _Found()
    files, endpoints = found.files, found.endpoints
    stream = StreamScan()
    head = b""
    kept: list[bytes] = []
    seen: dict[str, set[str]] = {}
    for piece in read_pieces(layer, members, _wants_sha1):
        member = piece.member
        path = member.path
        if piece.error is not None:
            found.problems.append(Problem(piece.error.kind, path, piece.error.message))
            files.append(FileEntry(path, member.size, "", member.mode, member.symlink))
            found.complete = False
            continue
        scan = not member.symlink and should_scan(path)
        keep = not member.symlink and packages.wants(path)
        if piece.first and piece.last:  # the whole member in one piece: the common case, no copies
            head = content = piece.data
            if not scan:
                values: set[str] = set()
            elif (cached := seen.get(piece.sha256)) is not None:
                values = cached  # the same content again (__init__.py, vendored copies): scanned once
            else:
                values = seen[piece.sha256] = find_endpoints(content)
        else:
            if piece.first:
                stream, head, kept = StreamScan(), piece.data[:_HEAD], []
            if scan:
                stream.feed(piece.data)
            if keep:
                kept.append(piece.data)
            if not piece.last:
                continue
            values = stream.finish() if scan else set()
            content = b"".join(kept)
        sha256 = piece.sha256
        files.append(FileEntry(path, member.size, sha256, member.mode, member.symlink))
        for value in values:
            endpoints.setdefault(value, []).append(path)
        if keep:
            found.collector.add(path, content, sha256, piece.sha1)
        if not member.symlink and head.startswith(ELF_MAGIC) and (info := elf_info(head)) is not None:
            found.binaries.append(Binary(path, info, sha256))
        if is_extension(path):
            found.extensions.append(extension(member, head, sha256))
    return found


def _finish(source: str, problems: list[Problem], parts: Sequence[_Found]) -> LayerContents:
    """The parts, in member order, as one record."""
    files = [f for part in parts for f in part.files]
    endpoints: dict[str, list[str]] = {}
    collector = packages.Collector()
    for part in parts:
        problems.extend(part.problems)
        collector.merge(part.collector)
        for value, paths in part.endpoints.items():
            endpoints.setdefault(value, []).extend(paths)
    return LayerContents(
        source=source,
        archive_sha256="",
        files=tuple(files),
        packages=tuple(collector.packages(f.path for f in files)),
        extensions=tuple(e for part in parts for e in part.extensions),
        binaries=tuple(b for part in parts for b in part.binaries),
        endpoints=tuple(Endpoint(v, tuple(sorted(set(fs)))) for v, fs in sorted(endpoints.items())),
        problems=tuple(problems),
        complete=all(part.complete for part in parts),
    )


def _wants_sha1(path: str) -> bool:
    """Jars get a SHA-1 too: Maven Central and the scanners built on it look jars up by SHA-1."""
    return path.endswith(".jar") and packages.wants(path)


def _hash_into(path: str, out: list[str | InputError]) -> None:
    try:
        out.append(_file_sha256(path))
    except InputError as exc:
        out.append(exc)


def _file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while piece := fh.read(CHUNK):
                digest.update(piece)
    except OSError as exc:
        raise InputError(f"cannot read the layer: {exc.strerror or exc}", path) from None
    return digest.hexdigest()
