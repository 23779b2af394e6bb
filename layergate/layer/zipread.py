"""Reading stored and deflated zip members directly, with the checks zipfile makes and a hard output cap.

zipfile's ``ZipExtFile`` spends tens of microseconds of Python on every member, which on a layer of
20,000 small files costs as much as inflating them. Layers use two methods, stored and deflate; for
those (unencrypted) this module reads the member with ``os.pread`` (no shared file position, so any
thread may read) and inflates it with zlib in one call. It checks what zipfile checks: the local
header's signature and name, that the data lies inside the archive, the size and the CRC-32. The
output is capped at one byte past the declared size, so a member can never expand further than it
says. Other methods and encrypted members go through zipfile (``supports`` says which).
"""

from __future__ import annotations

import os
import struct
import zipfile
import zlib
from collections.abc import Iterator

_LOCAL = struct.Struct("<4s2B4HL2L2H")  # zipfile's structFileHeader
_LOCAL_SIGNATURE = b"PK\x03\x04"
_ONE_CALL = 16 << 10  # compressed members up to this size are inflated in one zlib call
_EXTRA_GUESS = 64  # bytes of extra field read ahead (timestamps and Unix ids take 9 to 28)


class Corrupt(Exception):
    """The member is damaged or lies about itself; ``str()`` says how."""


class RawZip:
    def __init__(self, path: str) -> None:
        self._fd = os.open(path, os.O_RDONLY)
        self._size = os.fstat(self._fd).st_size

    def close(self) -> None:
        os.close(self._fd)

    @staticmethod
    def supports(info: zipfile.ZipInfo) -> bool:
        return info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) and not info.flag_bits & 0x1

    def read(self, info: zipfile.ZipInfo) -> bytes:
        """The whole member, checked. One read covers the local header and the data when the header's
        extra field is of the usual size."""
        ahead = _LOCAL.size + len(info.orig_filename) * 4 + _EXTRA_GUESS + info.compress_size
        start, data = self._data_start(info, ahead)
        if data is None:
            data = self._pread(info.compress_size, start)
        if info.compress_type == zipfile.ZIP_STORED:
            out = data
            if len(out) != info.file_size:
                raise Corrupt(f"it is stored with {len(out)} bytes but declares {info.file_size}")
        elif info.compress_size <= _ONE_CALL:
            # Deflate expands at most 1032:1, so this cannot exceed ~17 MB whatever the member claims;
            # one call with the output sized up front saves a copy. zlib raises on a truncated stream.
            out = zlib.decompress(data, -15, info.file_size + 1)
            _check_end(info, len(out), True)
        else:
            inflater = zlib.decompressobj(-15)
            out = inflater.decompress(data, info.file_size + 1)  # never more than one byte past the claim
            _check_end(info, len(out), inflater.eof)
        if zlib.crc32(out) != info.CRC:
            raise Corrupt("its CRC-32 does not match its content")
        return out

    def chunks(self, info: zipfile.ZipInfo, size: int) -> Iterator[bytes]:
        """The member in pieces of at most ``size`` bytes; the CRC-32 is checked after the last one."""
        start, _ = self._data_start(info)
        crc = 0
        total = 0
        if info.compress_type == zipfile.ZIP_STORED:
            if info.compress_size != info.file_size:
                raise Corrupt(f"it is stored with {info.compress_size} bytes but declares {info.file_size}")
            for offset in range(0, info.file_size, size):
                piece = self._pread(min(size, info.file_size - offset), start + offset)
                crc = zlib.crc32(piece, crc)
                yield piece
        else:
            inflater = zlib.decompressobj(-15)
            offset = 0
            pending = b""
            while True:
                if not pending and offset < info.compress_size:
                    step = min(size, info.compress_size - offset)
                    pending = self._pread(step, start + offset)
                    offset += step
                before = len(pending)
                piece = inflater.decompress(pending, size)
                pending = inflater.unconsumed_tail
                if not piece and pending and len(pending) == before:
                    raise Corrupt("its compressed data makes no progress")
                total += len(piece)
                if total > info.file_size:
                    raise Corrupt(f"it expands past its declared size of {info.file_size} bytes")
                if piece:
                    crc = zlib.crc32(piece, crc)
                    yield piece
                if inflater.eof or (not piece and not pending and offset >= info.compress_size):
                    break
            _check_end(info, total, inflater.eof)
        if crc != info.CRC:
            raise Corrupt("its CRC-32 does not match its content")

    def _data_start(self, info: zipfile.ZipInfo, ahead: int = 0) -> tuple[int, bytes | None]:
        """Where the member's data starts, after checking its local header; with ``ahead``, the bytes
        read from the header on, when they hold the whole data (else None)."""
        offset = info.header_offset
        if not 0 <= offset <= self._size - _LOCAL.size:
            raise Corrupt("its local header is missing or damaged")
        block = self._pread(max(ahead, _LOCAL.size + 1024), offset)
        if len(block) < _LOCAL.size or block[:4] != _LOCAL_SIGNATURE:
            raise Corrupt("its local header is missing or damaged")
        fields = _LOCAL.unpack_from(block)
        name_length, extra_length = int(fields[-2]), int(fields[-1])
        raw_name = block[_LOCAL.size:_LOCAL.size + name_length]
        if len(raw_name) < name_length:
            raw_name = self._pread(name_length, offset + _LOCAL.size)
        if raw_name.isascii():  # the common case, and much cheaper than a cp437 decode
            name = raw_name.decode("ascii")
        else:
            name = raw_name.decode("utf-8" if info.flag_bits & 0x800 else "cp437", "replace")
        if name != info.orig_filename:
            raise Corrupt(f"its local header names it {name!r}: an archive that reads differently in different tools")
        skip = _LOCAL.size + name_length + extra_length
        if offset + skip + info.compress_size > self._size:
            raise Corrupt("its data runs past the end of the archive")
        if ahead and skip + info.compress_size <= len(block):
            return offset + skip, block[skip:skip + info.compress_size]
        return offset + skip, None

    def _pread(self, length: int, offset: int) -> bytes:
        data = os.pread(self._fd, length, offset)
        while len(data) < length:  # a regular file returns short reads only at its end
            more = os.pread(self._fd, length - len(data), offset + len(data))
            if not more:
                break
            data += more
        return data


def _check_end(info: zipfile.ZipInfo, produced: int, finished: bool) -> None:
    if produced > info.file_size:
        raise Corrupt(f"it expands past its declared size of {info.file_size} bytes")
    if produced < info.file_size or not finished:
        raise Corrupt(f"its data ends before its declared size of {info.file_size} bytes")
