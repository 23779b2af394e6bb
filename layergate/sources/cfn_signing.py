"""Code signing in a template: ``AWS::Lambda::CodeSigningConfig`` resources and functions' ``CodeSigningConfigArn``.

A config's allowed profiles are read item by item: a literal profile version ARN, or ``!GetAtt
P.ProfileVersionArn`` / ``!Ref P`` of an ``AWS::Signer::SigningProfile`` the template defines with a
``ProfileName`` (then only the name is known). A function's config is one the template defines (``!Ref C``,
``!GetAtt C.CodeSigningConfigArn``) or an ARN. What cannot be determined keeps its reason (LG305 fails closed).
"""

from __future__ import annotations

from collections.abc import Sequence

from yaml.nodes import Node, ScalarNode, SequenceNode

from layergate.model import CodeSigningConfig, CodeSigningUse, SigningProfileRef
from layergate.sources.cfn_intrinsics import Evaluator
from layergate.sources.cfn_nodes import fields, intrinsic, is_null, text
from layergate.sources.cfn_resources import location, single

CONFIG_TYPE = "AWS::Lambda::CodeSigningConfig"
PROFILE_TYPE = "AWS::Signer::SigningProfile"
_DEFAULT_ENFORCEMENT = "Warn"  # what Lambda applies when CodeSigningPolicies is not written


def profile_names(resources: Sequence[tuple[str, Node, str, dict[str, Node]]]) -> dict[str, str]:
    """Logical id -> ProfileName ("" when the name is generated at deploy) of the template's signing profiles."""
    return {logical_id: text(fields(attributes.get("Properties")).get("ProfileName")) or ""
            for logical_id, _key, rtype, attributes in resources if rtype == PROFILE_TYPE}


def config(ev: Evaluator, logical_id: str, key: Node, props: dict[str, Node],
           profiles: dict[str, str]) -> CodeSigningConfig:
    base = f"Resources/{logical_id}/Properties"
    here = location(ev, key, f"Resources/{logical_id}")
    policies = fields(props.get("CodeSigningPolicies"))
    node = policies.get("UntrustedArtifactOnDeployment")
    enforcement, problem, where = _DEFAULT_ENFORCEMENT, "", here
    if node is not None:
        where = location(ev, node, f"{base}/CodeSigningPolicies/UntrustedArtifactOnDeployment")
        value = single(ev, node)
        enforcement = value or ""
        if value is None:
            problem = f"UntrustedArtifactOnDeployment is {ev.render(node)}, which layergate cannot determine"
    arns_node = fields(props.get("AllowedPublishers")).get("SigningProfileVersionArns")
    path = f"{base}/AllowedPublishers/SigningProfileVersionArns"
    refs: list[SigningProfileRef] = []
    if isinstance(arns_node, SequenceNode) and intrinsic(arns_node) is None:
        refs = [_profile(ev, item, f"{path}/{i}", profiles) for i, item in enumerate(arns_node.value)]
    elif arns_node is not None and not is_null(arns_node):
        refs = [SigningProfileRef("", "", location(ev, arns_node, path),
                                  f"the allowed profiles are computed ({ev.render(arns_node)})")]
    return CodeSigningConfig(logical_id, here, enforcement, where, tuple(refs), problem)


def _profile(ev: Evaluator, node: Node, path: str, profiles: dict[str, str]) -> SigningProfileRef:
    where = location(ev, node, path)
    target = _local_target(node, profiles, "ProfileVersionArn")
    if target is not None:
        name = profiles[target]
        if name:
            return SigningProfileRef("", name, where)
        return SigningProfileRef("", "", where, f"signing profile {target} has no ProfileName: its name is "
                                                 "generated at deploy")
    value = single(ev, node)
    if value is None:
        return SigningProfileRef("", "", where, f"{ev.render(node)} cannot be determined")
    return SigningProfileRef(value, "", where)


def use(ev: Evaluator, node: Node | None, path: str, configs: set[str]) -> CodeSigningUse | None:
    """A function's ``CodeSigningConfigArn`` (None when it has none)."""
    if node is None or is_null(node):
        return None
    where = location(ev, node, path)
    target = _local_target(node, configs, "CodeSigningConfigArn")
    if target is not None:
        return CodeSigningUse(target, where, local=True)
    value = single(ev, node)
    if value is None:
        return CodeSigningUse(ev.render(node), where, problem=f"{ev.render(node)} cannot be determined")
    return CodeSigningUse(value, where)


def _local_target(node: Node, names: dict[str, str] | set[str], attribute: str) -> str | None:
    """The logical id ``!Ref X`` or ``!GetAtt X.<attribute>`` names, when X is one of ``names``."""
    call = intrinsic(node)
    if call is None:
        return None
    arg = call.arg
    plain = str(arg.value) if isinstance(arg, ScalarNode) and not is_null(arg) else None  # !Ref X: the node itself
    if call.name == "Ref":
        target = plain
    elif call.name == "Fn::GetAtt":
        if isinstance(arg, SequenceNode) and len(arg.value) == 2:
            target, attr = text(arg.value[0]), text(arg.value[1])
        else:
            target, _, attr = (plain or "").partition(".")
        if attr != attribute:
            return None
    else:
        return None
    return target if target is not None and target in names else None
