"""CloudFormation and AWS SAM templates (YAML or JSON): functions, their layers, published layers, grants.

A file is a template by its content, whatever its name: ``AWSTemplateFormatVersion``, or ``Resources``
holding ``Type: AWS::...`` entries. Only the sections that matter are walked (Resources, Parameters,
Mappings, Globals, Transform); the rest of the tree is never converted to Python values.

``scan_template_node`` is the entry point for other formats that contain CloudFormation: the Serverless
Framework's ``resources:`` section and each stack of a CDK cloud assembly.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from layergate.errors import InputError
from layergate.model import Function, InlineSuppression, LayerDef, LayerGrant, LayerRef, Location, Note, Scan
from layergate.sources import NotThisFormat, ParseOptions
from layergate.sources.cfn_intrinsics import LAYER_TYPES, Evaluator, TemplateInfo
from layergate.sources.cfn_layers import FunctionLayers
from layergate.sources.cfn_nodes import fields, intrinsic, is_null, key_nodes, kind_of, render, text
from layergate.sources.cfn_parameters import declarations, given_values
from layergate.sources.cfn_resources import grants, layer_def, location, suppressions

FORMAT = "cloudformation"
SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
FUNCTION_TYPES = frozenset({"AWS::Lambda::Function", "AWS::Serverless::Function"})
PERMISSION_TYPE = "AWS::Lambda::LayerVersionPermission"
# Transforms that do not touch layers; any other macro runs at deploy time and may add some.
_KNOWN_TRANSFORMS = frozenset({SAM_TRANSFORM, "AWS::LanguageExtensions", "AWS::CodeDeployBlueGreen"})
PLUGIN_NOTE = "plugin-injected-layers"  # slug of LG107, the rule about layers that plugins and macros add

_SUFFIXES = (".yaml", ".yml", ".json", ".template")
_SERVERLESS_OUTPUT = ".serverless/cloudformation-template-update-stack.json"
# Top-level keys only templates have (YAML at column 0); for JSON, a Resources object with AWS:: types.
_YAML_KEYS = re.compile(
    r"^['\"]?(?:AWSTemplateFormatVersion|Resources|Transform|Globals|Parameters|Mappings|Conditions)['\"]?[ \t]*:",
    re.MULTILINE,
)
_JSON_TYPE = re.compile(r'"Type"\s*:\s*"AWS::')


def detect(path: str, head: str) -> bool:
    """A cheap look at the name and the first bytes; ``parse`` decides for sure."""
    norm = path.replace(os.sep, "/")
    if norm.endswith(_SERVERLESS_OUTPUT):
        return True
    name = os.path.basename(norm)
    if not name.endswith(_SUFFIXES) and "." in name.lstrip("."):
        return False
    if "AWSTemplateFormatVersion" in head or _YAML_KEYS.search(head):
        return True
    return '"Resources"' in head and _JSON_TYPE.search(head) is not None


def parse(path: str, options: ParseOptions) -> list[Scan]:
    from layergate.yamlnodes import parse_yaml, read_text

    text_ = read_text(path)
    if _looks_like_json(path, text_):
        from layergate.jsonnodes import parse_json

        try:
            root = parse_json(text_, path)
        except InputError as json_error:
            if path.endswith(".json"):
                raise
            # A .template file that starts with '{' may be YAML in flow style; if YAML cannot read it
            # either, the JSON error is the one that helps.
            try:
                root = parse_yaml(text_, path)
            except InputError:
                raise json_error from None
    else:
        root = parse_yaml(text_, path)
    if root is None:
        raise NotThisFormat("empty file")
    return [scan_template_node(root, path, options)]


def _looks_like_json(path: str, text_: str) -> bool:
    if path.endswith((".yaml", ".yml")):
        return False
    return text_.lstrip()[:1] == "{"


def scan_template_node(
    root: Node,
    path: str,
    options: ParseOptions,
    *,
    format_name: str | None = None,
    parameters: Mapping[str, str] | None = None,
    resources_only: bool = False,
    parameters_source: str = "deployment configuration",
) -> Scan:
    """Scan a composed template (or, with ``resources_only``, a fragment such as Serverless ``resources:``).

    ``parameters`` are values the calling format knows for template parameters (reported with
    ``parameters_source``); ``--parameter`` values still win over them. A fragment is scanned without the
    is-this-a-template check and without SAM Globals.
    """
    if not isinstance(root, MappingNode) or intrinsic(root) is not None:
        if resources_only:
            raise _error(path, root, f"expected a mapping with Resources, found {kind_of(root)}")
        raise NotThisFormat("not a CloudFormation template")
    top = fields(root)
    resources_node = top.get("Resources")
    if not resources_only and not _is_template(top, resources_node):
        raise NotThisFormat("not a CloudFormation template (no AWSTemplateFormatVersion, no AWS:: resources)")
    if resources_node is not None and not is_null(resources_node) and not isinstance(resources_node, MappingNode):
        raise _error(path, resources_node, f"Resources must be a mapping, found {kind_of(resources_node)}")

    transforms = _transforms(top.get("Transform"))
    is_sam = any(name == SAM_TRANSFORM for name, _ in transforms)
    notes = [
        Note(PLUGIN_NOTE, _loc(path, node, "Transform"),
             f"transform {name} runs at deploy time and may add or change layers that layergate cannot see", name)
        for name, node in transforms if name not in _KNOWN_TRANSFORMS
    ]
    resources, types = _resources(path, resources_node, notes)

    info = TemplateInfo(
        path=path,
        params=declarations(top.get("Parameters")),
        given=given_values(options, parameters, parameters_source),
        resources=types,
        mappings=top.get("Mappings"),
        regions=options.regions,
        json_style=_json_style(root),
        accounts=options.accounts_for(path),
        own_layers=_layer_names(resources),
    )
    ev = Evaluator(info)
    sam_globals = fields(fields(top.get("Globals")).get("Function")) if is_sam and not resources_only else {}
    function_layers = FunctionLayers(ev, sam_globals)
    functions: list[Function] = []
    refs: list[LayerRef] = []
    defs: list[LayerDef] = []
    perms: list[LayerGrant] = []
    supps: list[InlineSuppression] = []
    template_dir = os.path.dirname(path)
    for logical_id, key, rtype, attributes in resources:
        props_node = attributes.get("Properties")
        if rtype in FUNCTION_TYPES:
            functions.append(Function(logical_id, location(ev, key, f"Resources/{logical_id}")))
            refs.extend(function_layers.refs(logical_id, rtype == "AWS::Serverless::Function", props_node))
        elif rtype in LAYER_TYPES:
            defs.append(layer_def(ev, logical_id, key, rtype, fields(props_node), template_dir, options.root))
        elif rtype == PERMISSION_TYPE:
            perms.extend(grants(ev, logical_id, key, fields(props_node)))
        if "Metadata" in attributes:
            supps.extend(suppressions(ev, logical_id, attributes["Metadata"]))

    return Scan(
        file=path,
        format=format_name or ("sam" if is_sam else FORMAT),
        functions=tuple(functions),
        refs=tuple(refs),
        layer_defs=tuple(defs),
        grants=tuple(perms),
        notes=tuple(notes),
        suppressions=tuple(supps),
    )


def _layer_names(resources: list[tuple[str, ScalarNode, str, dict[str, Node]]]) -> dict[str, str]:
    """Layer name -> logical id of the layers the template publishes under a name written in it (a SAM
    layer without LayerName is named after its logical id)."""
    names: dict[str, str] = {}
    for logical_id, _key, rtype, attributes in resources:
        if rtype in LAYER_TYPES:
            name = text(fields(attributes.get("Properties")).get("LayerName"))
            if name is None and rtype == "AWS::Serverless::LayerVersion":
                name = logical_id
            if name:
                names.setdefault(name, logical_id)
    return names


def _resources(
    path: str, resources_node: Node | None, notes: list[Note]
) -> tuple[list[tuple[str, ScalarNode, str, dict[str, Node]]], dict[str, str]]:
    """Each resource's (logical id, key node, type, attributes), and the type of every logical id."""
    resources: list[tuple[str, ScalarNode, str, dict[str, Node]]] = []
    types: dict[str, str] = {}
    for logical_id, key, body in key_nodes(resources_node):
        if logical_id.startswith("Fn::ForEach::"):
            notes.append(Note(PLUGIN_NOTE, _loc(path, key, f"Resources/{logical_id}"),
                              f"{logical_id} generates resources that layergate does not expand; their layers "
                              "are not checked", logical_id))
            continue
        if not isinstance(body, MappingNode) or intrinsic(body) is not None:
            raise _error(path, body, f"resource {logical_id} must be a mapping, found {kind_of(body)}")
        attributes = fields(body)
        type_node = attributes.get("Type")
        rtype = text(type_node)
        if type_node is None or is_null(type_node):
            raise _error(path, key, f"resource {logical_id} has no Type")
        if not rtype:
            raise _error(path, type_node, f"resource {logical_id}: Type must be a plain string, found "
                                          f"{render(type_node)}")
        types[logical_id] = rtype
        resources.append((logical_id, key, rtype, attributes))
    return resources, types


def _is_template(top: dict[str, Node], resources: Node | None) -> bool:
    if "AWSTemplateFormatVersion" in top:
        return True
    for _, _, body in key_nodes(resources):
        rtype = text(fields(body).get("Type"))
        if rtype is not None and rtype.startswith("AWS::"):
            return True
    return False


def _transforms(node: Node | None) -> list[tuple[str, Node]]:
    """Names of the template-level transforms (a name, a list of names, or ``{Name: ..., Parameters: ...}``)."""
    if node is None or is_null(node):
        return []
    items = node.value if isinstance(node, SequenceNode) else [node]
    out: list[tuple[str, Node]] = []
    for item in items:
        name = text(item) if isinstance(item, ScalarNode) else text(fields(item).get("Name"))
        out.append((name or render(item), item))
    return out


def _json_style(root: MappingNode) -> bool:
    """JSON templates render expressions as JSON; composed JSON has flow style and double-quoted keys."""
    if not root.flow_style or not root.value:
        return False
    key = root.value[0][0]
    return isinstance(key, ScalarNode) and key.style == '"'


def _loc(path: str, node: Node, logical_path: str) -> Location:
    mark = node.start_mark
    return Location(path, mark.line + 1, mark.column + 1, logical_path)


def _error(path: str, node: Node, message: str) -> InputError:
    mark = node.start_mark
    return InputError(message, path, mark.line + 1, mark.column + 1)
