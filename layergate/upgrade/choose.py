"""Choosing the version a layer moves to: the newest one the policy allows.

A candidate is refused when the policy would refuse it in `check` (LG201 publisher not allowed, LG202
denied), when ``upgrade: ignore`` names it, or when it was published less than ``upgrade: cooldown_days``
ago (the habit that protects against a freshly compromised publisher). ``--to`` asks for one version.
Every refused candidate is said, with the reason, so a reviewer sees why the newest was not taken.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from layergate.arn import LayerArn, glob_match
from layergate.aws.versions import Search, Version, created_at
from layergate.checks import Context, denied_layer, publisher_not_allowed
from layergate.model import Candidate, LayerRef, Location, Resolution, ResolutionKind, Scan
from layergate.policy import UpgradeIgnore
from layergate.records import dataclass


@dataclass(frozen=True, slots=True)
class Choice:
    search: Search
    target: Version | None
    skipped: tuple[str, ...]  # "59: published 2026-12-06, inside the 7-day cooldown"
    held: str = ""  # why nothing moves, when ``target`` is None and newer versions exist

    @property
    def layer(self) -> LayerArn:
        return self.search.layer


def layer_matches(pattern: str, layer: LayerArn) -> bool:
    """``--layer`` and ``upgrade: ignore`` patterns: a glob on the layer ARN (no version) or on the name."""
    return glob_match(pattern, layer.layer_arn) or glob_match(pattern, layer.name)


def choose(search: Search, ctx: Context, *, now: dt.datetime, to: int | None = None) -> Choice:
    layer = search.layer
    ignores = [i for i in ctx.policy.upgrade.ignore if layer_matches(i.layer, layer)]
    whole = next((i for i in ignores if not i.versions), None)
    if whole is not None:
        return Choice(search, None, (), f"upgrade.ignore at {whole.location} ignores this layer{_why(whole)}")
    if search.newer:
        refusal = _refusal(layer.with_version(search.newer[-1].number), ctx, publisher_not_allowed)
        if refusal:
            return Choice(search, None, (), refusal)
    candidates: Sequence[Version] = list(reversed(search.newer))
    if to is not None:
        candidates = [v for v in candidates if v.number == to]
        if not candidates:
            return Choice(search, None, (), f"--to {to}: no version {to} above {search.pinned} was found")
    skipped: list[str] = []
    cooldown = ctx.policy.upgrade.cooldown_days
    for v in candidates:
        why = _skip_reason(v, layer, ctx, ignores, cooldown, now)
        if why is None:
            return Choice(search, v, tuple(skipped))
        skipped.append(f"{v.number}: {why}")
    held = "every newer version was skipped" if skipped else ""
    return Choice(search, None, tuple(skipped), held)


def _skip_reason(v: Version, layer: LayerArn, ctx: Context, ignores: Sequence[UpgradeIgnore], cooldown: int,
                 now: dt.datetime) -> str | None:
    ignore = next((i for i in ignores if v.number in i.versions), None)
    if ignore is not None:
        return f"ignored by upgrade.ignore at {ignore.location}{_why(ignore)}"
    denied = _refusal(layer.with_version(v.number), ctx, denied_layer)
    if denied:
        return denied
    if cooldown:
        created = created_at(v.created)
        if created is None:
            return f"its publication date ({v.created or 'not given'}) is unknown, so cooldown_days cannot be honoured"
        if now - created < dt.timedelta(days=cooldown):
            return f"published {created.date().isoformat()}, inside the {cooldown}-day cooldown (upgrade.cooldown_days)"
    return None


def _why(i: UpgradeIgnore) -> str:
    return f": {i.reason}" if i.reason else ""


def _refusal(arn: LayerArn, ctx: Context, rule: object) -> str:
    """The message `check` would give for ``arn`` under ``rule`` (a rule module), or ""."""
    ref = LayerRef(consumer="upgrade", location=Location("upgrade"), expression=str(arn),
                   resolution=Resolution(ResolutionKind.LITERAL), candidates=(Candidate(str(arn)),))
    scan = Scan(file="upgrade", format="upgrade", refs=(ref,))
    for finding in rule.check(scan, ctx):  # type: ignore[attr-defined]
        return f"{finding.rule_id}: {finding.message.removeprefix('function upgrade uses ')}"
    return ""
