"""Serverless Framework configurations (``serverless.yml``, ``.yaml``, ``.json``): functions and their layers.

A configuration is evaluated the way ``serverless package`` would, without running anything: variables
are resolved (``layergate.sources.sls_variables``), layer lists are read per function, ``layers:`` gives
the layers the service publishes, ``resources:`` is scanned as CloudFormation, and plugins that add
layers at package time are noted. ``serverless.ts``/``.js`` are code: never run, they are reported.

Stages and regions: with ``--stage`` the configuration is evaluated for that stage; without it, for the
default stage (provider.stage, else ``dev``) and for every stage the ``params:`` block names, so a layer
that only the production params select is checked too. The region is provider.region when the file
states one; otherwise each ``--region`` (or policy region) in turn, else ``us-east-1``. The values of all
evaluations are merged: an entry's candidates are every value it takes, tied to a region when the
region went into the value.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from yaml.nodes import MappingNode

from layergate.errors import InputError
from layergate.model import (
    Candidate,
    ContentSource,
    Function,
    LayerDef,
    LayerRef,
    Location,
    Note,
    Resolution,
    ResolutionKind,
    Scan,
)
from layergate.records import replace
from layergate.sources import NotThisFormat, ParseOptions

TYPE_CHECKING = False  # typing is for the type checker: importing it costs every start of the CLI
if TYPE_CHECKING:
    from typing import TypeVar
    T = TypeVar("T")

FORMAT = "serverless"
NOTE_KIND = "plugin-injected-layers"
MAX_EVALUATIONS = 64  # stages x regions
_CONFIG_NAME = re.compile(r"^serverless(\.[A-Za-z0-9_-]+)?\.(yml|yaml|json)$")
_CODE_NAME = re.compile(r"^serverless(\.[A-Za-z0-9_-]+)?\.(js|cjs|mjs|ts)$")
# A Serverless variable (not CloudFormation's ${AWS::Region}): a lower-case source, then ':' or '('.
_VARIABLE = re.compile(r"\$\{(self|sls|opt|param|env|file|ssm|cf|s3|aws)[:(]")
_SERVICE = re.compile(r"^service:", re.MULTILINE)
_PROVIDER = re.compile(r"^provider:", re.MULTILINE)
_RANK = {ResolutionKind.UNKNOWN: 0, ResolutionKind.DYNAMIC: 1, ResolutionKind.PARAMETER: 2,
         ResolutionKind.INTERNAL: 3, ResolutionKind.LITERAL: 4}


def detect(path: str, head: str) -> bool:
    name = os.path.basename(path)
    if _CONFIG_NAME.match(name) or _CODE_NAME.match(name):
        return True
    if not name.endswith((".yml", ".yaml")):
        return False
    # serverless-api.yml and the like, used with `serverless --config`: top-level service and provider.
    if _SERVICE.search(head) and _PROVIDER.search(head):
        return True
    # A fragment a configuration includes with ${file(...)} (resources/*.yml): its variables mean nothing
    # on their own, so it is not read as a CloudFormation template; the configuration reads it.
    return bool(_VARIABLE.search(head)) and "AWSTemplateFormatVersion" not in head


def parse(path: str, options: ParseOptions) -> list[Scan]:
    name = os.path.basename(path)
    if _CODE_NAME.match(name):
        message = (f"{name} is code, which layergate does not run: the layers it configures, and those its"
                   " plugins add, are not seen")
        return [Scan(path, FORMAT, notes=(Note(NOTE_KIND, Location(path, 1, 1), message, name),))]
    from layergate.sources.sls_files import FileCache
    from layergate.sources.sls_scan import evaluate
    from layergate.sources.sls_variables import Pass
    from layergate.yamlnodes import items, line_col, parse_yaml, read_text, scalar

    if name.endswith(".json"):  # JSON may be indented with tabs, which YAML refuses
        from layergate.jsonnodes import parse_json

        root = parse_json(read_text(path), path)
    else:
        root = parse_yaml(read_text(path), path)
    named = bool(_CONFIG_NAME.match(name))
    if root is None or not isinstance(root, MappingNode):
        if not named:
            raise NotThisFormat("not a Serverless configuration")
        if root is None:
            raise InputError("empty file: a Serverless configuration needs at least service and provider", path)
        raise InputError("the top level of a Serverless configuration must be a mapping", path, *line_col(root))
    keys = {key: value for key, _, value in items(root)}
    if not named and not ("service" in keys and "provider" in keys):
        raise NotThisFormat("holds Serverless variables but is no configuration: it is read through the"
                            " ${file(...)} that includes it")
    provider = scalar(next((v for k, _, v in items(keys.get("provider")) if k == "name"), None))
    if provider is not None and "${" not in provider and provider != "aws":
        raise NotThisFormat(f"provider {provider!r}: only AWS functions have Lambda layers")

    from layergate.sources.sls_tree import Budget, check_size

    check_size(root, path, Budget(path))
    cache = FileCache()
    stage_source = "command line" if options.stage else "default"
    first_region = options.regions[0] if options.regions else None
    accounts: tuple[str | None, ...] = options.accounts_for(path) or (None,)
    first = evaluate(root, path, options, Pass(options.stage, stage_source, first_region, accounts[0]), cache)
    stages: list[tuple[str | None, str]] = [(options.stage, stage_source)]
    if options.stage is None and first.stage_used:
        stages.extend((s, "params") for s in first.param_stages if s != first.default_stage)
    regions = options.regions if options.regions and first.region_option_used else (first_region,)
    if not first.account_used:
        accounts = accounts[:1]  # ${aws:accountId} is not read: every deploy account gives the same result
    if len(stages) * len(regions) * len(accounts) > MAX_EVALUATIONS:
        raise InputError(f"{len(stages)} stages in params x {len(regions)} regions x {len(accounts)} deploy accounts"
                         f" is more than {MAX_EVALUATIONS} evaluations; name one with --stage", path)
    scans = [first.scan]
    for stage, source in stages:
        for region in regions:
            for account in accounts:
                if (stage, region, account) != (options.stage, first_region, accounts[0]):
                    scans.append(evaluate(root, path, options, Pass(stage, source, region, account), cache).scan)
    return [merge(scans)]


def merge(scans: list[Scan]) -> Scan:
    """One scan from the evaluations of one file: records deduplicated, an entry's values combined."""
    first = scans[0]
    if len(scans) == 1:
        return first
    functions: dict[str, Function] = {}
    refs: dict[tuple[object, ...], LayerRef] = {}
    for scan in scans:
        for function in scan.functions:
            functions.setdefault(function.id, function)
        for ref in scan.refs:
            key = (ref.consumer, ref.position, ref.location)
            refs[key] = _combine(refs[key], ref) if key in refs else ref
    defs: dict[tuple[str, ContentSource], LayerDef] = {}
    for scan in scans:  # a layer named per stage is one layer; each distinct content source is kept
        for layer in scan.layer_defs:
            defs.setdefault((layer.id, layer.content), layer)
    # The places one entry's values are written in (params.default, params.prod) are listed together.
    slot = {key: i for i, key in reversed(list(enumerate((r.consumer, r.position) for r in refs.values())))}
    ordered = sorted(refs.values(), key=lambda r: slot[(r.consumer, r.position)])
    return Scan(
        first.file, first.format, tuple(functions.values()), tuple(ordered),
        tuple(defs.values()), _unique(g for s in scans for g in s.grants),
        _unique(n for s in scans for n in s.notes), _unique(x for s in scans for x in s.suppressions),
        _unique(r for s in scans for r in s.regions),
        _unique(c for s in scans for c in s.signing_configs),
    )


def _combine(a: LayerRef, b: LayerRef) -> LayerRef:
    """The same entry seen in two evaluations: every value it takes, and the least certain resolution."""
    candidates: tuple[Candidate, ...] = _unique((*a.candidates, *b.candidates))
    worst = min(_RANK[a.resolution.kind], _RANK[b.resolution.kind])
    same = [r.resolution for r in (a, b) if _RANK[r.resolution.kind] == worst]
    resolution = Resolution(same[0].kind, "; ".join(dict.fromkeys(r.detail for r in same if r.detail)),
                            ", ".join(dict.fromkeys(s for r in same for s in r.source.split(", ") if s)))
    return replace(a, resolution=resolution, candidates=candidates, layer_def=a.layer_def or b.layer_def)


def _unique(values: Iterable[T]) -> tuple[T, ...]:
    return tuple(dict.fromkeys(values))
