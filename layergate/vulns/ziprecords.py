"""The members of an OSV archive (``<ecosystem>/all.zip``), read fast: hundreds of thousands of small records.

``zipfile`` builds a ``ZipInfo`` and opens a file object per member, which is most of the time an offline
match takes. Here the archive is mapped, the central directory walked with ``struct`` (zip64 included),
and each plain member (stored or deflated, not encrypted) inflated straight from the mapping, its size and
CRC-32 checked. Anything else (another compression, data before the archive, several disks) goes to
``zipfile``, which reads it or says what is wrong.
"""

from __future__ import annotations

import mmap
import struct
import zipfile
import zlib
from collections.abc import Iterator

_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_LOCAL_NAMES = struct.Struct("<HH")  # name and extra lengths, at offset 26 of a local header
_FULL = 0xFFFFFFFF


class Unusual(Exception):
    """Something this reader leaves to ``zipfile``."""


class TooLarge(Exception):
    """A member over the size limit: ``str()`` is its name."""


def members(path: str, wanted: tuple[str, ...], max_size: int) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of every member whose name ends with one of ``wanted``, in archive order. A member that
    declares more than ``max_size`` bytes raises ``TooLarge`` before it is read, and none is inflated past
    the size it declares (a crafted member cannot fill the memory)."""
    with open(path, "rb") as fh:
        try:
            data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):
            yield from _with_zipfile(path, wanted, max_size)
            return
        with data:
            try:
                entries = list(_central(data))
            except Unusual:
                yield from _with_zipfile(path, wanted, max_size)
                return
            for name, method, flags, crc, packed, size, offset in entries:
                if not name.endswith(wanted):
                    continue
                if size > max_size:
                    raise TooLarge(name)
                if method not in (0, 8) or flags & 0x1 or data[offset:offset + 4] != b"PK\x03\x04":
                    raise zipfile.BadZipFile(f"{name}: not a stored or deflated member at its offset")
                name_len, extra_len = _LOCAL_NAMES.unpack_from(data, offset + 26)
                begin = offset + 30 + name_len + extra_len
                raw = data[begin:begin + packed]
                out = zlib.decompressobj(-15).decompress(raw, size + 1) if method == 8 else raw
                if len(out) != size or zlib.crc32(out) != crc:
                    raise zipfile.BadZipFile(f"{name}: bad CRC-32 or size")
                yield name, out


def _central(data: mmap.mmap) -> Iterator[tuple[str, int, int, int, int, int, int]]:
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - (_EOCD.size + 0xFFFF)))
    if at < 0:
        raise Unusual
    _, disk, cd_disk, _, total, cd_size, cd_offset, _ = _EOCD.unpack_from(data, at)
    if (total == 0xFFFF or cd_size == _FULL or cd_offset == _FULL) and at >= _ZIP64_LOCATOR.size:
        signature, _, eocd64, _ = _ZIP64_LOCATOR.unpack_from(data, at - _ZIP64_LOCATOR.size)
        if signature != b"PK\x06\x07" or eocd64 + _ZIP64_EOCD.size > len(data):
            raise Unusual
        fields = _ZIP64_EOCD.unpack_from(data, eocd64)
        if fields[0] != b"PK\x06\x06":
            raise Unusual
        disk, cd_disk, total, cd_size, cd_offset = fields[4], fields[5], fields[7], fields[8], fields[9]
    if disk or cd_disk or cd_offset + cd_size > at:
        raise Unusual  # several disks, or data before the archive: zipfile knows how to read those
    pos = cd_offset
    for _ in range(total):
        (signature, _, _, _, _, flags, method, _, _, crc, packed, size, name_len, extra_len, comment_len, _, _, _,
         offset) = _CENTRAL.unpack_from(data, pos)
        if signature != b"PK\x01\x02":
            raise Unusual
        start = pos + _CENTRAL.size
        raw_name = data[start:start + name_len]
        name = raw_name.decode("utf-8" if flags & 0x800 else "cp437")
        if size == _FULL or packed == _FULL or offset == _FULL:
            size, packed, offset = _zip64_sizes(data[start + name_len:start + name_len + extra_len], size, packed,
                                                offset)
        yield name, method, flags, crc, packed, size, offset
        pos = start + name_len + extra_len + comment_len


def _zip64_sizes(extra: bytes, size: int, packed: int, offset: int) -> tuple[int, int, int]:
    i = 0
    while i + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, i)
        if tag == 1:
            values = list(struct.unpack_from(f"<{length // 8}Q", extra, i + 4))
            if size == _FULL:
                size = values.pop(0)
            if packed == _FULL:
                packed = values.pop(0)
            if offset == _FULL:
                offset = values.pop(0)
            return size, packed, offset
        i += 4 + length
    raise Unusual


def _with_zipfile(path: str, wanted: tuple[str, ...], max_size: int) -> Iterator[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if not info.is_dir() and info.filename.endswith(wanted):
                if info.file_size > max_size:
                    raise TooLarge(info.filename)
                yield info.filename, zf.read(info)
