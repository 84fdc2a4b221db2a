"""When the access-token signing key is replaced, and how long a replaced key stays published."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class KeyRotationPolicy:
    """The newest key signs; a retired key stays in the JWKS until no token it may have signed is valid.

    `retention` covers the access-token lifetime, the verifiers' leeway and the time a replica may keep
    signing with a key it has not yet seen retired.
    """

    rotate_after: timedelta
    retention: timedelta

    def is_due(self, current_created_at: datetime | None, now: datetime) -> bool:
        return current_created_at is None or now >= current_created_at + self.rotate_after

    def published_since(self, now: datetime) -> datetime:
        """Keys retired after this instant are still published."""
        return now - self.retention
