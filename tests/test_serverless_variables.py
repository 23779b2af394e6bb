"""Serverless variable resolution: every source, fallbacks, nesting, files, cycles and bounds."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from layergate.errors import InputError
from layergate.model import ResolutionKind
from layergate.sources import ParseOptions
from layergate.sources.sls_files import FileCache, FileLoader
from layergate.sources.sls_tree import Budget, Item, Unresolved, Use, check_size, from_node
from layergate.sources.sls_variables import Pass, Resolver
from layergate.yamlnodes import load_text

DYNAMIC, UNKNOWN = ResolutionKind.DYNAMIC, ResolutionKind.UNKNOWN


def resolver(tmp_path: Path, text: str, run: Pass | None = None, budget: int = 500_000, **options: Any) -> Resolver:
    path = tmp_path / "serverless.yml"
    path.write_text(text)
    opts = ParseOptions(root=str(tmp_path), **options)
    node = load_text(str(path))
    assert node is not None
    spend = Budget(str(path), budget)
    check_size(node, str(path), spend)
    files = FileLoader(str(path), opts.root, spend, FileCache())
    return Resolver(from_node(node, str(path), spend), str(path), opts, run or Pass(), spend, files)


def value(r: Resolver, dotted: str) -> Item:
    item = r.get(dotted.split("."), deep=True)
    assert item is not None
    return item


def plain(item: Item) -> Any:
    v = item.value
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


BASE = """\
service: svc
provider:
  name: aws
  stage: ${opt:stage, 'dev'}
  region: eu-west-1
params:
  default:
    ver: 3
  prod:
    ver: 9
custom:
"""


def test_self_references_walk_through_variables_and_keep_written_type(tmp_path: Path) -> None:
    r = resolver(tmp_path, BASE + """\
  names: [a, b]
  copy: ${self:custom.names}
  first: ${self:custom.copy.0}
  greeting: hello-${self:custom.first}-${self:service}
""")
    assert plain(value(r, "custom.copy")) == ["a", "b"]
    greeting = value(r, "custom.greeting")
    assert (greeting.value, greeting.line, greeting.column) == ("hello-a-svc", 15, 13)
    # every variable the value went through, innermost first
    assert greeting.uses == (Use("${self:custom.names}", "literal"), Use("${self:custom.copy.0}", "literal"),
                             Use("${self:custom.first}", "literal"), Use("${self:service}", "literal"))


def test_stage_option_default_and_given(tmp_path: Path) -> None:
    text = BASE + "  s: ${sls:stage}\n  o: ${opt:stage, 'dev'}\n  p: ${param:ver}\n"
    r = resolver(tmp_path, text)
    assert (value(r, "custom.s").value, value(r, "custom.s").uses) == ("dev", (Use("${sls:stage}", "parameter",
                                                                                    "default"),))
    assert value(r, "custom.o").uses == (Use("${opt:stage, 'dev'}", "literal"),
                                         Use("${opt:stage, 'dev'}", "parameter", "default"))
    assert (value(r, "custom.p").value, value(r, "custom.p").uses) == (3, (Use("${param:ver}", "parameter",
                                                                                "params.default"),))
    prod = resolver(tmp_path, text, Pass("prod", "command line"))
    assert value(prod, "custom.s").value == "prod"
    assert value(prod, "custom.o").uses == (Use("${opt:stage, 'dev'}", "parameter", "command line"),)
    assert (value(prod, "custom.p").value, value(prod, "custom.p").uses) == (9, (Use("${param:ver}", "parameter",
                                                                                      "params.prod"),))


def test_stage_falls_back_to_provider_stage_then_dev(tmp_path: Path) -> None:
    r = resolver(tmp_path, "provider:\n  stage: qa\ncustom:\n  s: ${sls:stage}\n")
    assert value(r, "custom.s").value == "qa"
    r = resolver(tmp_path, "provider:\n  name: aws\ncustom:\n  s: ${sls:stage}\n")
    assert value(r, "custom.s").value == "dev"


def test_param_from_command_line_wins_and_missing_param_is_dynamic(tmp_path: Path) -> None:
    text = BASE + "  p: ${param:ver}\n  q: ${param:other}\n"
    r = resolver(tmp_path, text, parameters={"ver": "12"})
    assert value(r, "custom.p").value == "12"
    assert value(r, "custom.p").uses == (Use("${param:ver}", "parameter", "command line"),)
    missing = value(r, "custom.q").value
    assert missing == Unresolved(DYNAMIC, "${param:other}: param 'other' is not in params.dev or params.default;"
                                          " the Serverless Dashboard or --param sets it at deploy")


def test_region_partition_and_account(tmp_path: Path) -> None:
    text = "provider:\n  region: cn-north-1\ncustom:\n  r: ${aws:region}\n  p: ${aws:partition}\n  a: ${aws:accountId}\n"
    r = resolver(tmp_path, text)
    assert (value(r, "custom.r").value, value(r, "custom.p").value) == ("cn-north-1", "aws-cn")
    assert value(r, "custom.r").uses == (Use("${aws:region}", "region"),)
    assert value(r, "custom.a").value == Unresolved(
        UNKNOWN, "${aws:accountId}: the deploying account, which the repository does not name: list it under "
                 "`deploy_accounts` in the policy (with `path:` when files deploy to different accounts)")
    # No provider.region: the deploy's --region, else the framework's us-east-1.
    bare = "custom:\n  r: ${aws:region}\n"
    assert value(resolver(tmp_path, bare), "custom.r").value == "us-east-1"
    assert value(resolver(tmp_path, bare, Pass(region="ap-south-1")), "custom.r").value == "ap-south-1"
    # provider.region from the option follows the --region of the evaluation
    opt = "provider:\n  region: ${opt:region, 'us-west-2'}\ncustom:\n  r: ${aws:region}\n"
    assert value(resolver(tmp_path, opt), "custom.r").value == "us-west-2"
    assert value(resolver(tmp_path, opt, Pass(region="eu-north-1")), "custom.r").value == "eu-north-1"


def test_environment_variables_only_from_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAYER_VERSION", "77")  # the process environment is never read
    text = "custom:\n  v: ${env:LAYER_VERSION}\n  w: ${env:LAYER_VERSION, '5'}\n"
    r = resolver(tmp_path, text)
    assert value(r, "custom.v").value == Unresolved(
        DYNAMIC, "${env:LAYER_VERSION}: environment variable LAYER_VERSION of the deploy (not given with --env)")
    w = value(r, "custom.w")
    assert (w.value, w.uses) == ("5", (Use("${env:LAYER_VERSION, '5'}", "literal"),
                                       Use("${env:LAYER_VERSION, '5'}", "parameter", "default")))
    given = resolver(tmp_path, text, env={"LAYER_VERSION": "8"})
    assert (value(given, "custom.v").value, value(given, "custom.v").uses) == (
        "8", (Use("${env:LAYER_VERSION}", "parameter", "command line"),))


@pytest.mark.parametrize(
    ("expression", "kind", "reason"),
    [
        ("${ssm:/team/layer}", DYNAMIC, "${ssm:/team/layer}: an SSM parameter, read at deploy time"),
        ("${ssm(us-east-1):/team/layer}", DYNAMIC, "${ssm(us-east-1):/team/layer}: an SSM parameter, read at deploy time"),
        ("${cf:shared.LayerArn}", UNKNOWN,
         "${cf:shared.LayerArn}: an output of another CloudFormation stack, known only at deploy time"),
        ("${cf(eu-west-1):shared.LayerArn}", UNKNOWN,
         "${cf(eu-west-1):shared.LayerArn}: an output of another CloudFormation stack, known only at deploy time"),
        ("${s3:bucket/key}", UNKNOWN, "${s3:bucket/key}: the content of an S3 object, read at deploy time"),
        ("${bref:layer.php-83}", DYNAMIC,
         "${bref:layer.php-83}: the Bref plugin puts its runtime layer ARN here at package time"),
        ("${vault:secret/x}", UNKNOWN, "${vault:secret/x}: variable source 'vault' comes from a plugin or a newer"
                                       " framework; layergate cannot evaluate it"),
        ("${sls:instanceId}", DYNAMIC, "${sls:instanceId}: a new id for every deploy"),
        ("${ssm:/x, 'fallback'}", DYNAMIC, "${ssm:/x, 'fallback'}: an SSM parameter, read at deploy time"),
        ("${opt:layer}", DYNAMIC,
         "${opt:layer}: option --layer is given on the deploy's command line (not to layergate)"),
        ("${self:custom.nothing}", UNKNOWN, "${self:custom.nothing}: 'custom.nothing' is not set in the configuration"),
    ],
)
def test_values_decided_outside_the_repository(tmp_path: Path, expression: str, kind: ResolutionKind,
                                               reason: str) -> None:
    r = resolver(tmp_path, f"custom:\n  v: \"{expression}\"\n  in-string: \"arn:{expression}:1\"\n")
    assert value(r, "custom.v").value == Unresolved(kind, reason)
    assert value(r, "custom.in-string").value == Unresolved(kind, reason)


def test_nested_variable_selects_by_stage(tmp_path: Path) -> None:
    text = BASE + "  layers:\n    dev: arn-dev\n    prod: arn-prod\n  pick: ${self:custom.layers.${sls:stage}}\n"
    assert value(resolver(tmp_path, text), "custom.pick").value == "arn-dev"
    assert value(resolver(tmp_path, text, Pass("prod", "params")), "custom.pick").value == "arn-prod"
    unknown_stage = text + "  other: ${self:custom.layers.${env:STAGE}}\n"
    assert value(resolver(tmp_path, unknown_stage), "custom.other").value == Unresolved(
        DYNAMIC, "${env:STAGE}: environment variable STAGE of the deploy (not given with --env)")


def test_file_source_yaml_json_text_and_nested_self(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "layers.yml").write_text("common:\n  - arn-a\n  - arn-${self:custom.suffix}\n")
    (tmp_path / "config" / "versions.json").write_text('{"dd": {"extension": 56}}')
    (tmp_path / "config" / "note.txt").write_text("plain")
    r = resolver(tmp_path, """\
custom:
  suffix: b
  list: ${file(./config/layers.yml):common}
  dd: ${file(config/versions.json):dd.extension}
  note: ${file(./config/note.txt)}
  missing: ${file(./config/absent.yml):x, 'fallback'}
  code: ${file(./config/layers.js):common}
""")
    items = value(r, "custom.list").value
    assert [(i.value, i.file, i.line, i.column) for i in items] == [
        ("arn-a", os.path.join(str(tmp_path), "config", "layers.yml"), 2, 5),
        ("arn-b", os.path.join(str(tmp_path), "config", "layers.yml"), 3, 5),
    ]
    assert value(r, "custom.dd").value == 56
    assert value(r, "custom.note").value == "plain"
    assert value(r, "custom.missing").value == "fallback"
    assert value(r, "custom.code").value == Unresolved(
        UNKNOWN, "${file(./config/layers.js):common}: ./config/layers.js is code, which layergate does not run")


def test_file_errors_name_the_variable(tmp_path: Path) -> None:
    inner = tmp_path / "repo"
    inner.mkdir()
    (tmp_path / "outside.yml").write_text("x: 1\n")
    (inner / "broken.yml").write_text("a: [1,\n")
    r = resolver(inner, "custom:\n  a: ${file(../outside.yml):x}\n  b: ${file(./broken.yml):a}\n"
                        "  c: ${file(./absent.yml):a}\n")
    config = str(inner / "serverless.yml")
    with pytest.raises(InputError) as err:
        value(r, "custom.a")
    assert str(err.value) == (f"{config}:2:6: ${{file(../outside.yml):x}}: ../outside.yml is outside the"
                              " repository root; layergate only reads files inside it")
    with pytest.raises(InputError) as err:
        value(r, "custom.b")
    assert str(err.value).startswith(f"{config}:3:6: ${{file(./broken.yml):a}}: ")
    assert "broken.yml:2:1: invalid YAML" in str(err.value)
    with pytest.raises(InputError) as err:
        value(r, "custom.c")
    assert str(err.value) == f"{config}:4:6: ${{file(./absent.yml):a}}: ./absent.yml does not exist"


def test_cycles_are_named(tmp_path: Path) -> None:
    r = resolver(tmp_path, "custom:\n  a: ${self:custom.b}\n  b: x-${self:custom.a}\n")
    with pytest.raises(InputError) as err:
        value(r, "custom.a")
    assert str(err.value) == (f"{tmp_path / 'serverless.yml'}:2:6: variable cycle: ${{self:custom.b}} (line 2)"
                              " -> x-${self:custom.a} (line 3) -> back to line 2")
    whole = resolver(tmp_path, "custom:\n  all: ${self:custom}\n")
    with pytest.raises(InputError, match="variable cycle"):
        value(whole, "custom.all")


def test_expansion_is_bounded(tmp_path: Path) -> None:
    doubling = "custom:\n  v0: ab\n" + "".join(
        f"  v{i}: ${{self:custom.v{i - 1}}}${{self:custom.v{i - 1}}}\n" for i in range(1, 20))
    r = resolver(tmp_path, doubling)
    with pytest.raises(InputError, match="expands to more than 65,536 characters"):
        value(r, "custom.v19")
    copies = "custom:\n  base: [" + ", ".join(["x"] * 50) + "]\n" + "".join(
        f"  c{i}:\n    - ${{self:custom.base}}\n    - ${{self:custom.base}}\n" for i in range(100))
    small = resolver(tmp_path, copies, budget=5_000)
    with pytest.raises(InputError, match="expands to more than 5,000 values"):
        value(small, "custom")


def test_long_chains_are_bounded(tmp_path: Path) -> None:
    chain = "custom:\n  v0: end\n" + "".join(f"  v{i}: ${{self:custom.v{i - 1}}}\n" for i in range(1, 100))
    with pytest.raises(InputError, match="variables depend on each other more than 64 levels deep"):
        value(resolver(tmp_path, chain), "custom.v99")


def test_invalid_variable_syntax_is_an_input_error(tmp_path: Path) -> None:
    r = resolver(tmp_path, "custom:\n  v: ${opt:stage, dev}\n")
    with pytest.raises(InputError) as err:
        value(r, "custom.v")
    assert str(err.value) == (f"{tmp_path / 'serverless.yml'}:2:6: invalid variable: fallback 'dev' is neither a"
                              " source nor a literal (quote a string: 'dev') at index 13 in '${opt:stage, dev}'")


def test_str_to_bool_and_string_inclusion_of_numbers(tmp_path: Path) -> None:
    r = resolver(tmp_path, "custom:\n  n: 7\n  f: 1.0\n  b: ${strToBool(false)}\n  s: v${self:custom.n}-${self:custom.f}\n")
    assert value(r, "custom.b").value is False
    assert value(r, "custom.s").value == "v7-1"


def test_symlink_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (tmp_path / "secret.yml").write_text("x: 1\n")
    (repo / "link.yml").symlink_to(tmp_path / "secret.yml")
    r = resolver(repo, "custom:\n  a: ${file(./link.yml):x}\n")
    with pytest.raises(InputError, match=r"\./link\.yml is outside the repository root"):
        value(r, "custom.a")


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1},"
              f" *a{i - 1}, *a{i - 1}]" for i in range(1, 9)]
    with pytest.raises(InputError, match="expands to more than 500,000 values"):
        resolver(tmp_path, "\n".join(lines) + "\n")


def test_recursive_anchor_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="expands to more than 500,000 values"):
        resolver(tmp_path, "custom: &a\n  self: *a\n")


def test_v4_stage_params(tmp_path: Path) -> None:
    text = ("stages:\n  default:\n    params:\n      ver: 1\n  prod:\n    params:\n      ver: 2\n"
            "params:\n  prod:\n    ver: 3\ncustom:\n  v: ${param:ver}\n")
    dev = value(resolver(tmp_path, text), "custom.v")
    assert (dev.value, dev.uses) == (1, (Use("${param:ver}", "parameter", "stages.default.params"),))
    prod = value(resolver(tmp_path, text, Pass("prod", "params")), "custom.v")
    assert (prod.value, prod.uses) == (2, (Use("${param:ver}", "parameter", "stages.prod.params"),))
