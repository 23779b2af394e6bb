"""LG602 layer-extension-present: a layer this deployment publishes starts an extension process.

Lambda starts every executable file directly under ``/opt/extensions`` as a process of its own, beside
the handler, through Init, Invoke and Shutdown, with the function's environment variables, role
credentials and network. Layer content in the repository is looked into, offline, and each such file is
named with what it is (an ELF binary and its architecture, or a script and its interpreter). That is
more than a library: review it like a vendor extension (LG401). Content that cannot be read is reported
too, since an extension in it cannot be ruled out.
"""

from __future__ import annotations

from collections.abc import Iterator

from layergate.checks import Context
from layergate.model import Finding, Scan, Severity
from layergate.rule import Rule

RULE = Rule(
    id="LG602",
    slug="layer-extension-present",
    severity=Severity.WARNING,
    title="Published layer that starts an extension process",
    fix="Review what the extension reads and where it sends data, as for a vendor extension; then record "
    "that review in an ignore: entry with its reason.",
)

SHOWN = 3


def check(scan: Scan, ctx: Context) -> Iterator[Finding]:
    for layer in scan.layer_defs:
        path = layer.content.local_path
        if layer.content.kind != "local" or not path:
            continue
        from layergate.layer.survey import content_survey

        found = content_survey(path)
        if found is None:
            continue
        where = f"layer {layer.id} content {layer.content.uri}"
        if found.unread:
            yield RULE.finding(layer.location, f"{where} could not be inspected ({found.unread}): an extension "
                               "cannot be ruled out", consumer=layer.id)
        started = [e for e in found.extensions if e.started]
        if started:
            items = [f"{e.path} ({e.detail})" for e in started]
            count = len(items)
            listed = ", ".join(items[:SHOWN]) + (f" and {count - SHOWN} more" if count > SHOWN else "")
            noun = "an extension process" if count == 1 else f"{count} extension processes"
            yield RULE.finding(layer.location, f"{where} starts {noun}: {listed}; each runs beside the handler "
                               "with its environment, role and network", consumer=layer.id)
