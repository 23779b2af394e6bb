"""The small pieces of the Terraform source: addresses, references, .tf text positions, python-hcl2 values."""

from __future__ import annotations

from pathlib import Path

from layergate.model import Location
from layergate.sources.tf_address import Address, ModuleInstance, parse_address, reference_root, reference_roots
from layergate.sources.tf_config import ConfigIndex
from layergate.sources.tf_files import TfSources
from layergate.sources.tf_hcl import HclReader, TfElement, _classify, expression_roots
from layergate.sources.tf_refs import _MISSING, navigate, strings
from layergate.sources.tf_text import Span, find_attribute, find_block, line_column, mask


def test_parse_address_keeps_module_keys() -> None:
    parsed = parse_address('module.fn["a.b"].module.inner[0].aws_lambda_function.this[2]')
    assert parsed == Address(ModuleInstance((("fn", '["a.b"]'), ("inner", "[0]"))), "aws_lambda_function.this", "[2]")
    assert parsed.module.scope == ("fn", "inner")
    assert parsed.module.prefix == 'module.fn["a.b"].module.inner[0].'
    assert parsed.module.parent().prefix == 'module.fn["a.b"].'
    assert parsed.type_name == ("aws_lambda_function", "this")
    assert parse_address("data.aws_lambda_layer_version.x") == Address(
        ModuleInstance(), "data.aws_lambda_layer_version.x", "")
    assert parse_address("not an address") is None


def test_reference_roots() -> None:
    assert reference_root("aws_lambda_layer_version.x[0].arn") == "aws_lambda_layer_version.x[0]"
    assert reference_root("data.aws_lambda_layer_version.y.arn") == "data.aws_lambda_layer_version.y"
    assert reference_root("var.layers[0]") == "var.layers"
    assert reference_root('module.m["k"].out') == 'module.m["k"]'
    assert reference_root("each.value") is None
    assert reference_roots(["aws_lambda_layer_version.x[0].arn", "aws_lambda_layer_version.x[0]",
                            "aws_lambda_layer_version.x", "count.index", "var.a", "var.a"]) == (
        "aws_lambda_layer_version.x[0]", "var.a")


TF = '''# resource "aws_lambda_function" "api" { layers = ["commented"] }
resource "aws_lambda_function" "api" {
  description = "a { brace and a # hash"
  handler     = <<-EOT
    } not the end {
  EOT
  dynamic "vpc_config" {
    for_each = []
    content { layers = ["nested, not the attribute"] }
  }
  layers = [
    "arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:56", # a comment with "quotes"
    "${var.prefix}-x",
    aws_lambda_layer_version.deps.arn,
  ]
}
resource aws_lambda_function bare {
  layers = var.layers
}
'''


def test_mask_blanks_strings_comments_and_heredocs_only() -> None:
    masked = mask(TF)
    assert len(masked) == len(TF)
    assert masked.count("\n") == TF.count("\n")
    assert "brace" not in masked and "not the end" not in masked and "commented" not in masked
    assert "aws_lambda_layer_version.deps.arn" in masked
    assert masked.count("{") == masked.count("}")


def test_find_block_and_attribute_skip_comments_strings_and_nested_blocks() -> None:
    masked = mask(TF)
    body = find_block(TF, masked, "resource", ("aws_lambda_function", "api"))
    assert body is not None
    assert line_column(TF, body.start - 1) == (2, 38)
    found = find_attribute(masked, body, "layers")
    assert found is not None
    name_at, value = found
    assert line_column(TF, name_at) == (11, 3)
    assert TF[value.start:value.end].strip().startswith("[") and TF[value.end - 1] == "]"
    bare = find_block(TF, masked, "resource", ("aws_lambda_function", "bare"))
    assert bare is not None
    bare_attr = find_attribute(masked, bare, "layers")
    assert bare_attr is not None and TF[bare_attr[1].start:bare_attr[1].end].strip() == "var.layers"
    assert find_block(TF, masked, "resource", ("aws_lambda_function", "missing")) is None
    assert find_attribute(masked, Span(0, 0), "layers") is None


def test_elements_with_positions(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(TF, encoding="utf-8")
    sources = TfSources(str(tmp_path), ConfigIndex({}))
    attr = HclReader(sources).attribute((), "resource", ("aws_lambda_function", "api"), "layers")
    main = str(tmp_path / "main.tf")
    api = "aws_lambda_function.api.layers"  # every position names the attribute it is in
    assert attr is not None and attr.is_list
    assert attr.location == Location(main, 11, 3, api)
    datadog = "arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:56"
    assert attr.elements == (
        TfElement(datadog, f'"{datadog}"', (), (), Location(main, 12, 5, api)),
        TfElement(None, '"${var.prefix}-x"', ("var.prefix",), (), Location(main, 13, 5, api),
                  (("var.prefix", Location(main, 13, 8, api)),)),
        TfElement(None, "aws_lambda_layer_version.deps.arn", ("aws_lambda_layer_version.deps",), (),
                  Location(main, 14, 5, api),
                  (("aws_lambda_layer_version.deps", Location(main, 14, 5, api)),)),
    )
    assert sources.block((), "resource", ("aws_lambda_function", "bare")) == Location(main, 17, 1)
    assert sources.errors == []


def test_both_python_hcl2_output_styles() -> None:
    # python-hcl2 8 keeps the quotes of a literal; earlier versions strip them.
    assert _classify('"arn:aws:lambda:us-east-1:1:layer:x:1"') == ("arn:aws:lambda:us-east-1:1:layer:x:1",
                                                                     '"arn:aws:lambda:us-east-1:1:layer:x:1"')
    assert _classify("arn:aws:lambda:us-east-1:1:layer:x:1") == ("arn:aws:lambda:us-east-1:1:layer:x:1",
                                                                   '"arn:aws:lambda:us-east-1:1:layer:x:1"')
    assert _classify("${var.layers}") == (None, "var.layers")
    assert _classify('"arn:${var.partition}:x"') == (None, '"arn:${var.partition}:x"')
    assert _classify("arn:${var.partition}:x") == (None, '"arn:${var.partition}:x"')
    assert _classify(None) == (None, "null")


def test_expression_roots_skip_strings_and_iteration_variables() -> None:
    assert expression_roots('concat(["arn:a.b"], var.extra, [aws_lambda_layer_version.x.arn])') == (
        "var.extra", "aws_lambda_layer_version.x")
    assert expression_roots('[for l in local.names : "arn:${data.aws_region.current.name}:${l.v}"]') == (
        "local.names", "data.aws_region.current")
    assert expression_roots("each.value.layers") == ()


def test_navigate_into_variable_values() -> None:
    value = {"cfg": {"layers": ["a", "b"], "x": [{"k": "v"}]}}
    assert navigate(value, '.cfg.layers') == ["a", "b"]
    assert navigate(value, '.cfg.layers[1]') == "b"
    assert navigate(value, '["cfg"].x[0].k') == "v"
    assert navigate(value, ".cfg.missing") is _MISSING
    assert navigate(value, ".cfg.layers[5]") is _MISSING
    assert strings(["a", "b"]) == ("a", "b")
    assert strings("a") == ("a",)
    assert strings([1]) is None
    assert strings({"a": "b"}) is None


def test_crlf_heredoc_and_bom(tmp_path: Path) -> None:
    text = ('resource "aws_lambda_function" "api" {\r\n  description = <<EOT\r\n  } {\r\nEOT\r\n'
            '  layers = ["arn:aws:lambda:us-east-1:123456789012:layer:x:1"]\r\n}\r\n')
    (tmp_path / "main.tf").write_bytes(b"\xef\xbb\xbf" + text.encode())
    sources = TfSources(str(tmp_path), ConfigIndex({}))
    written = sources.written((), "resource", ("aws_lambda_function", "api"), "layers")
    main = str(tmp_path / "main.tf")
    assert written is not None
    api = "aws_lambda_function.api.layers"
    assert written.location == Location(main, 5, 3, api)
    assert dict(written.strings) == {"arn:aws:lambda:us-east-1:123456789012:layer:x:1": (Location(main, 5, 13, api),)}
    assert sources.block((), "resource", ("aws_lambda_function", "api")) == Location(main, 1, 1)


def test_tfvars_files_terraform_loads_by_itself_the_last_one_wins(tmp_path: Path) -> None:
    (tmp_path / "terraform.tfvars").write_text('extra = ["arn:a"]\nother = "x"\n', encoding="utf-8")
    (tmp_path / "b.auto.tfvars.json").write_text('{\n  "extra": ["arn:b"]\n}\n', encoding="utf-8")
    (tmp_path / "a.auto.tfvars").write_text('nested = { extra = ["arn:c"] }\n', encoding="utf-8")
    (tmp_path / "ignored.tfvars").write_text('extra = ["arn:d"]\n', encoding="utf-8")  # only with -var-file
    sources = TfSources(str(tmp_path), ConfigIndex({}))
    extra = sources.tfvars("extra")
    path = str(tmp_path / "b.auto.tfvars.json")
    assert extra is not None and extra.location == Location(path, 2, 3, "var.extra")
    assert dict(extra.strings) == {"arn:b": (Location(path, 2, 13, "var.extra"),)}
    other = sources.tfvars("other")
    assert other is not None and dict(other.strings) == {
        "x": (Location(str(tmp_path / "terraform.tfvars"), 2, 9, "var.other"),)}
    assert sources.tfvars("missing") is None
