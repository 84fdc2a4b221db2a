"""The chart service's local projection of a user's plan (event-carried state from subscription)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class Entitlements:
    plan_code: str
    charts_per_month: int | None
    saved_charts: int | None
    synastry: bool
    transits: bool
    batch: bool


@dataclass(frozen=True)
class EntitlementProjection:
    """Only a newer subscription version replaces the projection: out-of-order events cannot go backwards."""

    user_id: UUID
    entitlements: Entitlements
    version: int
    updated_at: datetime

    def supersedes(self, current: EntitlementProjection | None) -> bool:
        return current is None or self.version > current.version
