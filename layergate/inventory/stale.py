"""LG701: functions that use an older version of a layer than its publisher has published since.

Decided per layer entry from ``ListLayerVersions`` of that layer (read once per layer). A layer whose
versions could not be listed (AWS lets only the publisher list them), or whose listing does not hold
the version in use, is not judged; a note names those layers, so nothing passes silently.
"""

from __future__ import annotations

from collections.abc import Iterable

from layergate.arn import try_parse
from layergate.checks import Context, find_rule
from layergate.inventory.model import Inventory, LayerHistory
from layergate.model import Finding, Scan
from layergate.report import plural

SHOWN = 5  # layers named in a note; the rest are counted


def findings(inv: Inventory, found_scans: Iterable[Scan], ctx: Context,
             stale_after: int) -> tuple[list[Finding], list[str]]:
    from layergate.checks.common import function

    rule = find_rule("LG701")
    assert rule is not None
    histories = inv.history()
    out: list[Finding] = []
    unjudged: dict[str, str] = {}  # layer ARN -> why
    verdicts: dict[str, str | None] = {}  # version ARN -> what follows "function X uses ARN" (None: current)
    for scan in found_scans:
        for ref in scan.refs:
            text = ref.expression
            if text not in verdicts:  # decided once per version: an organization repeats the same few
                verdicts[text] = _verdict(text, histories, unjudged, stale_after, ctx)
            said = verdicts[text]
            if said is not None:
                out.append(rule.finding(ref.location, f"{function(ref)} uses {text}{said}", arn=text,
                                        consumer=ref.consumer))
    return out, _notes(unjudged)


def _verdict(text: str, histories: dict[str, LayerHistory], unjudged: dict[str, str], stale_after: int,
             ctx: Context) -> str | None:
    from layergate.checks.common import publisher

    arn = try_parse(text)
    if arn is None or arn.version is None or arn.managed:
        return None
    history = histories.get(arn.layer_arn)
    if history is None or history.versions is None:
        unjudged.setdefault(arn.layer_arn, history.problem if history else "not listed")
        return None
    if all(v != arn.version for v, _ in history.versions):
        unjudged.setdefault(arn.layer_arn, f"ListLayerVersions does not list version {arn.version}")
        return None
    newer = history.newer_than(arn.version) or ()
    if len(newer) < stale_after:
        return None
    latest, created = newer[0]
    when = f", published {created[:10]}" if created else ""
    return (f" from {publisher(ctx, arn)}: {plural(len(newer), 'newer version')} "
            f"{'exists' if len(newer) == 1 else 'exist'} (newest :{latest}{when})")


def _notes(unjudged: dict[str, str]) -> list[str]:
    if not unjudged:
        return []
    names = sorted(unjudged)
    shown = "; ".join(f"{name} ({unjudged[name].split(':')[0]})" for name in names[:SHOWN])
    more = f"; and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
    return [f"LG701 not judged for {plural(len(names), 'layer')} whose versions could not be listed (AWS lets "
            f"only a layer's publisher list them): {shown}{more}"]
