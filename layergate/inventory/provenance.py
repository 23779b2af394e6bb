"""What the policy records about where each layer version in use was built (``lock --provenance``).

A layer version whose publisher needs an attestation (``provenance.assess.needs_attestation``) but whose
``layers:`` entry records no provenance is said to have none: an internal layer nobody attested is not a
pass, and reports must not leave the cell empty as if nothing were expected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from layergate.arn import try_parse
from layergate.records import dataclass

if TYPE_CHECKING:
    from layergate.inventory.model import Inventory
    from layergate.model import BuiltFrom
    from layergate.policy import Policy

NONE_RECORDED = "no provenance recorded"


@dataclass(frozen=True, slots=True)
class LayerProvenance:
    arn: str
    built_from: BuiltFrom | None  # None: its publisher needs an attestation and lock recorded none

    @property
    def text(self) -> str:
        return str(self.built_from) if self.built_from is not None else NONE_RECORDED

    def as_json(self) -> dict[str, Any]:
        b = self.built_from
        if b is None:
            return {"recorded": False, "text": NONE_RECORDED}
        return {"recorded": True, **b.as_json(), "text": self.text}


def collect(inventory: Inventory, policy: Policy) -> tuple[LayerProvenance, ...]:
    """Each distinct layer version in use that has recorded provenance or needs it, sorted by ARN."""
    from layergate.provenance.assess import needs_attestation

    entries = {e.arn: e for e in policy.layers}  # an organization uses thousands: not policy.reviewed per ARN
    out = []
    for text in sorted({layer for fn in inventory.functions for layer in fn.layers}):
        entry = entries.get(text)
        built = entry.provenance if entry is not None else None
        arn = try_parse(text)
        if built is not None or (arn is not None and needs_attestation(policy, arn)):
            out.append(LayerProvenance(text, built))
    return tuple(out)
