"""LG304 layer-unavailable: AWS cannot return a referenced layer version.

An online rule: ``layergate verify`` emits it when GetLayerVersion fails for a layer version (deleted,
never existed, or the publisher does not grant ``lambda:GetLayerVersion``). A hash that cannot be
compared is not a pass.
"""

from __future__ import annotations

from layergate.model import Severity
from layergate.rule import Rule

RULE = Rule(
    id="LG304",
    slug="layer-unavailable",
    severity=Severity.ERROR,
    title="Referenced layer version AWS cannot return",
    fix="Check that the layer version exists and its publisher grants lambda:GetLayerVersion to your "
    "account; pin another reviewed version if it was deleted.",
    online=True,
)
