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
from layergate.checks.common import first_few, surveyed_layers
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

def check(scan: Scan, ctx: Context) -> Iterator[Finding]:
    for layer, found, where in surveyed_layers(scan):
        if found.unread:
            yield RULE.finding(layer.location, f"{where} could not be inspected ({found.unread}): an extension "
                               "cannot be ruled out", consumer=layer.id)
        started = [e for e in found.extensions if e.started]
        if started:
            listed = first_few([f"{e.path} ({e.detail})" for e in started])
            noun = "an extension process" if len(started) == 1 else f"{len(started)} extension processes"
            yield RULE.finding(layer.location, f"{where} starts {noun}: {listed}; each runs beside the handler "
                               "with its environment, role and network", consumer=layer.id)
