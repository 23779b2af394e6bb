"""Terraform plan JSON (``terraform show -json <planfile>``): functions, their layers, published layers
and their permissions.

Read with the C-accelerated stdlib ``json`` in one pass, then only the resources of three types are
looked at. Findings point at the plan file with the resource address as path, or at the ``.tf`` line
when the sources are at hand (``--tf-dir``, by default the plan file's directory).
"""

from __future__ import annotations

import gc
import json
import os

from layergate import records
from layergate.errors import InputError
from layergate.model import ContentSource, Function, LayerDef, LayerGrant, LayerRef, Location, Scan
from layergate.sources import NotThisFormat, ParseOptions

TYPE_CHECKING = False  # typing is for the type checker: importing it costs every start of the CLI
if TYPE_CHECKING:  # the parts are imported by parse(): detect() runs for every candidate file
    from typing import Any

    from layergate.sources.tf_config import ConfigIndex
    from layergate.sources.tf_files import TfSources
    from layergate.sources.tf_plan import PlanResource

FORMAT = "terraform-plan"
SUPPORTED_MAJOR = "1"
MAX_FILE_BYTES = 2 * 1024 * 1024 * 1024  # larger than any plan a CI runner could produce and read
_PLAN_KEYS = ('"planned_values"', '"resource_changes"', '"terraform_version"')
AFTER_APPLY = "(known after apply)"


def detect(path: str, head: str) -> bool:
    """A JSON object with ``format_version`` and a plan's keys, whatever the file is called.

    NULs are dropped first: PowerShell's ``>`` writes UTF-16, which ``json`` reads as well.
    """
    text = head.replace("\x00", "").lstrip("\ufeff\ufffd \t\r\n")
    return text.startswith("{") and '"format_version"' in text and any(k in text for k in _PLAN_KEYS)


def parse(path: str, options: ParseOptions) -> list[Scan]:
    # A plan is millions of small containers and none is garbage until the whole plan is: without the
    # cyclic collector, which would walk them again and again while they are built, loading takes less
    # than half the time. Reference counting still frees the plan when parse returns.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _parse(path, options)
    finally:
        if enabled:
            gc.enable()


def _parse(path: str, options: ParseOptions) -> list[Scan]:
    from layergate.sources.tf_config import ConfigIndex
    from layergate.sources.tf_files import TfSources
    from layergate.sources.tf_layers import LayerResolver
    from layergate.sources.tf_plan import index_plan
    from layergate.sources.tf_signing import configs as signing_configs
    from layergate.sources.tf_signing import use as signing_use

    plan = load(path)
    if "planned_values" not in plan and "resource_changes" not in plan:
        raise NotThisFormat("a Terraform JSON document without planned_values or resource_changes (not a plan)")
    index = index_plan(plan, path)
    config = ConfigIndex(plan.get("configuration"))
    variables = plan.get("variables")
    variables = variables if isinstance(variables, dict) else {}
    tf_dir = options.tf_dir if options.tf_dir is not None else (os.path.dirname(path) or ".")
    if not os.path.isdir(tf_dir):
        raise InputError(f"--tf-dir {tf_dir}: not a directory", path)
    tf = TfSources(tf_dir, config)
    resolver = LayerResolver(path, index, config, variables, tf)

    functions: list[Function] = []
    refs: list[LayerRef] = []
    for address, resource in index.functions.items():
        functions.append(Function(address, Location(path, 0, 0, address),
                                  signing_use(resource, index, config, lambda a: _where(path, a, tf))))
        refs.extend(resolver.refs(resource))
    defs = [_layer_def(path, r, tf, tf_dir, options.root) for r in index.layer_versions.values()]
    grants = [_grant(path, r, config, tf) for r in index.permissions.values()]
    return [
        Scan(
            file=path,
            format=FORMAT,
            functions=tuple(functions),
            refs=tuple(refs),
            layer_defs=tuple(defs),
            grants=tuple(grants),
            regions=config.provider_regions(variables),
            signing_configs=tuple(signing_configs(index, config, lambda a: _where(path, a, tf))),
        )
    ]


def load(path: str) -> dict[str, Any]:
    """The plan as Python values; any problem is one line with the position (exit 2)."""
    try:
        if os.path.getsize(path) > MAX_FILE_BYTES:
            raise InputError(f"larger than {MAX_FILE_BYTES // 2**30} GB; not read", path)
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
    try:
        plan = json.loads(data)
    except json.JSONDecodeError as exc:
        # Strings cannot hold a raw newline, so an unterminated one ran into the end of the file.
        truncated = exc.pos >= len(data.rstrip()) or exc.msg.startswith("Unterminated string")
        what = "JSON ends early (truncated plan?)" if truncated else "invalid JSON"
        raise InputError(f"{what}: {exc.msg}", path, exc.lineno, exc.colno) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text: {exc.reason} at byte {exc.start}", path) from None
    except RecursionError:
        raise InputError("JSON nested too deeply to read", path) from None
    if not isinstance(plan, dict):
        raise NotThisFormat("a JSON document that is not an object")
    version = plan.get("format_version")
    if version is None:
        raise NotThisFormat("a JSON document without format_version")
    if not isinstance(version, str) or version.split(".", 1)[0] != SUPPORTED_MAJOR:
        raise InputError(
            f"plan format_version {version!r} is not supported (layergate reads format 1.x, written by"
            " `terraform show -json` since Terraform 0.12)",
            path,
        )
    return plan


def _where(path: str, address: str, tf: TfSources) -> Location:
    """The resource block in the .tf sources when found there, else the plan with the address."""
    from layergate.sources.tf_address import parse_address

    parsed = parse_address(address)
    if parsed is not None:
        found = tf.block(parsed.module.scope, "resource", parsed.type_name)
        if found is not None:
            return records.replace(found, path=address)
    return Location(path, 0, 0, address)


def _text(resource: PlanResource, attribute: str) -> str | None:
    """A string attribute's value; ``(known after apply)`` when the plan says it is unknown."""
    if resource.is_unknown(attribute):
        return AFTER_APPLY
    value = resource.values.get(attribute)
    return value if isinstance(value, str) and value else None


def _layer_def(path: str, resource: PlanResource, tf: TfSources, tf_dir: str, root: str) -> LayerDef:
    address = resource.address
    bucket, key, filename = _text(resource, "s3_bucket"), _text(resource, "s3_key"), _text(resource, "filename")
    if bucket or key:
        content = ContentSource("s3", f"s3://{bucket or AFTER_APPLY}/{key or AFTER_APPLY}",
                                object_version=_text(resource, "s3_object_version"))
    elif filename:
        content = ContentSource("local", filename, local_path=_local_path(filename, tf_dir, root))
    else:
        content = ContentSource("unknown", "")
    name = _text(resource, "layer_name") or address
    return LayerDef(address, name, _where(path, address, tf), content)


def _local_path(filename: str, tf_dir: str, root: str) -> str | None:
    """The layer zip or directory, when it exists inside the repository (Terraform resolves relative
    paths against the root module's directory)."""
    if filename == AFTER_APPLY:
        return None
    candidate = os.path.normpath(os.path.join(tf_dir, filename))
    real, top = os.path.realpath(candidate), os.path.realpath(root)
    if not os.path.exists(candidate) or os.path.commonpath([real, top]) != top:
        return None
    return candidate


def _grant(path: str, resource: PlanResource, config: ConfigIndex, tf: TfSources) -> LayerGrant:
    address = resource.address
    principal = _text(resource, "principal") or AFTER_APPLY
    organization = _text(resource, "organization_id")
    return LayerGrant(_granted_layer(resource, config), principal, organization, _where(path, address, tf), address)


def _granted_layer(resource: PlanResource, config: ConfigIndex) -> str:
    """The LayerDef address when ``layer_name`` refers to a layer of this configuration, else the ARN."""
    from layergate.sources.tf_address import parse_address

    parsed = parse_address(resource.address)
    if parsed is not None:
        block = config.resource(parsed.module.scope, parsed.resource)
        expr = config.expression(block, "layer_name")
        for root in expr.roots if expr else ():
            if root.startswith("aws_lambda_layer_version."):
                return parsed.module.prefix + root
    name = _text(resource, "layer_name") or AFTER_APPLY
    version = resource.values.get("version_number")
    if name.startswith("arn:") and isinstance(version, int) and name.count(":") == 6:
        return f"{name}:{version}"
    return name
