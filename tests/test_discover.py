from __future__ import annotations

import os
from pathlib import Path

import pytest

from layergate.discover import discover, excluded
from layergate.errors import InputError
from layergate.policy import DEFAULT_EXCLUDES

TEMPLATE = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Fn:\n    Type: AWS::Lambda::Function\n"


def test_default_excludes_skip_tool_folders(tmp_path: Path) -> None:
    for folder in ("node_modules/pkg", ".aws-sam/build", "cdk.out", ".serverless", "app"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "template.yaml").write_text(TEMPLATE)
    targets, _ = discover([str(tmp_path)], DEFAULT_EXCLUDES)
    assert [os.path.relpath(t.path, tmp_path) for t in targets] == ["app/template.yaml"]


def test_unrelated_yaml_is_skipped_not_an_error(tmp_path: Path) -> None:
    (tmp_path / "ci.yml").write_text("on: push\njobs: {}\n")
    (tmp_path / "notes.txt").write_text("AWSTemplateFormatVersion")  # not a candidate name
    targets, skipped = discover([str(tmp_path)], DEFAULT_EXCLUDES)
    assert targets == []
    assert [(os.path.basename(s.path), s.reason) for s in skipped] == [
        ("ci.yml", "not a template, configuration or plan")]


def test_symlink_loop_is_one_error(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    os.symlink(tmp_path / "a", tmp_path / "a" / "b" / "back")
    with pytest.raises(InputError) as err:
        discover([str(tmp_path)], DEFAULT_EXCLUDES)
    assert err.value.message == f"directory loop: a symbolic link leads back to {str(tmp_path / 'a')!r}"


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        discover([str(tmp_path / "nope.yaml")], DEFAULT_EXCLUDES)
    assert str(err.value) == f"{tmp_path / 'nope.yaml'}: no such file or directory"


def test_exclude_globs_match_names_and_paths() -> None:
    assert excluded("infra/legacy", ["infra/legacy"])
    assert excluded("./infra/legacy", ["infra/*"])
    assert excluded("a/b/node_modules", ["node_modules"])
    assert not excluded("a/b/templates", ["node_modules"])
