"""LG701 stale-layer-version: a deployed function uses a layer version older than the layer's newest.

An online rule: ``layergate inventory`` emits it, from ListLayerVersions of each layer in use, when the
caller may list that layer's versions (its publisher is an inventoried account; AWS does not let other
accounts list them, and then the run says which layers it could not judge). Newer versions usually carry
the fixes; a function many versions behind runs code nobody maintains any more.
"""

from __future__ import annotations

from layergate.model import Severity
from layergate.rule import Rule

RULE = Rule(
    id="LG701",
    slug="stale-layer-version",
    severity=Severity.WARNING,
    title="Deployed function uses an older version of a layer than the newest published",
    fix="Review the newer layer version, record its SHA-256 with `layergate lock`, and redeploy the function "
    "with it; or suppress with a reason when the older version is pinned on purpose.",
    online=True,
)
