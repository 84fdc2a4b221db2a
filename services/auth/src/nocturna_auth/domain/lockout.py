"""How long repeated failed sign-ins lock an account or a client address."""

from __future__ import annotations

from dataclasses import dataclass

_MAX_DOUBLINGS = 32


@dataclass(frozen=True)
class LockoutPolicy:
    """From the `threshold`-th failure in a row on, each failure locks for `base` seconds, doubled per further
    failure, at most `max` seconds."""

    threshold: int
    base_seconds: float
    max_seconds: float

    def lockout_after(self, failures: int) -> float:
        if failures < self.threshold:
            return 0.0
        doublings = min(failures - self.threshold, _MAX_DOUBLINGS)
        return float(min(self.base_seconds * 2**doublings, self.max_seconds))
