"""The fast reader of OSV archives against zipfile's own: same members, same checks, same refusals."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from layergate.errors import InputError
from layergate.vulns.offline import OfflineDatabase, _zip_records
from layergate.vulns.ziprecords import TooLarge, members

SUFFIXES = (".json",)


def _archive(path: Path, entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def test_deflated_and_stored_members_read_as_zipfile_reads_them(tmp_path: Path) -> None:
    entries = {"A-1.json": b'{"id": "A-1"}' * 50, "notes.txt": b"skip", "dir/B-2.json": b'{"id": "B-2"}',
               "C-3.json": b""}
    for method in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED):
        path = _archive(tmp_path / f"{method}.zip", entries, method)
        assert list(members(str(path), SUFFIXES, 1 << 20)) == [
            ("A-1.json", entries["A-1.json"]), ("dir/B-2.json", entries["dir/B-2.json"]), ("C-3.json", b"")]


def test_zip64_central_directory_of_more_than_65535_members(tmp_path: Path) -> None:
    path = _archive(tmp_path / "big.zip", {f"R-{i}.json": b"{}" for i in range(65_600)}, zipfile.ZIP_STORED)
    found = list(members(str(path), SUFFIXES, 1 << 20))
    assert (len(found), found[0], found[-1]) == (65_600, ("R-0.json", b"{}"), ("R-65599.json", b"{}"))


def test_data_before_the_archive_is_left_to_zipfile(tmp_path: Path) -> None:
    inner = _archive(tmp_path / "inner.zip", {"A-1.json": b'{"id": "A-1"}'}).read_bytes()
    path = tmp_path / "prefixed.zip"
    path.write_bytes(b"#!/bin/sh\n" + inner)
    assert list(members(str(path), SUFFIXES, 1 << 20)) == [("A-1.json", b'{"id": "A-1"}')]


def test_a_corrupt_member_is_one_line_never_a_traceback(tmp_path: Path) -> None:
    path = _archive(tmp_path / "db.zip", {"A-1.json": b'{"id": "A-1", "summary": "x"}'}, zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    at = data.index(b'"summary"')
    data[at] = ord("X")  # the stored bytes no longer match the CRC-32
    path.write_bytes(bytes(data))
    with pytest.raises(InputError) as caught:
        list(_zip_records(str(path)))
    assert str(caught.value) == f"{path}: cannot read the advisory archive: A-1.json: bad CRC-32 or size"


def test_a_member_over_the_limit_is_refused_before_it_is_inflated(tmp_path: Path) -> None:
    path = _archive(tmp_path / "bomb.zip", {"A-1.json": b" " * 5000})
    with pytest.raises(TooLarge):
        list(members(str(path), SUFFIXES, 4096))
    # Through the database: the whole run stops with one line naming the archive and the record.
    import layergate.vulns.offline as offline

    limit = offline._MAX_RECORD_BYTES
    offline._MAX_RECORD_BYTES = 4096
    try:
        with pytest.raises(InputError) as caught:
            OfflineDatabase(str(path)).find([])
    finally:
        offline._MAX_RECORD_BYTES = limit
    assert str(caught.value) == f"{path}: A-1.json: advisory record over 16 MiB"
