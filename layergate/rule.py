"""A rule's identity, declared once. Every finding a check emits is built from it."""

from __future__ import annotations

from layergate.model import Finding, Location, Severity
from layergate.records import dataclass


@dataclass(frozen=True, slots=True)
class Rule:
    id: str  # LG101
    slug: str  # floating-reference
    severity: Severity  # default severity; kept apart from the id
    title: str  # one line: what it catches
    fix: str  # one line: what to do about it
    online: bool = False  # needs AWS (verify/inventory only)

    @property
    def folder(self) -> str:
        return f"{self.id}-{self.slug}"

    def finding(
        self,
        location: Location,
        message: str,
        *,
        arn: str | None = None,
        fix: str | None = None,
        consumer: str | None = None,
        severity: Severity | None = None,
        related: tuple[str, ...] = (),
    ) -> Finding:
        return Finding(
            rule_id=self.id,
            slug=self.slug,
            severity=severity or self.severity,
            message=message,
            location=location,
            arn=arn,
            fix=self.fix if fix is None else fix,
            consumer=consumer,
            related=related,
        )

    def names(self) -> tuple[str, str]:
        return (self.id, self.slug)
