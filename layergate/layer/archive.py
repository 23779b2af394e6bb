"""Reading a layer (a .zip or a directory laid out as one) safely, without extracting anything to disk.

Before any content is read, the whole listing is checked against ``Limits``: the total uncompressed
size (Lambda's 250 MB unzipped limit), the number of entries, and the compression ratio of each entry
(zip bombs). A layer over a limit is refused as a whole: its declared sizes cannot be trusted, so no
partial content is offered as if it were the layer.

Entries with an absolute path or a ``..`` component (zip slip), symlinks, duplicate names, special
files and entries that cannot be decrypted or decompressed are reported as ``Problem``s. Nothing is ever
followed: a symlink's content is its target text, a traversal entry is read like any other member (in
memory) and listed under its raw name.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Generator, Iterator
from typing import IO

from layergate.errors import InputError
from layergate.layer.limits import DEFAULT_LIMITS, Limits
from layergate.layer.zipread import Corrupt, RawZip
from layergate.records import dataclass

CHUNK = 4 << 20  # members are read in pieces of this size, so memory stays bounded


@dataclass(frozen=True, slots=True)
class Member:
    path: str  # the name as stored ('/'-separated), relative to the layer root (/opt)
    size: int
    mode: int | None  # permission bits, when the archive records them
    symlink: bool = False
    ref: object = None  # the ZipInfo, or the absolute file path of a directory entry


@dataclass(frozen=True, slots=True)
class Problem:
    """Something hostile or unreadable in the layer. ``kind`` is stable (it is in the JSON output)."""

    kind: str
    path: str
    message: str


# Kinds that make the whole layer unreadable (the listing itself cannot be trusted).
REFUSING = frozenset({"too-large", "too-many-files", "compression-ratio"})
# Kinds that leave some content unread (the inspection is incomplete).
UNREAD = REFUSING | {"encrypted", "unreadable"}

_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_name(name: str) -> str | None:
    """Why an entry name would escape the extraction directory (zip slip), or None when it is safe."""
    if "\x00" in name:
        return "contains a NUL byte"
    if name.startswith(("/", "\\")) or (name[1:2] == ":" and _DRIVE.match(name)):
        return "is an absolute path"
    if ".." in name and ".." in name.replace("\\", "/").split("/"):
        return "contains '..'"
    return None


class Layer:
    """An opened layer: ``members`` (files and symlinks), ``problems``, and ``chunks()`` to read one."""

    def __init__(self, label: str, members: list[Member], problems: list[Problem], zf: zipfile.ZipFile | None):
        self.label = label
        self.members = members
        self.problems = problems
        self._zip = zf
        self._zip_pid = os.getpid()
        self._raw = RawZip(label) if zf is not None else None  # pread: safe in any thread or process
        self.refused = any(p.kind in REFUSING for p in problems)

    def __enter__(self) -> Layer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
        if self._raw is not None:
            self._raw.close()

    def read(self, member: Member) -> bytes:
        """The whole content of a member no larger than ``CHUNK`` (symlink: its target text)."""
        if isinstance(member.ref, zipfile.ZipInfo):
            try:
                if self._raw is not None and RawZip.supports(member.ref):
                    return self._raw.read(member.ref)
                # ZipExtFile never returns more than the declared file_size and checks the CRC at the end.
                return self._zipfile().read(member.ref)
            except (Corrupt, zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
                raise InputError(f"member {member.path!r} is corrupt: {exc}", self.label) from None
            except (RuntimeError, NotImplementedError) as exc:
                raise Unreadable.of(member.ref, exc) from None
        return b"".join(self.chunks(member))

    def chunks(self, member: Member, size: int = CHUNK) -> Generator[bytes, None, None]:
        """The member's bytes in pieces of ``size``; a symlink yields its target text. Raises ``Unreadable``."""
        if isinstance(member.ref, zipfile.ZipInfo):
            yield from self._zip_chunks(member.ref, size)
        elif member.symlink:
            yield os.fsencode(os.readlink(str(member.ref)))
        else:
            yield from _file_chunks(str(member.ref), member.path, size)

    def head(self, member: Member, size: int = 4096) -> bytes:
        """The first ``size`` bytes (enough for ELF headers and a shebang line)."""
        pieces = self.chunks(member, size)
        try:
            return next(pieces, b"")
        finally:
            pieces.close()

    def _zipfile(self) -> zipfile.ZipFile:
        """zipfile's own reader, for the methods ``RawZip`` leaves to it. A forked process opens its
        own: the parent's shares its file position with the parent."""
        assert self._zip is not None
        if self._zip_pid != os.getpid():
            self._zip, self._zip_pid = zipfile.ZipFile(self.label), os.getpid()
        return self._zip

    def _zip_chunks(self, info: zipfile.ZipInfo, size: int) -> Iterator[bytes]:
        try:
            if self._raw is not None and RawZip.supports(info):
                yield from self._raw.chunks(info, size)
                return
            with self._zipfile().open(info) as fh:
                while piece := fh.read(size):
                    yield piece
        except (Corrupt, zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
            raise InputError(f"member {info.filename!r} is corrupt: {exc}", self.label) from None
        except (RuntimeError, NotImplementedError) as exc:
            raise Unreadable.of(info, exc) from None


class Unreadable(Exception):
    """A member whose bytes cannot be obtained (encrypted, unsupported compression)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message

    @classmethod
    def of(cls, info: zipfile.ZipInfo, exc: Exception) -> Unreadable:
        if isinstance(exc, RuntimeError) or info.flag_bits & 0x1:
            return cls("encrypted", "encrypted entry: its content cannot be inspected")
        return cls("unreadable", f"compression method {info.compress_type} is not supported: its content cannot "
                   "be inspected")


def _file_chunks(path: str, name: str, size: int) -> Iterator[bytes]:
    try:
        # O_NOFOLLOW: a file swapped for a symlink after the listing is refused, not followed.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror}", path) from None
    with os.fdopen(fd, "rb") as fh:
        while piece := fh.read(size):
            yield piece


def open_layer(path: str, limits: Limits = DEFAULT_LIMITS) -> Layer:
    """Open a layer .zip or directory. Raises ``InputError`` when it is neither or cannot be read."""
    if os.path.isdir(path):
        members, problems = _list_dir(path, limits)
        return Layer(path, members, problems, None)
    declared = declared_entries(path)
    if declared is not None and declared > limits.max_files:
        # Refused before the central directory is parsed: a crafted count costs nothing to declare.
        problem = Problem("too-many-files", "", f"{declared} entries, more than the limit of {limits.max_files} "
                          "(--max-files)")
        return Layer(path, [], [problem], None)
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise InputError("no such file or directory", path) from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        reason = "not a zip archive" if isinstance(exc, zipfile.BadZipFile) else str(exc)
        raise InputError(f"cannot open layer: {reason}", path) from None
    try:
        members, problems = _list_zip(zf, limits)
    except BaseException:
        zf.close()
        raise
    return Layer(path, members, problems, zf)


_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")


def declared_entries(path: str | IO[bytes]) -> int | None:
    """The entry count the end records of a zip (a path or a seekable file) declare, or None when they
    cannot be found (then ``zipfile`` says what is wrong)."""
    try:
        with open(path, "rb") if isinstance(path, str) else contextlib.nullcontext(path) as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            tail_start = max(0, size - (_EOCD.size + 0xFFFF + _ZIP64_LOCATOR.size))
            fh.seek(tail_start)
            tail = fh.read()
            at = tail.rfind(b"PK\x05\x06")
            if at < 0 or at + _EOCD.size > len(tail):
                return None
            total = _EOCD.unpack_from(tail, at)[4]
            if total != 0xFFFF or at < _ZIP64_LOCATOR.size:
                return int(total)
            signature, _, offset, _ = _ZIP64_LOCATOR.unpack_from(tail, at - _ZIP64_LOCATOR.size)
            if signature != b"PK\x06\x07" or offset + _ZIP64_EOCD.size > size:
                return int(total)
            fh.seek(offset)
            record = fh.read(_ZIP64_EOCD.size)
            if len(record) < _ZIP64_EOCD.size or record[:4] != b"PK\x06\x06":
                return int(total)
            return int(_ZIP64_EOCD.unpack(record)[7])
    except OSError:
        return None


def _list_zip(zf: zipfile.ZipFile, limits: Limits) -> tuple[list[Member], list[Problem]]:
    infos = zf.infolist()
    problems: list[Problem] = []
    if len(infos) > limits.max_files:
        problems.append(Problem("too-many-files", "", f"{len(infos)} entries, more than the limit of "
                                f"{limits.max_files} (--max-files)"))
        return [], problems
    members: list[Member] = []
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        if (why := unsafe_name(name)) is not None:
            problems.append(Problem("path-traversal", name, f"entry name {why} (zip slip)"))
        if name in seen:
            problems.append(Problem("duplicate-name", name, "the name appears more than once; "
                                    "extraction keeps only one of them"))
        seen.add(name)
        if info.is_dir():
            continue
        mode = info.external_attr >> 16 if info.create_system == 3 else 0
        if mode and stat.S_ISLNK(mode):
            problems.append(Problem("symlink", name, "symbolic link (not followed)"))
        elif mode and stat.S_IFMT(mode) not in (0, stat.S_IFREG):
            problems.append(Problem("special-file", name, f"special file (mode {stat.filemode(mode)})"))
            continue
        size = info.file_size
        total += size
        if size >= limits.ratio_floor and size > limits.max_ratio * max(info.compress_size, 1):
            ratio = size // max(info.compress_size, 1)
            problems.append(Problem("compression-ratio", name, f"expands {ratio}:1 to {size} bytes, more "
                                    f"than the limit of {limits.max_ratio}:1 (zip bomb; --max-ratio)"))
        members.append(Member(name, size, (mode & 0o7777) if mode else None, bool(mode and stat.S_ISLNK(mode)),
                              info))
    if total > limits.max_bytes:
        problems.append(Problem("too-large", "", f"{total} bytes uncompressed, more than the limit of "
                                f"{limits.max_bytes} (--max-size)"))
    return members, problems


def _list_dir(root: str, limits: Limits) -> tuple[list[Member], list[Problem]]:
    members: list[Member] = []
    problems: list[Problem] = []
    total = 0
    count = 0
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        try:
            entries = sorted(os.scandir(os.path.join(root, rel_dir)), key=lambda e: e.name)
        except OSError as exc:
            raise InputError(f"cannot list {rel_dir or '.'}: {exc.strerror}", root) from None
        for entry in entries:
            count += 1
            if count > limits.max_files:
                problems.append(Problem("too-many-files", "", f"more than the limit of {limits.max_files} "
                                        "entries (--max-files)"))
                return [], problems
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            st = entry.stat(follow_symlinks=False)
            if stat.S_ISDIR(st.st_mode):
                stack.append(rel)
            elif stat.S_ISLNK(st.st_mode):
                problems.append(Problem("symlink", rel, "symbolic link (not followed)"))
                target = os.readlink(entry.path)
                members.append(Member(rel, len(os.fsencode(target)), None, True, entry.path))
            elif stat.S_ISREG(st.st_mode):
                total += st.st_size
                members.append(Member(rel, st.st_size, stat.S_IMODE(st.st_mode), False, entry.path))
            else:
                problems.append(Problem("special-file", rel, f"special file (mode {stat.filemode(st.st_mode)})"))
    members.sort(key=lambda m: m.path)
    problems.sort(key=lambda p: p.path)
    if total > limits.max_bytes:
        problems.append(Problem("too-large", "", f"{total} bytes, more than the limit of {limits.max_bytes} "
                                "(--max-size)"))
    return members, problems
