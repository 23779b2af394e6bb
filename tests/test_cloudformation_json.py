"""The JSON reader: the same nodes as YAML, with 1-based positions, and one error line for bad input."""

from __future__ import annotations

import json

import pytest
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from layergate.errors import InputError
from layergate.jsonnodes import parse_json
from layergate.yamlnodes import line_col, parse_yaml, to_python

DOC = """\
{
  "Resources": {
    "Fn": {"Type": "AWS::Lambda::Function",
           "Properties": {"Layers": ["arn:a", {"Ref": "L"}, 3, 2.5e3, true, null, "caf\\u00e9 \\"q\\""]}}
  }
}
"""


def test_same_values_as_the_json_module() -> None:
    root = parse_json(DOC, "t.json")
    assert root is not None
    assert to_python(root) == json.loads(DOC)


def test_positions_are_one_based_and_point_at_each_value() -> None:
    root = parse_json(DOC, "t.json")
    assert isinstance(root, MappingNode)
    fn = root.value[0][1].value[0][1]
    layers = fn.value[1][1].value[0][1]
    assert isinstance(layers, SequenceNode)
    assert [line_col(item) for item in layers.value] == [(4, 38), (4, 47), (4, 61), (4, 64), (4, 71), (4, 77),
                                                          (4, 83)]
    assert line_col(fn.value[1][0]) == (4, 12)  # the "Properties" key
    assert (layers.end_mark.line + 1, layers.end_mark.column + 1) == (4, 101)  # just past the ']'


def test_node_kinds_match_what_yaml_composes() -> None:
    """Tags and styles as libyaml gives them, so code written against YAML nodes reads JSON unchanged."""
    text = '{"s": "x", "i": 1, "f": 1.5, "b": false, "n": null, "l": [], "m": {}}'
    ours = parse_json(text, "t.json")
    theirs = parse_yaml(text, "t.json")
    assert isinstance(ours, MappingNode) and isinstance(theirs, MappingNode)
    for (ok, ov), (tk, tv) in zip(ours.value, theirs.value, strict=True):
        assert (ok.value, type(ov), ov.tag) == (tk.value, type(tv), tv.tag)
        if isinstance(ov, ScalarNode):
            assert (ov.value, ov.style or None) == (tv.value, tv.style or None)  # plain: None or ''



@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('{"a": 1, "a": 2}', "t.json:1:10: duplicate key 'a'"),
        ('{"a": [1, 2', "t.json:1:12: invalid JSON: unexpected end of file: the '[' at line 1 column 7 is never closed"),
        ('{\n  "a": {\n    "b": 1,\n', "t.json:4:1: invalid JSON: unexpected end of file: the '{' at line 2 column 8 "
                                      "is never closed"),
        ('{"a": 1', "t.json:1:8: invalid JSON: unexpected end of file: the '{' at line 1 column 1 is never closed"),
        ("[1,]", "t.json:1:4: invalid JSON: expected a value, found ']'"),
        ('{"a" 1}', "t.json:1:6: invalid JSON: expected ':' after a key, found '1'"),
        ('{"a": "\\x"}', "t.json:1:8: invalid JSON: invalid \\escape"),
        ('{"a": "b\nc"}', "t.json:1:7: invalid JSON: unterminated string, or a control character inside a string"),
        ("[1] 2", "t.json:1:5: invalid JSON: extra data after the top-level value"),
        ("{,}", "t.json:1:2: invalid JSON: expected a string key, found ','"),
        ('{"k": 1,}', "t.json:1:9: invalid JSON: expected a string key, found '}'"),
        ("[01]", "t.json:1:3: invalid JSON: expected ',' or ']', found '1'"),
        ('{"a": NaN}', "t.json:1:7: invalid JSON: unexpected character 'N'"),
        ('{"a": tru}', "t.json:1:7: invalid JSON: unexpected character 't'"),
        ("[" * 100_000 + "]" * 100_000, "t.json:1:201: nesting deeper than 200 levels"),
        ('{"a": 1} // comment', "t.json:1:10: invalid JSON: extra data after the top-level value"),
    ],
)
def test_errors_are_one_line_with_a_position(text: str, error: str) -> None:
    with pytest.raises(InputError) as err:
        parse_json(text, "t.json")
    assert str(err.value) == error


def test_empty_text_is_no_document() -> None:
    assert parse_json("  \n", "t.json") is None
