"""AWS CDK cloud assemblies (``cdk.out``): every stack template, nested stacks and nested assemblies.

The templates are CloudFormation and are read by the CloudFormation source; this module finds them
through ``manifest.json`` and adds what a CDK user recognizes: the construct path of each resource
(``/ApiStack/Handler/Resource``), from the resource's ``aws:cdk:path`` metadata or, in assemblies
synthesized without path metadata, from the manifest's ``aws:cdk:logicalId`` entries. A stack synthesized
for a concrete environment (``aws://123456789012/eu-west-1``) deploys to that region only.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from typing import Any

from layergate import records
from layergate.errors import InputError
from layergate.model import CodeSigningConfig, ContentSource, Function, Location, Scan
from layergate.sources import NotThisFormat, ParseOptions

FORMAT = "cdk"
MANIFEST = "manifest.json"
MAX_ASSEMBLY_DEPTH = 8  # nested assemblies (pipeline stages) seldom go past 2


def detect(path: str, head: str) -> bool:
    """An explicitly named ``manifest.json`` of a cloud assembly."""
    return os.path.basename(path) == MANIFEST and _looks_like_manifest(head)


def detect_dir(path: str) -> bool:
    manifest = os.path.join(path, MANIFEST)
    if not os.path.isfile(manifest):
        return False
    try:
        with open(manifest, encoding="utf-8", errors="replace") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return _looks_like_manifest(head)


def _looks_like_manifest(head: str) -> bool:
    return '"artifacts"' in head and '"version"' in head


def parse(path: str, options: ParseOptions) -> list[Scan]:
    directory = path if os.path.isdir(path) else os.path.dirname(path) or "."
    return list(_assembly(directory, options, depth=0, root=directory))


def _load_json(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", path, exc.lineno, exc.colno) from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", path) from None


def _assembly(directory: str, options: ParseOptions, depth: int, root: str) -> Iterator[Scan]:
    manifest_path = os.path.join(directory, MANIFEST)
    if depth > MAX_ASSEMBLY_DEPTH:
        raise InputError(f"cloud assemblies nested deeper than {MAX_ASSEMBLY_DEPTH} levels", manifest_path)
    manifest = _load_json(manifest_path)
    artifacts = manifest.get("artifacts") if isinstance(manifest, dict) else None
    if not isinstance(artifacts, dict):
        raise NotThisFormat(f"{manifest_path}: no artifacts: not a CDK cloud assembly manifest")
    for artifact_id, artifact in artifacts.items():
        if not isinstance(artifact, dict):
            continue
        kind = artifact.get("type")
        props = artifact.get("properties") or {}
        if kind == "aws:cloudformation:stack":
            yield from _stack(directory, root, artifact_id, artifact, props, options)
        elif kind == "cdk:cloud-assembly" and isinstance(props.get("directoryName"), str):
            inner = _inside(root, directory, props["directoryName"], manifest_path)
            yield from _assembly(inner, options, depth + 1, root)
        # Other artifact types (asset manifests, tree, feature-flag reports) hold no layers.


def _inside(root: str, directory: str, name: str, referrer: str) -> str:
    """Join a manifest-relative path, refusing one that leaves the top assembly (nested assemblies share
    the top one's assets, so ``../asset.<hash>`` from a nested assembly is fine)."""
    joined = os.path.normpath(os.path.join(directory, name))
    top = os.path.normpath(root)
    if os.path.commonpath([top, joined]) != top:
        raise InputError(f"{name!r} points outside the cloud assembly", referrer)
    return joined


def _stack(directory: str, root: str, artifact_id: str, artifact: dict[str, Any], props: dict[str, Any],
           options: ParseOptions) -> Iterator[Scan]:
    from layergate.sources import cloudformation

    manifest_path = os.path.join(directory, MANIFEST)
    template_file = props.get("templateFile")
    if not isinstance(template_file, str):
        raise InputError(f"stack artifact {artifact_id!r} has no templateFile", manifest_path)
    region = _environment_region(artifact.get("environment"))
    stack_options = records.replace(options, regions=(region,)) if region else options
    account = _environment_account(artifact.get("environment"))
    if account:  # a stack bound to an account deploys there, whatever the policy says of other files
        stack_options = records.replace(stack_options, deploy_accounts=((None, (account,)),))
    metadata = _metadata(root, directory, artifact, manifest_path)
    logical_paths = _logical_id_paths(metadata)

    queue = [(_inside(root, directory, template_file, manifest_path), "")]
    queue.extend(
        (_inside(root, directory, nested, manifest_path), prefix) for nested, prefix in _nested_templates(metadata)
    )
    done: set[str] = set()
    while queue:
        template_path, prefix = queue.pop(0)
        if template_path in done:
            continue
        done.add(template_path)
        if not os.path.isfile(template_path):
            raise InputError(f"template {os.path.basename(template_path)!r} named by the manifest is missing",
                             manifest_path)
        facts = _template_facts(template_path)
        paths = dict(facts.paths)
        for logical_id, construct in logical_paths.items():
            if construct.startswith(prefix):
                paths.setdefault(logical_id, construct)
        # Nested stacks named only by their resource's asset metadata (assemblies made by the CDK CLI).
        queue.extend((_inside(root, directory, nested, manifest_path), prefix) for nested in facts.nested)
        assets = {
            lid: _asset_content(root, directory, asset, manifest_path) for lid, asset in facts.layer_assets.items()
        }
        for scan in cloudformation.parse(template_path, stack_options):
            yield _with_constructs(scan, paths, region, assets)


def _environment_account(environment: Any) -> str | None:
    """``aws://123456789012/eu-west-1`` -> 123456789012; ``aws://unknown-account/...`` gives None."""
    if not isinstance(environment, str) or not environment.startswith("aws://"):
        return None
    account = environment[len("aws://"):].partition("/")[0]
    return account if account.isdigit() and len(account) == 12 else None


def _environment_region(environment: Any) -> str | None:
    """``aws://123456789012/eu-west-1`` -> eu-west-1; environment-agnostic stacks give None."""
    if not isinstance(environment, str) or not environment.startswith("aws://"):
        return None
    region = environment[len("aws://"):].partition("/")[2]
    return None if not region or region.startswith("unknown-") else region


def _metadata(root: str, directory: str, artifact: dict[str, Any], manifest_path: str) -> dict[str, Any]:
    """Construct-path metadata: inline in the manifest, or (newer CDK) in an additional metadata file."""
    merged: dict[str, Any] = {}
    inline = artifact.get("metadata")
    if isinstance(inline, dict):
        merged.update(inline)
    extra = artifact.get("additionalMetadataFile")
    if isinstance(extra, str):
        extra_path = _inside(root, directory, extra, manifest_path)
        if os.path.isfile(extra_path):
            loaded = _load_json(extra_path)
            if isinstance(loaded, dict):
                merged.update(loaded)
    return merged


def _entries(metadata: dict[str, Any], kind: str) -> Iterator[tuple[str, Any]]:
    for construct, entries in metadata.items():
        if isinstance(entries, list):
            for entry in entries:
                if isinstance(entry, dict) and entry.get("type") == kind:
                    yield construct, entry.get("data")


def _logical_id_paths(metadata: dict[str, Any]) -> dict[str, str]:
    return {data: construct for construct, data in _entries(metadata, "aws:cdk:logicalId") if isinstance(data, str)}


def _nested_templates(metadata: dict[str, Any]) -> list[tuple[str, str]]:
    """(template file, construct path prefix) of each nested stack; the stack's own template is not nested."""
    found = []
    for construct, data in _entries(metadata, "aws:cdk:templateFile"):
        if isinstance(data, str) and data.endswith(".nested.template.json"):
            found.append((data, construct + "/"))
    return found


@records.dataclass(frozen=True, slots=True)
class _TemplateFacts:
    paths: dict[str, str]  # logical id -> construct path (aws:cdk:path)
    layer_assets: dict[str, str]  # LayerVersion logical id -> asset folder or zip in the assembly
    nested: tuple[str, ...]  # nested stack templates named by aws:asset:path


def _template_facts(template_path: str) -> _TemplateFacts:
    """What the CDK writes into each resource's Metadata, read with the plain JSON reader."""
    template = _load_json(template_path)
    resources = template.get("Resources") if isinstance(template, dict) else None
    paths: dict[str, str] = {}
    assets: dict[str, str] = {}
    nested: list[str] = []
    for logical_id, resource in (resources.items() if isinstance(resources, dict) else ()):
        meta = resource.get("Metadata") if isinstance(resource, dict) else None
        if not isinstance(meta, dict):
            continue
        if isinstance(meta.get("aws:cdk:path"), str):
            paths[logical_id] = "/" + meta["aws:cdk:path"].lstrip("/")
        asset = meta.get("aws:asset:path")
        if not isinstance(asset, str):
            continue
        if asset.endswith(".nested.template.json"):
            nested.append(asset)
        elif meta.get("aws:asset:property") == "Content" and resource.get("Type") == "AWS::Lambda::LayerVersion":
            assets[logical_id] = asset
    return _TemplateFacts(paths, assets, tuple(nested))


def _asset_content(root: str, directory: str, asset: str, manifest_path: str) -> ContentSource:
    """A layer asset: the CDK uploads this folder or zip under a key derived from its content hash."""
    local = _inside(root, directory, asset, manifest_path)
    return ContentSource(kind="local", uri=asset, local_path=local if os.path.exists(local) else None)


def _function_constructs(function: Function, loc: Callable[[Location, str], Location]) -> Function:
    use = function.code_signing
    return records.replace(function, location=loc(function.location, function.id), code_signing=None
                               if use is None else records.replace(use, location=loc(use.location, function.id)))


def _config_constructs(config: CodeSigningConfig, loc: Callable[[Location, str], Location]) -> CodeSigningConfig:
    """A code signing config's places, each with the construct path of the config."""
    return records.replace(
        config, location=loc(config.location, config.id),
        enforcement_location=loc(config.enforcement_location, config.id),
        profiles=tuple(records.replace(p, location=loc(p.location, config.id)) for p in config.profiles))


def _with_constructs(scan: Scan, paths: dict[str, str], region: str | None,
                     assets: dict[str, ContentSource]) -> Scan:
    def loc(location: Location, logical_id: str) -> Location:
        construct = paths.get(logical_id.split("/")[0])
        if not construct:
            return location
        # A value written elsewhere in the template already names the entry that uses it.
        return records.replace(location, context=f"{construct}; {location.context}" if location.context
                                   else construct)

    return records.replace(
        scan,
        format=FORMAT,
        functions=tuple(_function_constructs(f, loc) for f in scan.functions),
        signing_configs=tuple(_config_constructs(c, loc) for c in scan.signing_configs),
        refs=tuple(records.replace(r, location=loc(r.location, r.consumer)) for r in scan.refs),
        layer_defs=tuple(
            records.replace(d, location=loc(d.location, d.id), content=assets.get(d.id, d.content))
            for d in scan.layer_defs
        ),
        grants=tuple(records.replace(g, location=loc(g.location, g.location.path.split("/")[1]
                                                         if g.location.path.startswith("Resources/") else ""))
                     for g in scan.grants),
        regions=(region,) if region else scan.regions,
    )
