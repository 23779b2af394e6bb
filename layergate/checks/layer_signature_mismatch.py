"""LG309 layer-signature-mismatch: a layer version that must be signed is unsigned, or signed by another profile.

An online rule: ``layergate verify`` emits it from what GetLayerVersion returns (``SigningProfileVersionArn``,
``SigningJobArn``) for layers whose publisher entry lists ``signing_profiles``: the profile must be one the
policy lists (by version ARN, profile ARN or profile name). A layer that is not signed at all is not a pass.
"""

from __future__ import annotations

from layergate.model import Severity
from layergate.rule import Rule

RULE = Rule(
    id="LG309",
    slug="layer-signature-mismatch",
    severity=Severity.ERROR,
    title="Layer version unsigned or signed by a signing profile the policy does not list",
    fix="Publish the layer version from a signing job of a profile listed under the publisher's "
    "signing_profiles, or list the profile once you trust it.",
    online=True,
)
