"""LG503 mutable-layer-source: a layer this deployment publishes from S3 content not pinned to a version.

Without ``S3ObjectVersion`` (``s3_object_version``, ``{Bucket, Key, Version}``) the layer takes whatever
object sits at the key at deploy time: anyone who can write to the bucket changes the code every
function using the layer runs, after review. A content source layergate cannot determine is reported too.
"""

from __future__ import annotations

from collections.abc import Iterator

from layergate.checks import Context
from layergate.model import Finding, Scan, Severity
from layergate.rule import Rule

RULE = Rule(
    id="LG503",
    slug="mutable-layer-source",
    severity=Severity.WARNING,
    title="Published layer whose S3 content is not pinned to an object version",
    fix="Set S3ObjectVersion on the layer content (s3_object_version in Terraform), or build the "
    "layer from a path in the repository.",
)


def check(scan: Scan, ctx: Context) -> Iterator[Finding]:
    for layer in scan.layer_defs:
        content = layer.content
        if content.kind == "s3" and not content.object_version:
            message = (
                f"layer {layer.id} is published from {content.uri or 'S3'} without an object version:"
                " whoever can write that key changes the layer after review"
            )
        elif content.kind == "unknown":
            message = (
                f"layer {layer.id} takes its content from {content.uri or 'a source'} layergate cannot"
                " determine, so it cannot tell whether the content is pinned"
            )
        else:
            continue
        yield RULE.finding(layer.location, message, consumer=layer.id)
