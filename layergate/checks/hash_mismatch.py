"""LG302 hash-mismatch: AWS reports a different SHA-256 for a layer version than the one recorded.

An online rule: ``layergate verify`` emits it (``check`` never touches the network). Layer versions are
immutable, so a different hash means the recorded one is wrong, or the ARN no longer names what was
reviewed; either way the layer must not be deployed until someone has looked.
"""

from __future__ import annotations

from layergate.model import Severity
from layergate.rule import Rule

RULE = Rule(
    id="LG302",
    slug="hash-mismatch",
    severity=Severity.ERROR,
    title="Layer version whose SHA-256 differs from the recorded one",
    fix="Do not deploy: find out why the hashes differ, review the layer again and record the new "
    "hash only after review.",
    online=True,
)
