"""Template parameter values: declared defaults, parameter files and the command line.

A value given on the command line (``--parameter K=V``) wins over the values a caller passes for its own
format, which win over parameter files (the last file naming a key wins), which win over the template's
``Default``. Parameter files are CloudFormation JSON (``[{"ParameterKey": .., "ParameterValue": ..}]``,
also ``{"Parameters": {..}}`` and ``["K=V", ..]``) or SAM configuration (``samconfig.toml`` or
``samconfig.yaml``, ``[<env>.deploy.parameters] parameter_overrides``).
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Mapping

from yaml.nodes import Node

from layergate.errors import InputError
from layergate.records import dataclass
from layergate.sources import ParseOptions
from layergate.sources.cfn_nodes import fields, key_nodes, text
from layergate.yamlnodes import read_text

TYPE_CHECKING = False  # typing is for the type checker: importing it costs every start of the CLI
if TYPE_CHECKING:
    from typing import Any

COMMAND_LINE = "command line"
DEFAULT = "default"


@dataclass(frozen=True, slots=True)
class Given:
    """A parameter value from outside the template. ``value`` None: keep the previous stack's value."""

    value: str | None
    source: str


@dataclass(frozen=True, slots=True)
class ParamDecl:
    name: str
    type: str
    default: str | None  # None when there is no Default
    node: Node


def declarations(parameters_node: Node | None) -> dict[str, ParamDecl]:
    """The template's ``Parameters`` section: type and default of each parameter."""
    out: dict[str, ParamDecl] = {}
    for name, _key, body in key_nodes(parameters_node):
        props = fields(body)
        ptype = text(props.get("Type")) or "String"
        default_node = props.get("Default")
        default = text(default_node)
        if default is None and default_node is not None and hasattr(default_node, "value"):
            items = default_node.value if isinstance(default_node.value, list) else []
            parts = [text(item) for item in items]
            if items and all(isinstance(p, str) for p in parts):  # a YAML list as a list default
                default = ",".join(p for p in parts if p is not None)
        out[name] = ParamDecl(name, ptype.strip(), default, body)
    return out


def given_values(
    options: ParseOptions, extra: Mapping[str, str] | None = None, extra_source: str = ""
) -> dict[str, Given]:
    values: dict[str, Given] = {}
    for path in options.parameter_files:
        source = f"parameters file {path}"
        for key, value in _read_file(path, options.config_env):
            values[key] = Given(value, source)
    for key, value in (extra or {}).items():
        values[key] = Given(value, extra_source)
    for key, value in options.parameters.items():
        values[key] = Given(value, COMMAND_LINE)
    return values


def is_list_type(ptype: str) -> bool:
    inner = ptype.removeprefix("AWS::SSM::Parameter::Value<").removesuffix(">") if "::Value<" in ptype else ptype
    return inner == "CommaDelimitedList" or inner.startswith("List<")


def split_list(value: str) -> tuple[str, ...]:
    """A CommaDelimitedList value as CloudFormation splits it (spaces around commas are not part of items)."""
    return tuple(part.strip() for part in value.split(","))


@functools.lru_cache(maxsize=32)
def _read_file(path: str, env: str) -> tuple[tuple[str, str | None], ...]:
    """The (key, value) pairs a parameter file gives; read once per run however many templates use it."""
    name = os.path.basename(path)
    if name.endswith(".toml"):
        import tomllib

        try:
            data: Any = tomllib.loads(read_text(path))
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"invalid TOML: {exc}", path) from None
        return _samconfig(data, path, env)
    if name.endswith((".yaml", ".yml")):
        from layergate.yamlnodes import load_text, to_python

        root = load_text(path)
        return _samconfig(to_python(root, path=path) if root is not None else {}, path, env)
    text_ = read_text(path)
    try:
        data = json.loads(text_)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", path, exc.lineno, exc.colno) from None
    return _cloudformation_json(data, path)


def _cloudformation_json(data: Any, path: str) -> tuple[tuple[str, str | None], ...]:
    if isinstance(data, dict) and isinstance(data.get("Parameters"), dict):  # CodePipeline template configuration
        return tuple((str(k), _text(v)) for k, v in data["Parameters"].items())
    if not isinstance(data, list):
        raise InputError('expected a list of {"ParameterKey": ..., "ParameterValue": ...}', path)
    pairs: list[tuple[str, str | None]] = []
    for i, item in enumerate(data):
        if isinstance(item, str):  # the "Key=Value" strings `aws cloudformation deploy` also reads
            key, sep, value = item.partition("=")
            if not sep:
                raise InputError(f"entry {i}: expected Key=Value, got {item!r}", path)
            pairs.append((key.strip(), value))
        elif isinstance(item, dict) and isinstance(item.get("ParameterKey"), str):
            if item.get("UsePreviousValue") is True:
                pairs.append((item["ParameterKey"], None))
            elif "ParameterValue" in item:
                pairs.append((item["ParameterKey"], _text(item["ParameterValue"])))
            else:
                raise InputError(f"entry {i} ({item['ParameterKey']}): no ParameterValue", path)
        else:
            raise InputError(f'entry {i}: expected {{"ParameterKey": ..., "ParameterValue": ...}}', path)
    return tuple(pairs)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _samconfig(data: Any, path: str, env: str) -> tuple[tuple[str, str | None], ...]:
    table = data.get(env) if isinstance(data, dict) else None
    if not isinstance(table, dict):
        hint = " (use --config-env to choose another)" if env == "default" else ""
        raise InputError(f"no [{env}] environment in this SAM configuration{hint}", path)
    overrides: Any = None
    for command in ("deploy", "global"):
        section = table.get(command)
        params = section.get("parameters") if isinstance(section, dict) else None
        if isinstance(params, dict) and "parameter_overrides" in params:
            overrides = params["parameter_overrides"]
            break
    if overrides is None:
        return ()
    items = overrides if isinstance(overrides, list) else [overrides]
    pairs: list[tuple[str, str | None]] = []
    for item in items:
        if not isinstance(item, str):
            raise InputError(f"[{env}] parameter_overrides: expected a string or a list of strings", path)
        pairs.extend(parse_overrides(item, path, env))
    return tuple(pairs)


# The forms `sam deploy --parameter-overrides` accepts (samcli/cli/types.py, CfnParameterOverridesType).
_VALUE = r'("(?:\\.|[^"\\]+)*"|(?:\\.|[^ "\\]+)+)'
_KEY = r'([A-Za-z0-9"]+)'
_LONG_FORM = re.compile(rf"ParameterKey={_KEY},ParameterValue={_VALUE}")
_SHORT_FORM = re.compile(rf"(?<= ){_KEY}={_VALUE}")


def parse_overrides(value: str, path: str, env: str) -> list[tuple[str, str | None]]:
    """``K=V K2="v w"`` (or ``ParameterKey=K,ParameterValue=V``) into pairs; leftovers are an error."""
    line = " " + value.strip()
    pattern = _LONG_FORM if _LONG_FORM.search(line) else _SHORT_FORM
    pairs = [(_unquote(k), _unquote(v)) for k, v in pattern.findall(line)]
    rest = pattern.sub("", line).strip()
    if rest:
        raise InputError(f"[{env}] parameter_overrides: cannot read {rest[:40]!r} (expected Key=Value)", path)
    return list(pairs)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return value.replace("\\ ", " ").replace('\\"', '"')
