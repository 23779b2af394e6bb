"""LG401 unreviewed-extension: an extension layer not reviewed as one.

An extension (an executable under /opt/extensions) runs as its own process beside the handler through
Init, Invoke and Shutdown, with the function's environment variables, role credentials and network.
That is more than a library, so its ``layers:`` entry must say ``extension: true``: the reviewer saw
that it is one. The catalog says which vendor layers are extensions.
"""

from __future__ import annotations

from collections.abc import Iterator

from layergate.checks import Context
from layergate.checks.common import function, in_policy, pinned_arns, publisher, reviewed_index
from layergate.model import Finding, Scan, Severity
from layergate.rule import Rule

RULE = Rule(
    id="LG401",
    slug="unreviewed-extension",
    severity=Severity.ERROR,
    title="Extension layer not reviewed as an extension",
    fix="Review what the extension reads and where it sends data, then set extension: true on its layers entry.",
)


def check(scan: Scan, ctx: Context) -> Iterator[Finding]:
    reviewed = reviewed_index(ctx)
    for ref, arn, text in pinned_arns(scan):
        if not ctx.catalog.is_extension(arn):
            continue
        entry = reviewed.get(text)
        if entry is not None and entry.extension:
            continue
        why = (
            "no layers entry reviews it as one (extension: true)"
            if entry is None
            else f"its layers entry ({in_policy(entry.location)}) lacks extension: true"
        )
        yield RULE.finding(
            ref.location,
            f"{function(ref)} uses {arn} from {publisher(ctx, arn)}, an extension that runs beside the"
            f" handler with its environment and role; {why}",
            arn=text,
            consumer=ref.consumer,
        )
