"""The direct member reader: the same bytes as zipfile for good archives, a clear refusal for bad ones."""

from __future__ import annotations

import os
import random
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from layer_builder import LayerZip

from layergate.layer.zipread import Corrupt, RawZip


def sample(tmp_path: Path) -> Path:
    rng = random.Random(3)
    layer = LayerZip(tmp_path / "sample.zip")
    layer.add("python/empty.py", b"")
    layer.add("python/text.py", b"print('hello')\n" * 500)
    layer.add("python/stored.bin", os.urandom(3000), method=zipfile.ZIP_STORED)
    layer.add("python/big.txt", b"".join(b"line %d\n" % rng.randrange(10**6) for _ in range(400_000)))
    layer.add("python/big-stored.bin", os.urandom(300_000), method=zipfile.ZIP_STORED)
    layer.add("python/\u00e9t\u00e9.py", b"x = 1\n")  # a UTF-8 name (flag 0x800)
    big_extra = zipfile.ZipInfo("python/extra.py", (2024, 1, 1, 0, 0, 0))
    big_extra.extra = struct.pack("<HH", 0xCAFE, 300) + bytes(300)  # larger than what is read ahead
    big_extra.compress_type = zipfile.ZIP_DEFLATED
    layer.zf.writestr(big_extra, b"EXTRA = True\n" * 50)
    return layer.close()


def test_reads_what_zipfile_reads(tmp_path: Path) -> None:
    path = sample(tmp_path)
    raw = RawZip(str(path))
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            expected = zf.read(info)
            assert raw.read(info) == expected, info.filename
            for size in (7, 4096, 65536, 1 << 22):
                if size < 4096 and info.file_size > 10_000:
                    continue
                assert b"".join(raw.chunks(info, size)) == expected, (info.filename, size)
                assert all(len(p) <= size for p in raw.chunks(info, size))
    raw.close()


def corrupt(tmp_path: Path, change: str) -> tuple[Path, zipfile.ZipInfo]:
    path = LayerZip(tmp_path / "c.zip").add("python/a.py", b"A = 'x'\n" * 100).close()
    data = bytearray(path.read_bytes())
    info = zipfile.ZipFile(path).infolist()[0]
    start = 30 + len(info.filename)
    if change == "name":
        data[30:30 + len(info.filename)] = b"python/b.py"
    elif change == "signature":
        data[0:4] = b"PK\x05\x05"
    elif change == "content":
        data[start + 5] ^= 0xFF
    elif change == "size":
        struct.pack_into("<L", data, data.rfind(b"PK\x01\x02") + 24, 10)  # the central directory says 10 bytes
    path.write_bytes(bytes(data))
    return path, zipfile.ZipFile(path).infolist()[0]


@pytest.mark.parametrize(("change", "message"), [
    ("name", "its local header names it 'python/b.py': an archive that reads differently in different tools"),
    ("signature", "its local header is missing or damaged"),
    ("size", "it expands past its declared size of 10 bytes"),
])
def test_refusals(tmp_path: Path, change: str, message: str) -> None:
    path, info = corrupt(tmp_path, change)
    raw = RawZip(str(path))
    for read in (lambda: raw.read(info), lambda: b"".join(raw.chunks(info, 64))):
        with pytest.raises(Corrupt) as err:
            read()
        assert str(err.value) == message
    raw.close()


def test_damaged_content_never_passes(tmp_path: Path) -> None:
    path, info = corrupt(tmp_path, "content")
    raw = RawZip(str(path))
    with pytest.raises((Corrupt, zlib.error)):
        raw.read(info)
    with pytest.raises((Corrupt, zlib.error)):
        b"".join(raw.chunks(info, 16))
    raw.close()


def test_data_past_the_end_of_the_archive(tmp_path: Path) -> None:
    path = LayerZip(tmp_path / "t.zip").add("python/a.py", b"x" * 100, method=zipfile.ZIP_STORED).close()
    info = zipfile.ZipFile(path).infolist()[0]
    info.compress_size = info.file_size = 10**9  # what a crafted central directory would claim
    raw = RawZip(str(path))
    with pytest.raises(Corrupt, match="its data runs past the end of the archive"):
        raw.read(info)
    raw.close()


def test_which_members_it_reads(tmp_path: Path) -> None:
    path = (LayerZip(tmp_path / "m.zip")
            .add("a", b"x", method=zipfile.ZIP_STORED)
            .add("b", b"x", method=zipfile.ZIP_DEFLATED)
            .add("c", b"x", method=zipfile.ZIP_BZIP2)
            .add("d", b"x", method=zipfile.ZIP_LZMA)
            .close())
    assert [RawZip.supports(i) for i in zipfile.ZipFile(path).infolist()] == [True, True, False, False]
