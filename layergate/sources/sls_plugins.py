"""Plugins that add layers when the service is packaged, where a scan of the configuration cannot see them.

Each becomes a ``Note`` of kind ``plugin-injected-layers`` (rule LG107), pointing at the plugin's entry in
``plugins:``. The note says what the plugin adds; the rule adds how to see it (scan the packaged
template). serverless-python-requirements with ``layer: true`` also defines a layer of this service,
``PythonRequirementsLambdaLayer``, which functions reference with ``{Ref: PythonRequirementsLambdaLayer}``.
"""

from __future__ import annotations

import os

from layergate.model import ContentSource, LayerDef, Location, Note
from layergate.records import dataclass, field
from layergate.sources.sls_tree import Item, Unresolved, render, scalar_text
from layergate.sources.sls_variables import Resolver

NOTE_KIND = "plugin-injected-layers"
PYTHON_REQUIREMENTS_LAYER = "PythonRequirementsLambdaLayer"


@dataclass(slots=True)
class PluginFacts:
    notes: list[Note] = field(default_factory=list)
    layer_defs: list[LayerDef] = field(default_factory=list)
    placeholders: dict[str, str] = field(default_factory=dict)  # logical id -> LayerDef id


def plugin_facts(r: Resolver, path: str, boundary: str) -> PluginFacts:
    facts = PluginFacts()
    plugins = r.get(["plugins"])
    if plugins is None or plugins.value is None:
        return facts
    if plugins.is_map:  # plugins: {localPath: ..., modules: [...]}
        modules = r.get(["modules"], base=plugins)
        plugins = modules if modules is not None else Item([], plugins.file, plugins.line, plugins.column)
    plugins = r.deep(plugins)
    if isinstance(plugins.value, Unresolved):
        facts.notes.append(_note(plugins, f"the plugin list cannot be read ({plugins.value.reason}); a plugin may"
                                          " add layers at package time", "plugins"))
        return facts
    if not plugins.is_list:
        return facts
    for entry in plugins.value:
        if isinstance(entry.value, Unresolved):
            facts.notes.append(_note(entry, f"plugin {render(entry)} cannot be named ({entry.value.reason}); it"
                                            " may add layers at package time", render(entry)))
            continue
        name = scalar_text(entry.value)
        if name == "serverless-plugin-datadog":
            message = _datadog(r)
            if message:
                facts.notes.append(_note(entry, message, name))
        elif name == "serverless-python-requirements":
            _python_requirements(r, entry, path, boundary, facts)
        elif name.rstrip("/").endswith("bref/bref"):
            facts.notes.append(_note(entry, "the Bref plugin adds its PHP runtime layer to every function whose"
                                            " runtime is a Bref runtime (php-83, php-83-fpm, ...) at package time",
                                     name))
        elif name.rstrip("/").endswith("bref/extra-php-extensions"):
            facts.notes.append(_note(entry, "the Bref extra extensions plugin puts the ARNs of its PHP extension"
                                            " layers into ${bref-extra:...} at package time", name))
        elif name == "serverless-newrelic-lambda-layers":
            facts.notes.append(_note(entry, "serverless-newrelic-lambda-layers adds the New Relic layer to the"
                                            " functions at package time", name))
    return facts


def variable_notes(r: Resolver) -> list[Note]:
    """One note per plugin variable (``${bref:layer.php-83}``) met while resolving."""
    notes = {}
    for text, what, at in r.plugin_variables:
        where = Location(at.file, at.line, at.column)
        notes[(text, where)] = Note(NOTE_KIND, where, f"{text}: {what}", text)
    return list(notes.values())


def _note(item: Item, message: str, subject: str) -> Note:
    return Note(NOTE_KIND, Location(item.file, item.line, item.column, "plugins"), message, subject)


def _flag(r: Resolver, base: Item | None, key: str) -> bool:
    """A boolean plugin option, default on; a value that cannot be read counts as on (fail closed)."""
    item = r.get([key], deep=True, base=base) if base is not None else None
    if item is None or item.value is None or isinstance(item.value, Unresolved):
        return True
    return scalar_text(item.value).strip().lower() not in ("false", "0", "no", "off")


def _datadog(r: Resolver) -> str:
    config = r.get(["custom", "datadog"])
    if config is not None and not config.is_map:
        config = None
    if not _flag(r, config, "enabled"):
        return ""
    added = [what for key, what in (("addLayers", "the Datadog Lambda library layer"),
                                    ("addExtension", "the Datadog Extension layer")) if _flag(r, config, key)]
    if not added:
        return ""
    return f"serverless-plugin-datadog adds {' and '.join(added)} to the functions at package time"


def _python_requirements(r: Resolver, entry: Item, path: str, boundary: str, facts: PluginFacts) -> None:
    config = r.get(["custom", "pythonRequirements"])
    if config is not None and isinstance(config.value, Unresolved):
        facts.notes.append(_note(entry, "serverless-python-requirements may build a layer from requirements.txt at"
                                        f" package time; its options cannot be read ({config.value.reason})",
                                 "serverless-python-requirements"))
        return
    layer = r.get(["layer"], deep=True, base=config) if config is not None and config.is_map else None
    if layer is None or layer.value in (None, False) or (isinstance(layer.value, str) and
                                                          layer.value.strip().lower() == "false"):
        return
    assert config is not None
    name_item = r.get(["name"], deep=True, base=layer) if layer.is_map else None
    if name_item is not None and isinstance(name_item.value, (str, int)):
        name = scalar_text(name_item.value)
    else:
        service = r.get(["service"], deep=True)
        if service is not None and service.is_map:
            service = r.get(["name"], deep=True, base=service)
        service_name = scalar_text(service.value) if service is not None and not isinstance(
            service.value, (Unresolved, dict, list)) else "service"
        name = f"{service_name}-{r.stage()}-python-requirements"
    file_item = r.get(["fileName"], deep=True, base=config)
    file_name = scalar_text(file_item.value) if file_item is not None and isinstance(file_item.value, str) \
        else "requirements.txt"
    line, column = config.keys.get("layer", (layer.line, layer.column))
    facts.layer_defs.append(LayerDef(
        PYTHON_REQUIREMENTS_LAYER, name, Location(config.file, line, column, "custom.pythonRequirements.layer"),
        ContentSource("local", file_name, local_path=local_path(file_name, path, boundary)),
    ))
    facts.placeholders[PYTHON_REQUIREMENTS_LAYER] = PYTHON_REQUIREMENTS_LAYER
    facts.notes.append(_note(entry, f"serverless-python-requirements builds the layer {PYTHON_REQUIREMENTS_LAYER}"
                                    f" from {file_name} at package time: third-party packages layergate does not"
                                    " see", "serverless-python-requirements"))


def local_path(uri: str, config_file: str, boundary: str) -> str | None:
    """A content path as the user can open it, when it exists inside the repository."""
    candidate = os.path.normpath(os.path.join(os.path.dirname(config_file), uri))
    if not os.path.exists(candidate):
        return None
    real = os.path.realpath(candidate)
    return candidate if os.path.commonpath([boundary, real]) == boundary else None
