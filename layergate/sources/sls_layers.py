"""What one entry of a Serverless layer list resolves to, once its variables are resolved.

An entry is an ARN string or a CloudFormation intrinsic the framework passes through: ``{Ref: X}`` to a
layer of the ``layers:`` section (``X`` named by the framework's rule, see ``layer_logical_id``) or of
``resources.Resources`` is INTERNAL; ``Fn::GetAtt`` of another resource and ``Fn::ImportValue`` are
UNKNOWN, as in a CloudFormation template; ``Fn::Sub``/``Fn::Join`` over the pseudo parameters are
evaluated for the deploy region.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from layergate.model import Candidate, Resolution, ResolutionKind
from layergate.records import dataclass
from layergate.sources import ACCOUNT_HINT
from layergate.sources.sls_sources import partition_of
from layergate.sources.sls_tree import Item, Unresolved, Use, render, scalar_text

_SUB_VAR = re.compile(r"\$\{([^}]*)\}")


def layer_logical_id(name: str) -> str:
    """The framework's logical id for ``layers.<name>`` (lib/plugins/aws/lib/naming.js)."""
    return normalized_name(name) + "LambdaLayer"


def function_logical_id(name: str) -> str:
    return normalized_name(name) + "LambdaFunction"


def normalized_name(name: str) -> str:
    text = name.replace("-", "Dash").replace("_", "Underscore")
    return text[:1].upper() + text[1:]


@dataclass(frozen=True, slots=True)
class EntryValue:
    resolution: Resolution
    candidates: tuple[Candidate, ...] = ()
    layer_def: str | None = None


class _Unknown(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def evaluate_entry(item: Item, internal: Mapping[str, str], region: str | None) -> EntryValue:
    """``internal`` maps the logical ids of layers this configuration publishes to their LayerDef ids."""
    value = item.value
    if isinstance(value, Unresolved):
        return EntryValue(Resolution(value.kind, value.reason))
    if isinstance(value, list):
        return _unknown(f"{render(item)} is a list, not a layer ARN")
    if isinstance(value, dict):
        return _intrinsic(item, internal, region)
    if value is None:
        return _unknown("the entry is empty")
    tied = region if any(u.kind == "region" for u in item.uses) else None
    return EntryValue(resolution_of(item.uses), (Candidate(scalar_text(value), tied),))


def resolution_of(uses: tuple[Use, ...]) -> Resolution:
    """LITERAL when the value is written in the repository (possibly through self/file variables),
    PARAMETER when a value the deploy chooses (stage, option, env, param) went into it."""
    params = [u for u in uses if u.kind == "parameter"]
    if params:
        detail = ", ".join(dict.fromkeys(u.text for u in params))
        source = ", ".join(dict.fromkeys(u.source for u in params if u.source))
        return Resolution(ResolutionKind.PARAMETER, detail, source)
    return Resolution(ResolutionKind.LITERAL, ", ".join(dict.fromkeys(u.text for u in uses)))


def _unknown(reason: str) -> EntryValue:
    return EntryValue(Resolution(ResolutionKind.UNKNOWN, reason))


def _intrinsic(item: Item, internal: Mapping[str, str], region: str | None) -> EntryValue:
    value = item.value
    if len(value) != 1:
        return _unknown(f"{render(item)} is a mapping, not a layer ARN")
    name, arg = next(iter(value.items()))
    if name not in ("Ref", "Condition") and not name.startswith("Fn::"):
        return _unknown(f"{render(item)} is a mapping, not a layer ARN")
    if name == "Ref" and isinstance(arg.value, str):
        target = arg.value
        if target in internal:
            return EntryValue(Resolution(ResolutionKind.INTERNAL, f"Ref {target}"), layer_def=internal[target])
        return _unknown(f"Ref {target}: not a layer this configuration defines (layers: or resources.Resources)")
    if name == "Fn::GetAtt":
        parts = [scalar_text(p.value) for p in arg.value] if isinstance(arg.value, list) else [render(arg)]
        target, attr = [*parts, ""][:2]
        if target in internal and attr == "LayerVersionArn":
            return EntryValue(Resolution(ResolutionKind.INTERNAL, f"Fn::GetAtt {target}.{attr}"),
                              layer_def=internal[target])
        if attr.startswith("Outputs."):
            return _unknown(f"Fn::GetAtt {target}.{attr}: an output of nested stack {target}, which this scan"
                            " does not see")
        return _unknown(f"Fn::GetAtt {target}.{attr}: an attribute known only after deploy")
    if name == "Fn::ImportValue":
        return _unknown(f"Fn::ImportValue {render(arg)}: a value exported by another stack")
    if name in ("Fn::Sub", "Fn::Join"):
        try:
            text, regional = _string(item, internal, region)
        except _Unknown as exc:
            return _unknown(exc.reason)
        if text in internal.values():
            return EntryValue(Resolution(ResolutionKind.INTERNAL, render(item)), layer_def=text)
        return EntryValue(resolution_of(item.uses), (Candidate(text, region if regional else None),))
    return _unknown(f"{name}: layergate does not evaluate it in a Serverless layer list")


def _string(item: Item, internal: Mapping[str, str], region: str | None) -> tuple[str, bool]:
    """A string-valued intrinsic as text, and whether it depends on the deploy region.

    A whole ``${Layer}`` naming an internal layer comes back as that layer's LayerDef id.
    """
    value = item.value
    if isinstance(value, Unresolved):
        raise _Unknown(value.reason)
    if not isinstance(value, dict):
        if isinstance(value, list):
            raise _Unknown(f"{render(item)} is a list where a string is needed")
        return scalar_text(value), any(u.kind == "region" for u in item.uses)
    if len(value) != 1:
        raise _Unknown(f"{render(item)} is a mapping where a string is needed")
    name, arg = next(iter(value.items()))
    if name == "Ref" and isinstance(arg.value, str):
        return _pseudo(arg.value, internal, region)
    if name == "Fn::Join" and isinstance(arg.value, list) and len(arg.value) == 2 and arg.value[1].is_list:
        delimiter = scalar_text(arg.value[0].value)
        parts = [_string(p, internal, region) for p in arg.value[1].value]
        return delimiter.join(p[0] for p in parts), any(p[1] for p in parts)
    if name == "Fn::Sub":
        template, bindings = arg, {}
        if isinstance(arg.value, list) and len(arg.value) == 2 and arg.value[1].is_map:
            template, bindings = arg.value[0], arg.value[1].value
        if not isinstance(template.value, str):
            raise _Unknown(f"Fn::Sub {render(template)}: the template is not a string")
        regional = False

        def sub(m: re.Match[str]) -> str:
            nonlocal regional
            key = m.group(1)
            if key.startswith("!"):
                return "${" + key[1:] + "}"
            text, tied = _string(bindings[key], internal, region) if key in bindings else _pseudo(key, internal,
                                                                                                   region)
            regional = regional or tied
            return text

        return _SUB_VAR.sub(sub, template.value), regional
    raise _Unknown(f"{name}: layergate does not evaluate it in a Serverless layer list")


def _pseudo(name: str, internal: Mapping[str, str], region: str | None) -> tuple[str, bool]:
    if name in ("AWS::Region", "AWS::Partition", "AWS::URLSuffix"):
        if region is None:
            raise _Unknown(f"{name}: the deploy region is not known (provider.region is decided at deploy time)")
        return _regional(name, region), True
    if name in internal:
        return internal[name], False
    if name == "AWS::AccountId":
        raise _Unknown(f"AWS::AccountId: {ACCOUNT_HINT}")
    raise _Unknown(f"${{{name}}}: not a value layergate knows in a Serverless layer list")


def _regional(name: str, region: str) -> str:
    if name == "AWS::Region":
        return region
    if name == "AWS::Partition":
        return partition_of(region)
    return "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
