"""What a layer contains (``LayerContents``), built in one reading pass over its members.

Each member is read once (``layergate.layer.reader``): the same bytes are hashed, scanned for endpoints,
checked for an ELF header or a ``#!`` line, and handed to the package collector when they are package
metadata. The zip's own SHA-256 is computed in a second thread meanwhile (file reads and hashlib release
the GIL for the whole 4 MiB piece, so that one does run beside the rest).
``layergate.layer.survey`` is the light version ``check`` uses: names and first bytes only, no hashing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from layergate.errors import InputError
from layergate.layer import packages
from layergate.layer.archive import CHUNK, Layer, Problem, open_layer
from layergate.layer.binaries import ELF_MAGIC, elf_info
from layergate.layer.endpoints import StreamScan, find_endpoints, should_scan
from layergate.layer.limits import DEFAULT_LIMITS, Limits
from layergate.layer.packages import Package
from layergate.layer.reader import Piece, read_pieces
from layergate.layer.survey import Binary, Extension, extension, is_extension

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
        # The zip's own hash is computed beside the reading (file reads and hashlib release the GIL).
        archive_sha256: list[str | OSError] = []
        worker = threading.Thread(target=_hash_into, args=(path, archive_sha256), name="layergate-zip-hash")
        worker.start()
        try:
            contents = _read_all(layer, source)
        finally:
            worker.join()
        digest = archive_sha256[0]
        if isinstance(digest, OSError):
            raise InputError(f"cannot read the layer: {digest.strerror or digest}", path)
        return dataclasses.replace(contents, archive_sha256=digest)


def _refused(layer: Layer, source: str, archive_sha256: str) -> LayerContents:
    return LayerContents(source, archive_sha256, (), (), (), (), (), tuple(layer.problems), False)


def _read_all(layer: Layer, source: str) -> LayerContents:
    return _collect(read_pieces(layer, layer.members, _wants_sha1), source, list(layer.problems))


def _collect(pieces: Iterator[Piece], source: str, problems: list[Problem]) -> LayerContents:
    files: list[FileEntry] = []
    binaries: list[Binary] = []
    extensions: list[Extension] = []
    endpoints: dict[str, list[str]] = {}
    collector = packages.Collector()
    complete = True
    stream = StreamScan()
    head = b""
    kept: list[bytes] = []
    seen: dict[str, set[str]] = {}
    for piece in pieces:
        member = piece.member
        path = member.path
        if piece.error is not None:
            problems.append(Problem(piece.error.kind, path, piece.error.message))
            files.append(FileEntry(path, member.size, "", member.mode, member.symlink))
            complete = False
            continue
        scan = not member.symlink and should_scan(path)
        keep = not member.symlink and packages.wants(path)
        if piece.first and piece.last:  # the whole member in one piece: the common case, no copies
            head = content = piece.data
            if not scan:
                found = set()
            elif (cached := seen.get(piece.sha256)) is not None:
                found = cached  # the same content again (__init__.py, vendored copies): scanned once
            else:
                found = seen[piece.sha256] = find_endpoints(content)
        else:
            if piece.first:
                stream, head, kept = StreamScan(), piece.data[:_HEAD], []
            if scan:
                stream.feed(piece.data)
            if keep:
                kept.append(piece.data)
            if not piece.last:
                continue
            found = stream.finish() if scan else set()
            content = b"".join(kept)
        sha256 = piece.sha256
        files.append(FileEntry(path, member.size, sha256, member.mode, member.symlink))
        for value in found:
            endpoints.setdefault(value, []).append(path)
        if keep:
            collector.add(path, content, sha256, piece.sha1)
        if not member.symlink and head.startswith(ELF_MAGIC) and (info := elf_info(head)) is not None:
            binaries.append(Binary(path, info, sha256))
        if is_extension(path):
            extensions.append(extension(member, head, sha256))
    found_packages = collector.packages(f.path for f in files)
    return LayerContents(
        source=source,
        archive_sha256="",
        files=tuple(files),
        packages=tuple(found_packages),
        extensions=tuple(extensions),
        binaries=tuple(binaries),
        endpoints=tuple(Endpoint(v, tuple(sorted(set(fs)))) for v, fs in sorted(endpoints.items())),
        problems=tuple(problems),
        complete=complete,
    )


def _wants_sha1(path: str) -> bool:
    """Jars get a SHA-1 too: Maven Central and the scanners built on it look jars up by SHA-1."""
    return path.endswith(".jar") and packages.wants(path)


def _hash_into(path: str, out: list[str | OSError]) -> None:
    try:
        out.append(_file_sha256(path))
    except OSError as exc:
        out.append(exc)


def _file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while piece := fh.read(CHUNK):
            digest.update(piece)
    return digest.hexdigest()
