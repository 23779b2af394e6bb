"""The Serverless variable syntax parser, against the forms the framework's own parser accepts and rejects."""

from __future__ import annotations

import pytest

from layergate.sources.sls_syntax import Const, Source, Text, Variable, VariableSyntaxError, find_variables


def test_source_with_address_and_quoted_fallback() -> None:
    assert find_variables("${opt:stage, 'dev'}") == (
        Variable("${opt:stage, 'dev'}", 0, 19, (Source("opt", None, Text("stage")), Const("dev"))),
    )


def test_variables_inside_a_longer_string_keep_their_offsets() -> None:
    value = "arn:aws:lambda:${aws:region}:123456789012:layer:x:${self:custom.v}"
    assert find_variables(value) == (
        Variable("${aws:region}", 15, 28, (Source("aws", None, Text("region")),)),
        Variable("${self:custom.v}", 50, 66, (Source("self", None, Text("custom.v")),)),
    )


def test_nested_variable_in_the_address() -> None:
    (var,) = find_variables("${self:custom.layers.${sls:stage}}")
    inner = Variable("${sls:stage}", 14, 26, (Source("sls", None, Text("stage")),))
    assert var.sources == (Source("self", None, Text("custom.layers.${sls:stage}", (inner,))),)
    assert var.sources[0].address is not None
    assert var.sources[0].address.text[14:26] == "${sls:stage}"


def test_parameters_literals_and_nested_variables() -> None:
    (var,) = find_variables("${file(./cfg/${sls:stage}.yml):layers.common, null}")
    inner = Variable("${sls:stage}", 6, 18, (Source("sls", None, Text("stage")),))
    assert var.sources == (
        Source("file", (Text("./cfg/${sls:stage}.yml", (inner,)),), Text("layers.common")),
        Const(None),
    )
    (region,) = find_variables("${ssm(eu-west-1):/team/layer-arn}")
    assert region.sources == (Source("ssm", (Text("eu-west-1"),), Text("/team/layer-arn")),)


def test_fallback_sources_numbers_booleans_and_v2_style_nested_fallback() -> None:
    (var,) = find_variables("${env:LAYER_VERSION, self:custom.version, 12}")
    assert var.sources == (Source("env", None, Text("LAYER_VERSION")), Source("self", None, Text("custom.version")),
                           Const(12))
    (flag,) = find_variables("${opt:enabled, false}")
    assert flag.sources[1] == Const(False)
    (nested,) = find_variables("${env:X, ${self:y}}")
    assert nested.sources[1] == Variable("${self:y}", 9, 18, (Source("self", None, Text("y")),))


def test_double_quoted_fallback_is_json_decoded() -> None:
    (var,) = find_variables('${opt:name, "a,b}\\"c"}')
    assert var.sources[1] == Const('a,b}"c')


def test_foreign_cloudformation_variables_are_left_alone() -> None:
    assert find_variables("arn:${AWS::Partition}:lambda:${AWS::Region}:1:layer:x:1") == ()
    assert find_variables("${Layer}") == ()
    # ... but a Serverless variable nested in one still counts
    assert find_variables("${AWS::${self:a}}") == (Variable("${self:a}", 7, 16, (Source("self", None, Text("a")),)),)


def test_source_types_with_dashes_are_variables() -> None:
    (var,) = find_variables("${bref-extra:redis-php-83}")
    assert var.sources == (Source("bref-extra", None, Text("redis-php-83")),)


def test_escaped_dollar_is_text() -> None:
    assert find_variables("\\${self:a}") == ()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("${opt:stage, dev}", "fallback 'dev' is neither a source nor a literal (quote a string: 'dev') at index 13"),
        ("${self:custom.x", "missing closing '}' at index 7"),
        ("${type:foo:bar}", "invalid character ':' at index 10"),
        ("${type(foo})", "invalid character '}' at index 10"),
        ("${opt:a, 'x', 'y'}", "a quoted fallback must be the last at index 12"),
        ("${opt:a, 'x}", "unterminated quoted string at index 9"),
    ],
)
def test_rejected_forms_say_what_and_where(value: str, message: str) -> None:
    with pytest.raises(VariableSyntaxError) as err:
        find_variables(value)
    assert str(err.value) == f"{message} in {value!r}"


def test_nesting_is_bounded() -> None:
    deep = "${self:" * 40 + "x" + "}" * 40
    with pytest.raises(VariableSyntaxError, match="variables nested more than 32 deep"):
        find_variables(deep)
