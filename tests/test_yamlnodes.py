from __future__ import annotations

from pathlib import Path

import pytest

from layergate.errors import InputError
from layergate.yamlnodes import get, line_col, load_text, scalar, to_python


def write(tmp_path: Path, text: str | bytes, name: str = "t.yaml") -> str:
    p = tmp_path / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text)
    return str(p)


def error_of(path: str) -> tuple[str, int, int]:
    with pytest.raises(InputError) as err:
        load_text(path)
    return (err.value.message, err.value.line, err.value.column)


def test_positions_are_one_based(tmp_path: Path) -> None:
    root = load_text(write(tmp_path, "a:\n  b: !Ref X\n"))
    b = get(get(root, "a"), "b")
    assert b is not None and b.tag == "!Ref" and line_col(b) == (2, 6)
    assert scalar(b) is None  # tagged scalars are not plain strings


def test_duplicate_key(tmp_path: Path) -> None:
    assert error_of(write(tmp_path, "a: 1\nb:\n  c: 1\n  c: 2\n")) == ("duplicate key 'c'", 4, 3)


def test_unquoted_star_principal(tmp_path: Path) -> None:
    msg, line, col = error_of(write(tmp_path, "Properties:\n  Principal: *\n"))
    assert (msg, line, col) == ("invalid YAML: '*' starts an alias here; quote it (\"*\") to mean the string", 2, 14)


def test_non_utf8(tmp_path: Path) -> None:
    assert error_of(write(tmp_path, b"a: 1\nb: caf\xe9\n")) == ("not UTF-8 text (byte 0xe9)", 2, 7)


def test_deep_nesting_is_refused_without_crashing(tmp_path: Path) -> None:
    msg, line, _ = error_of(write(tmp_path, "a: " + "[" * 100_000 + "]" * 100_000 + "\n"))
    assert msg == "nesting deeper than 200 levels" and line == 1


def test_large_file_is_refused_fast(tmp_path: Path) -> None:
    p = tmp_path / "big.yaml"
    with open(p, "wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    assert error_of(str(p)) == ("file is 50.0 MB, larger than the 16 MB layergate reads", 0, 0)


def test_alias_bomb_is_bounded(tmp_path: Path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    root = load_text(write(tmp_path, "\n".join(lines) + "\n"))  # composing never expands aliases
    bomb = get(root, "i")
    assert bomb is not None
    with pytest.raises(InputError) as err:
        to_python(bomb, path="t.yaml")
    assert err.value.message == "aliases expand to more than 2,000,000 values (a YAML alias bomb?)"


def test_several_documents(tmp_path: Path) -> None:
    assert error_of(write(tmp_path, "a: 1\n---\nb: 2\n")) == (
        "holds several YAML documents ('---'); a template is one document", 3, 1)


def test_invalid_yaml_names_position(tmp_path: Path) -> None:
    assert error_of(write(tmp_path, "a: [1, 2\nb: 3\n")) == (
        "invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence)", 2, 2)
