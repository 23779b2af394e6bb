"""Layers a template publishes (``LayerDef``), who may use them (``LayerGrant``) and inline suppressions."""

from __future__ import annotations

import os
from itertools import product

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from layergate.errors import InputError
from layergate.model import ContentSource, InlineSuppression, LayerDef, LayerGrant, Location, ResolutionKind
from layergate.sources.cfn_intrinsics import Evaluator
from layergate.sources.cfn_layers import resolve
from layergate.sources.cfn_nodes import fields, intrinsic, is_null, kind_of, text
from layergate.sources.cfn_values import InternalLayer


def location(ev: Evaluator, node: Node, path: str) -> Location:
    mark = node.start_mark
    return Location(ev.info.path, mark.line + 1, mark.column + 1, path)


def single(ev: Evaluator, node: Node | None) -> str | None:
    """The one string ``node`` evaluates to, or None when it is not exactly one known string."""
    if node is None:
        return None
    plain = text(node)
    if plain is not None:
        return plain
    resolved = resolve(ev.finish(ev.value(node)))
    if len(resolved) == 1:
        resolution, candidates, _, _ = resolved[0]
        values = {c.value for c in candidates}
        if resolution.kind in (ResolutionKind.LITERAL, ResolutionKind.PARAMETER) and len(values) == 1:
            return values.pop()
    return None


def _shown(ev: Evaluator, node: Node) -> str:
    return single(ev, node) or ev.render(node)


def layer_def(ev: Evaluator, logical_id: str, key: Node, rtype: str, props: dict[str, Node],
              template_dir: str, root: str) -> LayerDef:
    name_node = props.get("LayerName")
    name = _shown(ev, name_node) if name_node is not None else logical_id
    if rtype == "AWS::Serverless::LayerVersion":
        content = _content_uri(ev, props.get("ContentUri"), template_dir, root)
    else:
        content = _content(ev, props.get("Content"))
    return LayerDef(logical_id, name, location(ev, key, f"Resources/{logical_id}"), content)


def _content(ev: Evaluator, node: Node | None) -> ContentSource:
    """``AWS::Lambda::LayerVersion`` ``Content: {S3Bucket, S3Key, S3ObjectVersion}``."""
    if node is None or not isinstance(node, MappingNode) or intrinsic(node) is not None:
        return ContentSource("unknown", ev.render(node) if node is not None else "")
    parts = fields(node)
    bucket, key = parts.get("S3Bucket"), parts.get("S3Key")
    if bucket is None or key is None:
        return ContentSource("unknown", ev.render(node))
    version = parts.get("S3ObjectVersion")
    return ContentSource("s3", f"s3://{_shown(ev, bucket)}/{_shown(ev, key)}",
                         _shown(ev, version) if version is not None else None)


def _content_uri(ev: Evaluator, node: Node | None, template_dir: str, root: str) -> ContentSource:
    """``AWS::Serverless::LayerVersion`` ``ContentUri``: ``s3://b/k``, ``{Bucket, Key, Version}`` or a path."""
    if node is None:
        return ContentSource("unknown")
    if isinstance(node, MappingNode) and intrinsic(node) is None:
        parts = fields(node)
        bucket, key, version = parts.get("Bucket"), parts.get("Key"), parts.get("Version")
        if bucket is None or key is None:
            return ContentSource("unknown", ev.render(node))
        return ContentSource("s3", f"s3://{_shown(ev, bucket)}/{_shown(ev, key)}",
                             _shown(ev, version) if version is not None else None)
    uri = single(ev, node)
    if uri is None:
        return ContentSource("unknown", ev.render(node))
    if uri.startswith("s3://"):
        from urllib.parse import parse_qs, urlsplit  # only for S3 content (urllib.parse costs ~3 ms to import)

        split = urlsplit(uri)
        pinned = parse_qs(split.query).get("versionId")
        return ContentSource("s3", f"s3://{split.netloc}{split.path}", pinned[0] if pinned else None)
    return ContentSource("local", uri, local_path=_local_path(uri, template_dir, root))


def _local_path(uri: str, template_dir: str, root: str) -> str | None:
    """The content directory or zip, when it exists inside the repository root."""
    candidate = os.path.normpath(os.path.join(template_dir, uri))
    if not os.path.exists(candidate):
        return None
    real, real_root = os.path.realpath(candidate), os.path.realpath(root)
    if real != real_root and not real.startswith(real_root.rstrip(os.sep) + os.sep):
        return None
    return candidate


def grants(ev: Evaluator, logical_id: str, key: Node, props: dict[str, Node]) -> list[LayerGrant]:
    """One grant per possible (principal, organization) of an ``AWS::Lambda::LayerVersionPermission``."""
    where = location(ev, key, f"Resources/{logical_id}")
    arn_node = props.get("LayerVersionArn")
    layer = _granted_layer(ev, arn_node) if arn_node is not None else "<unknown: no LayerVersionArn>"
    principals = _strings(ev, props.get("Principal")) or ["<unknown: no Principal>"]
    org_node = props.get("OrganizationId")
    orgs: list[str | None] = list(_strings(ev, org_node)) if org_node is not None else [None]
    return [LayerGrant(layer, principal, org, where, logical_id) for principal, org in product(principals, orgs)]


def _granted_layer(ev: Evaluator, node: Node) -> str:
    alts = ev.finish(ev.value(node)).alts
    if alts and all(isinstance(a.value, InternalLayer) for a in alts) and len({a.value for a in alts}) == 1:
        value = alts[0].value
        assert isinstance(value, InternalLayer)
        return value.layer
    return text(node) or ev.render(node)


def _strings(ev: Evaluator, node: Node | None) -> list[str]:
    """Every string a principal-like value can take; what cannot be known becomes ``<unknown: reason>``."""
    if node is None or is_null(node):
        return []
    plain = text(node)
    if plain is not None:
        return [plain]
    out: list[str] = []
    for resolution, candidates, layer, _ in resolve(ev.finish(ev.value(node))):
        out.extend(c.value for c in candidates)
        if layer is not None and resolution.kind == ResolutionKind.INTERNAL:
            out.append(f"<unknown: the ARN of layer {layer}>")
        elif resolution.kind in (ResolutionKind.UNKNOWN, ResolutionKind.DYNAMIC):
            out.append(f"<unknown: {resolution.detail}>")
    return list(dict.fromkeys(out))


def suppressions(ev: Evaluator, logical_id: str, metadata: Node | None) -> list[InlineSuppression]:
    """``Metadata: layergate: ignore: [LG201, {rule: LG301, reason: ...}]`` on one resource."""
    settings = fields(metadata).get("layergate")
    if settings is None:
        return []
    base = f"Resources/{logical_id}/Metadata/layergate"
    if not isinstance(settings, MappingNode) or intrinsic(settings) is not None:
        raise _error(ev, settings, f"{base} must be a mapping with an `ignore` list, found {kind_of(settings)}")
    for name, node in fields(settings).items():
        if name != "ignore":
            raise _error(ev, node, f"{base}: unknown key {name!r} (expected `ignore`)")
    ignore = fields(settings).get("ignore")
    if ignore is None or is_null(ignore):
        return []
    items = ignore.value if isinstance(ignore, SequenceNode) else [ignore]
    out: list[InlineSuppression] = []
    for i, item in enumerate(items):
        rule, reason = _ignore_entry(ev, item, f"{base}/ignore")
        out.append(InlineSuppression(logical_id, (rule,), reason, location(ev, item, f"{base}/ignore/{i}")))
    return out


def _ignore_entry(ev: Evaluator, item: Node, path: str) -> tuple[str, str]:
    rule = text(item) if isinstance(item, ScalarNode) else None
    if rule:
        return rule.strip(), ""
    if isinstance(item, MappingNode) and intrinsic(item) is None:
        entry = fields(item)
        unknown_keys = sorted(set(entry) - {"rule", "reason"})
        rule = text(entry.get("rule"))
        if unknown_keys:
            raise _error(ev, item, f"{path}: unknown key {unknown_keys[0]!r} (expected rule and reason)")
        if rule:
            return rule.strip(), text(entry.get("reason")) or ""
    raise _error(ev, item, f"{path}: each entry is a rule id or slug, or {{rule: ..., reason: ...}}")


def _error(ev: Evaluator, node: Node, message: str) -> InputError:
    mark = node.start_mark
    return InputError(message, ev.info.path, mark.line + 1, mark.column + 1)
