"""LG601 committed-native-binary: compiled binaries committed in the content of a layer this deployment publishes.

A layer built from a path in the repository (SAM ``ContentUri``, Serverless ``layers.<name>.path``,
Terraform ``filename``) is looked into, offline: every ELF file (shared object, executable, object file)
in it was compiled somewhere else and committed. Nobody can tell from the repository what source it
came from or rebuild it, and a review of the repository does not review it. Content that cannot be
read (over a limit, a corrupt zip) is reported too: compiled code in it cannot be ruled out.
"""

from __future__ import annotations

from collections.abc import Iterator

from layergate.checks import Context
from layergate.checks.common import first_few, surveyed_layers
from layergate.model import Finding, Scan, Severity
from layergate.rule import Rule

RULE = Rule(
    id="LG601",
    slug="committed-native-binary",
    severity=Severity.WARNING,
    title="Compiled binaries committed in the content of a published layer",
    fix="Build native code in the pipeline from source (sam build, a container build step) and keep the "
    "compiled files out of the repository.",
)

def check(scan: Scan, ctx: Context) -> Iterator[Finding]:
    for layer, found, where in surveyed_layers(scan):
        if found.unread:
            yield RULE.finding(layer.location, f"{where} could not be inspected ({found.unread}): compiled "
                               "binaries cannot be ruled out", consumer=layer.id)
        if found.binaries:
            listed = first_few([f"{b.path} ({b.elf.describe()})" for b in found.binaries])
            noun = "a compiled binary" if len(found.binaries) == 1 else f"{len(found.binaries)} compiled binaries"
            yield RULE.finding(layer.location, f"{where} holds {noun}: {listed}; the build cannot be reproduced "
                               "from the repository", consumer=layer.id)
