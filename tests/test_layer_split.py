"""Reading a layer in two processes gives exactly what one pass gives, and fails the same way."""

from __future__ import annotations

import itertools
import os
import zipfile
from pathlib import Path

import pytest
from layer_builder import LayerZip, patch_declared_size, review_layer, write_review_layer, write_tree

from layergate.errors import InputError
from layergate.layer import split
from layergate.layer.inventory import inspect_layer


@pytest.fixture
def forced(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Split every layer; the list collects the pid of each child forked."""
    if split.usable_cpus() < 2 or not hasattr(os, "fork"):
        pytest.skip("needs two CPUs and fork")
    monkeypatch.setattr(split, "MIN_BYTES", 0)
    children: list[int] = []
    real_fork = os.fork

    def fork() -> int:
        pid = real_fork()
        if pid:
            children.append(pid)
        return pid

    monkeypatch.setattr(split.os, "fork", fork)
    return children


def both(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    monkeypatch.setattr(split, "MIN_BYTES", 0)
    in_two = inspect_layer(str(path))
    monkeypatch.setattr(split, "MIN_BYTES", 1 << 62)
    in_one = inspect_layer(str(path))
    return in_two, in_one


def test_same_result_as_one_pass(tmp_path: Path, forced: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    layer = write_review_layer(tmp_path / "v2.zip", 2)  # packages in both halves, a symlink, an extension
    in_two, in_one = both(layer, monkeypatch)
    assert in_two == in_one
    assert len(forced) == 1


def test_directories_split_too(tmp_path: Path, forced: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    files = review_layer(1)
    root = write_tree(tmp_path / "dir", {n: d for n, (d, _) in files.items()}, {n: m for n, (_, m) in files.items()})
    in_two, in_one = both(root, monkeypatch)
    assert in_two == in_one


def test_runs_of_about_the_same_size() -> None:
    from layergate.layer.archive import Member

    members = [Member(f"m{i}", size, 0o644) for i, size in enumerate([10, 10, 10, 100, 10, 60])]
    assert split.groups(members, 4) == [(0, 4), (4, 5), (5, 6)]  # cut where 50, 100, 150 of 200 are reached
    assert split.groups(members, 1) == [(0, 6)]
    assert split.groups(members[:1], 4) == [(0, 1)]
    runs = split.groups([Member(f"m{i}", 1, None) for i in range(100)], 32)
    assert len(runs) == 32 and runs[0][0] == 0 and runs[-1][1] == 100
    assert all(a[1] == b[0] for a, b in itertools.pairwise(runs))


def test_a_corrupt_member_read_by_either_process_is_the_same_error(tmp_path: Path, forced: list[int]) -> None:
    layer = LayerZip(tmp_path / "ok.zip")
    for i in range(6):
        layer.add(f"python/m{i}.py", f"X = {i}\n" * 500)
    good = layer.close()
    bad = tmp_path / "bad.zip"
    bad.write_bytes(patch_declared_size(good.read_bytes(), "python/m5.py", 10))
    assert zipfile.ZipFile(bad).getinfo("python/m5.py").file_size == 10
    with pytest.raises(InputError) as err:
        inspect_layer(str(bad))
    assert str(err.value) == f"{bad}: member 'python/m5.py' is corrupt: it expands past its declared size of 10 bytes"
    assert len(forced) == 1


def test_unreadable_members_in_the_other_process_are_reported(tmp_path: Path, forced: list[int]) -> None:
    layer = LayerZip(tmp_path / "enc.zip")
    for i in range(4):
        layer.add(f"python/m{i}.py", f"X = {i}\n" * 100)
    path = layer.close()
    data = bytearray(path.read_bytes())
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.rfind(signature)  # python/m3.py, in the second half
        data[at + flag_at] |= 0x1
    path.write_bytes(bytes(data))
    contents = inspect_layer(str(path))
    assert [(p.kind, p.path) for p in contents.problems] == [("encrypted", "python/m3.py")]
    assert not contents.complete
    assert [f.sha256 == "" for f in contents.files] == [False, False, False, True]
