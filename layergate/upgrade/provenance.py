"""Build provenance in `upgrade`: what lock recorded for the pinned versions, and the new version's attestation.

The pinned versions' recorded provenance is always shown (for layers whose publisher needs an attestation, a
missing record says so). As in `lock`, the new version's attestation is verified only with ``--provenance``
(or ``--attestation FILE``): its zip is downloaded, its attestation found through the publisher's
``provenance.attestation`` pattern and verified offline. A new version whose attestation fails (LG306,
LG307, LG308) is never proposed: the layer is held back with the reason, and ``--apply`` records the
provenance of a verified one on its new entry, as ``lock --provenance`` does.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from layergate import records
from layergate.records import dataclass

if TYPE_CHECKING:
    from layergate.aws.session import LambdaClients
    from layergate.inventory.provenance import LayerProvenance
    from layergate.policy import Policy
    from layergate.provenance.verify import Verdict
    from layergate.upgrade.report import LayerUpgrade


@dataclass(frozen=True, slots=True)
class Provenance:
    pinned: tuple[LayerProvenance, ...]  # each pinned version with recorded provenance, or needing it
    target: Verdict | None = None  # with --provenance: the attestation verdict of the proposed version
    target_arn: str = ""


def annotate(upgrades: Sequence[LayerUpgrade], policy: Policy) -> list[LayerUpgrade]:
    """Each upgrade with its pinned versions' recorded provenance (None when nothing is recorded or expected)."""
    from layergate.inventory.provenance import LayerProvenance
    from layergate.provenance.assess import needs_attestation

    out = []
    for u in upgrades:
        pinned = []
        for v in u.pinned:
            arn = u.choice.layer.with_version(v)
            entry = policy.reviewed(str(arn))
            built = entry.provenance if entry is not None else None
            if built is not None or needs_attestation(policy, arn):
                pinned.append(LayerProvenance(str(arn), built))
        out.append(records.replace(u, provenance=Provenance(tuple(pinned))) if pinned else u)
    return out


def verify_targets(upgrades: Sequence[LayerUpgrade], args: argparse.Namespace, policy: Policy,
                   clients: LambdaClients) -> tuple[list[LayerUpgrade], dict[str, Verdict]]:
    """Verify the attestation of every proposed version that needs one; hold back those that fail.
    Returns the upgrades and the verdicts of the versions still proposed (for --apply to record)."""
    from layergate.commands import lock, online
    from layergate.provenance import cli
    from layergate.provenance.assess import needs_attestation

    given = cli.given_files(args)
    targets = {str(u.choice.layer.with_version(u.choice.target.number)): u.choice.layer.with_version(
        u.choice.target.number) for u in upgrades if u.choice.target is not None}
    wanted = {k: a for k, a in targets.items() if needs_attestation(policy, a)}
    facts = online.read_layers(args, list(wanted.values()), download_for=frozenset(wanted),
                               clients=clients) if wanted else {}
    verdicts = {k: lock.attestation_verdict(facts[k], policy, given) for k in wanted if k in facts}
    out = []
    for u in upgrades:
        t = u.choice.target
        key = str(u.choice.layer.with_version(t.number)) if t is not None else ""
        verdict = verdicts.get(key)
        if t is None or key not in wanted:
            out.append(u)
            continue
        if verdict is None:  # not read at all: fail closed
            verdict = _unread(key, facts.get(key))
            verdicts[key] = verdict
        now = u.provenance or Provenance(())
        u = records.replace(u, provenance=records.replace(now, target=verdict, target_arn=key))
        if not verdict.ok:
            u = records.replace(u, choice=records.replace(
                u.choice, target=None,
                skipped=(*u.choice.skipped, *(f"{t.number}: it {p.message} ({p.rule_id})" for p in verdict.problems)),
                held=f"version {t.number} fails its build provenance check (--provenance), so nothing moves"))
        out.append(u)
    return out, {k: v for k, v in verdicts.items() if v.ok}


def _unread(key: str, facts: Any) -> Verdict:
    from layergate.provenance.verify import Problem, Verdict

    why = getattr(facts, "unavailable", None) or "AWS did not describe it"
    return Verdict(key, (Problem("LG306", f"could not be read to check its attestation: {why}"),))


# --- what the reports say -----------------------------------------------------------------------

def text_lines(p: Provenance | None) -> list[str]:
    if p is None:
        return []
    out = [f"pinned {lp.arn.rsplit(':', 1)[1]}: {lp.text}" for lp in p.pinned]
    if p.target is not None:
        version = p.target_arn.rsplit(":", 1)[1]
        if p.target.ok and p.target.built_from is not None:
            out.append(f"new {version}: verified: {p.target.built_from} (attestation {p.target.attestation})")
        else:
            out.extend(f"new {version}: {x.rule_id} {x.message}" for x in p.target.problems)
    return out


def as_json(p: Provenance | None) -> dict[str, Any] | None:
    if p is None:
        return None
    target = None
    if p.target is not None:
        b = p.target.built_from
        target = {"arn": p.target_arn, "verified": p.target.ok, "attestation": p.target.attestation,
                  "built_from": None if b is None else b.as_json(),
                  "text": str(b) if b is not None and p.target.ok else None,
                  "problems": [{"rule": x.rule_id, "message": x.message} for x in p.target.problems]}
    return {"pinned": [{"arn": lp.arn, **lp.as_json()} for lp in p.pinned], "new": target}


def markdown_lines(upgrades: Sequence[LayerUpgrade]) -> list[str]:
    shown = [(u, text_lines(u.provenance)) for u in upgrades if u.provenance is not None]
    if not shown:
        return []
    out = ["", "### Build provenance", ""]
    for u, lines in shown:
        out += [f"- `{u.choice.layer.name}` ({u.choice.layer.region}) {line}" for line in lines]
    return out
