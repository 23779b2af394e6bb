"""An advisory's severity: the CVSS base score computed from its vector where the record has one.

Order of preference: a ``CVSS_V3`` vector (3.0 or 3.1 base score, FIRST's specification formulas),
then ``CVSS_V2``, then the level the database states (GitHub's ``database_specific.severity``:
LOW, MODERATE, HIGH, CRITICAL). A record with only a ``CVSS_V4`` vector and no stated level, or with
nothing at all, is ``unknown``; the policy threshold treats unknown as meeting it (fail closed).
Levels follow CVSS v3's qualitative scale: low 0.1-3.9, medium 4.0-6.9, high 7.0-8.9, critical 9.0-10.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from layergate.records import dataclass

LEVELS = ("none", "low", "medium", "high", "critical")  # ascending; "unknown" is outside the scale


@dataclass(frozen=True, slots=True)
class Rating:
    level: str  # one of LEVELS, or "unknown"
    score: float | None  # CVSS base score, when computed
    vector: str  # the CVSS vector it was computed from, or ""
    method: str  # "CVSSv3", "CVSSv2", "database", or ""

    def text(self) -> str:
        return f"{self.level} {self.score:.1f}" if self.score is not None else self.level


UNKNOWN = Rating("unknown", None, "", "")


def rank(level: str) -> int:
    """Position on the scale; unknown ranks above critical so every threshold catches it."""
    return LEVELS.index(level) if level in LEVELS else len(LEVELS)


def level_of(score: float) -> str:
    if score == 0:
        return "none"
    return "low" if score < 4 else "medium" if score < 7 else "high" if score < 9 else "critical"


def rating(record: Mapping[str, Any]) -> Rating:
    vectors = {s.get("type"): str(s.get("score", "")) for s in record.get("severity") or ()
               if isinstance(s, Mapping)}
    for kind, scorer, method in (("CVSS_V3", cvss3_score, "CVSSv3"), ("CVSS_V2", cvss2_score, "CVSSv2")):
        if kind in vectors:
            try:
                score = scorer(vectors[kind])
            except (KeyError, ValueError):
                continue
            return Rating(level_of(score) if kind == "CVSS_V3" else _v2_level(score), score, vectors[kind], method)
    stated = (record.get("database_specific") or {}).get("severity")
    if isinstance(stated, str):
        level = {"moderate": "medium"}.get(stated.lower(), stated.lower())
        if level in LEVELS:
            return Rating(level, None, "", "database")
    return UNKNOWN


def _metrics(vector: str) -> dict[str, str]:
    parts = vector.split("/")
    return dict(p.split(":", 1) for p in parts if ":" in p)


def _roundup(value: float) -> float:
    """CVSS 3.1's Roundup: the smallest one-decimal number not below ``value`` (free of float error)."""
    whole = round(value * 100_000)
    return whole / 100_000.0 if whole % 10_000 == 0 else (math.floor(whole / 10_000) + 1) / 10.0


def cvss3_score(vector: str) -> float:
    """The CVSS v3.x base score of a vector such as ``CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H``."""
    m = _metrics(vector)
    if not m.get("CVSS", "").startswith("3"):
        raise ValueError(f"not a CVSS v3 vector: {vector}")
    changed = m["S"] == "C"
    cia = {"H": 0.56, "L": 0.22, "N": 0.0}
    iss = 1 - (1 - cia[m["C"]]) * (1 - cia[m["I"]]) * (1 - cia[m["A"]])
    impact = 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 if changed else 6.42 * iss
    pr = {"N": 0.85, "L": 0.68 if changed else 0.62, "H": 0.5 if changed else 0.27}[m["PR"]]
    exploitability = (8.22 * {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2}[m["AV"]]
                      * {"L": 0.77, "H": 0.44}[m["AC"]] * pr * {"N": 0.85, "R": 0.62}[m["UI"]])
    if impact <= 0:
        return 0.0
    total = 1.08 * (impact + exploitability) if changed else impact + exploitability
    return _roundup(min(total, 10.0))


def cvss2_score(vector: str) -> float:
    """The CVSS v2 base score of a vector such as ``AV:N/AC:L/Au:N/C:P/I:P/A:P``."""
    m = _metrics(vector)
    cia = {"N": 0.0, "P": 0.275, "C": 0.660}
    impact = 10.41 * (1 - (1 - cia[m["C"]]) * (1 - cia[m["I"]]) * (1 - cia[m["A"]]))
    exploitability = (20 * {"L": 0.395, "A": 0.646, "N": 1.0}[m["AV"]] * {"H": 0.35, "M": 0.61, "L": 0.71}[m["AC"]]
                      * {"M": 0.45, "S": 0.56, "N": 0.704}[m["Au"]])
    f = 0.0 if impact == 0 else 1.176
    return round((0.6 * impact + 0.4 * exploitability - 1.5) * f, 1)


def _v2_level(score: float) -> str:
    return "low" if score < 4 else "medium" if score < 7 else "high"
