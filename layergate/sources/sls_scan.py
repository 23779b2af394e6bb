"""One evaluation of a Serverless configuration (one stage, one region) into a ``Scan``.

A function's ``layers`` replaces ``provider.layers`` (no merge) and ``layers: []`` clears it
(lib/plugins/aws/package/compile/functions.js); an image function has no layers. Each layer entry points
at where its value is written: the list item, or, for a value that came through a variable (``custom``,
a ``params`` entry, an included file, an item of a list that came whole from a variable), that place,
with the entry that uses it named in the location's context.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from yaml.nodes import Node

from layergate.errors import InputError
from layergate.model import (
    CodeSigningUse,
    ContentSource,
    Function,
    LayerDef,
    LayerGrant,
    LayerRef,
    Location,
    Note,
    Scan,
)
from layergate.records import dataclass
from layergate.sources import ParseOptions
from layergate.sources.sls_files import FileCache, FileLoader
from layergate.sources.sls_layers import evaluate_entry, function_logical_id, layer_logical_id
from layergate.sources.sls_plugins import local_path, plugin_facts, variable_notes
from layergate.sources.sls_resources import ResourcesResult, scan_resources
from layergate.sources.sls_tree import Budget, Item, Unresolved, Written, from_node, render, scalar_text
from layergate.sources.sls_variables import Pass, Resolver

FORMAT = "serverless"
Entries = list[tuple[Item, str, Location]]  # (entry, path such as functions.api.layers[0], where it points)


@dataclass(frozen=True, slots=True)
class Evaluation:
    scan: Scan
    default_stage: str
    param_stages: tuple[str, ...]  # the stages the params block names (besides "default")
    stage_used: bool  # whether the result depends on the stage at all
    region_option_used: bool  # ... or on the deploy's --region
    account_used: bool = False  # ... or on the account the deploy runs in


def evaluate(node: Node, path: str, options: ParseOptions, run: Pass, cache: FileCache) -> Evaluation:
    budget = Budget(path)
    files = FileLoader(path, options.root, budget, cache)
    r = Resolver(from_node(node, path, budget), path, options, run, budget, files)
    region = r.region()
    defs, grants, internal = _layer_section(r, path, files.boundary)
    plugins = plugin_facts(r, path, files.boundary)
    defs.extend(plugins.layer_defs)
    placeholders = {**internal, **plugins.placeholders}
    functions, opaque = _functions(r)
    generated = {function_logical_id(name) for name in functions}
    resources = scan_resources(r, path, options, region, generated, placeholders)
    internal = {**placeholders, **{d.id: d.id for d in (resources.scan.layer_defs if resources.scan else ())}}
    provider = _entries(r, r.get(["provider", "layers"]), "provider.layers")
    records: list[Function] = []
    refs: list[LayerRef] = list(resources.refs)
    refs.extend(_ref("functions", item, _at(item, "functions"), 0, internal, region) for item in opaque)
    for name, (where, item) in functions.items():
        consumer = f"functions.{name}"
        records.append(Function(consumer, where, _signing(resources, function_logical_id(name))))
        if isinstance(item.value, Unresolved):
            refs.append(_ref(consumer, item, _at(item, consumer), 0, internal, region))
            continue
        entries = _function_entries(r, name, item, provider, resources)
        refs.extend(_ref(consumer, entry, where, i, internal, region) for i, (entry, _, where) in enumerate(entries))
    notes: list[Note] = [*plugins.notes, *variable_notes(r)]
    regions = (region,) if region else ()  # a region decided at deploy: the policy's regions apply
    scan = Scan(path, FORMAT, tuple(records), tuple(refs), tuple(defs), tuple(grants), tuple(notes), (), regions)
    if resources.scan is not None:
        extra = resources.scan
        scan = Scan(path, FORMAT, scan.functions + extra.functions, scan.refs + extra.refs,
                    scan.layer_defs + extra.layer_defs, scan.grants + extra.grants, scan.notes + extra.notes,
                    extra.suppressions, scan.regions, extra.signing_configs)
    stage_used, region_used = r.stage_used, r.region_option_used
    return Evaluation(scan, r.stage(), _param_stages(r), stage_used, region_used, r.account_used)


def _signing(res: ResourcesResult, logical_id: str) -> CodeSigningUse | None:
    """The CodeSigningConfigArn ``resources`` gives a generated function: ``{Ref: C}`` or ``Fn::GetAtt
    [C, CodeSigningConfigArn]`` of a config in ``resources``, or an ARN; anything else cannot be judged."""
    found = res.signing.get(logical_id)
    if found is None:
        return None
    item, path = found
    where = Location(item.file, item.line, item.column, path)
    configs = {c.id for c in res.scan.signing_configs} if res.scan is not None else set()
    value = item.value
    if isinstance(value, str) and value:
        return CodeSigningUse(value, where)
    if isinstance(value, dict) and len(value) == 1:
        (fn, arg), = value.items()
        target = arg.value if fn == "Ref" else None
        if fn == "Fn::GetAtt" and arg.is_list and len(arg.value) == 2 and arg.value[1].value == "CodeSigningConfigArn":
            target = arg.value[0].value
        if isinstance(target, str) and target in configs:
            return CodeSigningUse(target, where, local=True)
    return CodeSigningUse(render(item), where, problem=f"{render(item)} cannot be determined")


def _param_stages(r: Resolver) -> tuple[str, ...]:
    """The stages that have params of their own: ``params.<stage>`` (v3) and ``stages.<stage>.params`` (v4)."""
    found: list[str] = []
    for section in ("params", "stages"):
        block = r.get([section])
        if block is not None and block.is_map:
            found.extend(k for k, v in block.value.items()
                         if k != "default" and (section == "params" or (v.is_map and "params" in v.value)))
    return tuple(dict.fromkeys(found))


def _ref(consumer: str, item: Item, where: Location, position: int, internal: dict[str, str],
         region: str | None) -> LayerRef:
    value = evaluate_entry(item, internal, region)
    return LayerRef(consumer, where, render(item), value.resolution, value.candidates, value.layer_def, position)


def _at(entry: Item, label: str, written: Written | None = None, site: tuple[str, int, int] | None = None
        ) -> Location:
    """Where an entry points: at the entry, or at the place its value is written, naming the entry that
    uses it ("used at line 31 (functions.api.layers[0])"), as for CloudFormation."""
    written = written or entry.written
    file, line, column = site or entry.used_at or (entry.file, entry.line, entry.column)
    if written is None:
        return Location(file, line, column, label)
    used = f"line {line}" if file == written.file else f"{file}:{line}"
    return Location(written.file, written.line, written.column, written.path or label, f"used at {used} ({label})")


def _functions(r: Resolver) -> tuple[dict[str, tuple[Location, Item]], list[Item]]:
    """Every function by name (``functions`` may be a list of mappings, merged as the framework does), and
    the parts of ``functions`` that cannot be read (code, a plugin's variable): their layers are not seen."""
    section = r.get(["functions"])
    found: dict[str, tuple[Location, Item]] = {}
    opaque: list[Item] = []
    if section is None or section.value is None:
        return found, opaque
    blocks = [r.get([i], base=section) for i in range(len(section.value))] if section.is_list else [section]
    for block in blocks:
        assert block is not None
        if isinstance(block.value, Unresolved):
            opaque.append(block)
            continue
        if block.value is None:
            continue
        if not block.is_map:
            raise InputError("functions must be a mapping of function names", block.file, block.line, block.column)
        for name in list(block.value):
            item = r.get([name], base=block)
            assert item is not None
            line, column = block.keys.get(name, (item.line, item.column))
            found[name] = (Location(block.file, line, column, f"functions.{name}"), item)
    return found, opaque


def _function_entries(r: Resolver, name: str, item: Item, provider: Entries, res: ResourcesResult) -> Entries:
    if item.value is not None and not item.is_map:
        raise InputError(f"functions.{name} must be a mapping", item.file, item.line, item.column)
    if item.is_map:
        image = r.get(["image"], base=item)
        if image is not None and image.value is not None:
            return []  # a container-image function cannot have layers
    own = r.get(["layers"], base=item) if item.is_map else None
    entries = provider if own is None or own.value is None else _entries(r, own, f"functions.{name}.layers")
    logical_id = function_logical_id(name)
    if logical_id in res.merged:  # lodash merge: the override's items replace the generated ones by index
        layers, label = res.merged[logical_id]
        override = _entries(r, layers, label)
        entries = override if isinstance(layers.value, Unresolved) else [
            override[i] if i < len(override) else entries[i] for i in range(max(len(entries), len(override)))]
    if logical_id in res.replaced:
        layers, label = res.replaced[logical_id]
        entries = _entries(r, layers, label)
    return entries


def _entries(r: Resolver, item: Item | None, label: str) -> Entries:
    if item is None or item.value is None:
        return []
    item = r.deep(item)
    if isinstance(item.value, Unresolved):
        return [(item, label, _at(item, label))]  # the whole list is decided elsewhere: one entry stands for it
    if not item.is_list:
        raise InputError(f"{label} must be a list of layer ARNs, found {render(item)!r}", item.file, item.line,
                         item.column)
    whole = item.written  # the list came whole from a variable: its items are written there
    if whole is None:
        return [(entry, f"{label}[{i}]", _at(entry, f"{label}[{i}]")) for i, entry in enumerate(item.value)]
    return [(entry, f"{label}[{i}]", _at(entry, f"{label}[{i}]", entry.written or Written(
        entry.file, entry.line, entry.column, f"{whole.path}[{i}]" if whole.path else ""), item.used_at))
        for i, entry in enumerate(item.value)]


def _layer_section(r: Resolver, path: str, boundary: str) -> tuple[list[LayerDef], list[LayerGrant], dict[str, str]]:
    """``layers.<name>``: LayerDefs, their allowedAccounts grants, and logical id -> LayerDef id."""
    defs: list[LayerDef] = []
    grants: list[LayerGrant] = []
    internal: dict[str, str] = {}
    section = r.get(["layers"])
    if section is None or section.value is None:
        return defs, grants, internal
    if isinstance(section.value, Unresolved):  # layers exist, but neither their content nor sharing is known
        _opaque_layer("layers", section, defs, grants)
        return defs, grants, internal
    if not section.is_map:
        raise InputError("layers must be a mapping of layer names", section.file, section.line, section.column)
    for name in list(section.value):
        item = r.get([name], deep=True, base=section)
        assert item is not None
        line, column = section.keys.get(name, (item.line, item.column))
        layer_id = f"layers.{name}"
        where = Location(section.file, line, column, layer_id)
        internal[layer_logical_id(name)] = layer_id
        if isinstance(item.value, Unresolved):
            _opaque_layer(layer_id, item, defs, grants, where)
            continue
        if not item.is_map:
            raise InputError(f"{layer_id} must be a mapping (path, name, allowedAccounts, ...)", item.file,
                             item.line, item.column)
        shown = item.value.get("name")
        title = scalar_text(shown.value) if shown is not None and isinstance(shown.value, (str, int)) else name
        defs.append(LayerDef(layer_id, title, where, _content(r, item, path, boundary)))
        grants.extend(_grants(r.get(["allowedAccounts"], deep=True, base=item), layer_id))
    return defs, grants, internal


def _opaque_layer(layer_id: str, item: Item, defs: list[LayerDef], grants: list[LayerGrant],
                  where: Location | None = None) -> None:
    """A layer definition that cannot be read: its content and who may use it are both unknown."""
    assert isinstance(item.value, Unresolved)
    at = where or Location(item.file, item.line, item.column, layer_id)
    defs.append(LayerDef(layer_id, layer_id, at, ContentSource("unknown", render(item))))
    grants.append(LayerGrant(layer_id, f"<unknown: {item.value.reason}>", None, at))


def _content(r: Resolver, layer: Item, path: str, boundary: str) -> ContentSource:
    artifact = r.get(["package", "artifact"], base=layer)
    source = artifact if artifact is not None and artifact.value is not None else r.get(["path"], base=layer)
    if source is None or source.value is None:
        return ContentSource("unknown", "")
    if not isinstance(source.value, str):
        return ContentSource("unknown", render(source))
    uri = source.value
    split = urlsplit(uri)
    if split.scheme == "s3" or (split.scheme == "https" and ".s3" in split.netloc and "amazonaws.com" in split.netloc):
        pinned = parse_qs(split.query).get("versionId")
        return ContentSource("s3", uri.split("?")[0], pinned[0] if pinned else None)
    return ContentSource("local", uri, local_path=local_path(uri, path, boundary))


def _grants(accounts: Item | None, layer_id: str) -> list[LayerGrant]:
    if accounts is None or accounts.value is None:
        return []
    label = f"{layer_id}.allowedAccounts"
    if isinstance(accounts.value, Unresolved):
        return [LayerGrant(layer_id, f"<unknown: {accounts.value.reason}>", None,
                           Location(accounts.file, accounts.line, accounts.column, label), label)]
    if not accounts.is_list:
        raise InputError(f"{label} must be a list of accounts", accounts.file, accounts.line, accounts.column)
    out = []
    for i, entry in enumerate(accounts.value):
        principal = (f"<unknown: {entry.value.reason}>" if isinstance(entry.value, Unresolved)
                     else scalar_text(entry.value))
        # The framework has no OrganizationId for allowedAccounts: '*' is every AWS account.
        out.append(LayerGrant(layer_id, principal, None, _at(entry, f"{label}[{i}]"), label))
    return out

