"""A circuit breaker: stop calling an upstream that keeps failing, probe it again after a cooldown."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

Clock = Callable[[], float]
"""Monotonic seconds."""


class BreakerState(Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Opens after `failure_threshold` consecutive failures; after `cooldown_seconds` one probe call is let
    through (half-open): its success closes the breaker, its failure opens it for another cooldown. A probe
    that never reports (its caller was cancelled) frees the slot for another probe after a cooldown."""

    def __init__(self, failure_threshold: int, cooldown_seconds: float, clock: Clock) -> None:
        self._threshold = failure_threshold
        self._cooldown = cooldown_seconds
        self._clock = clock
        self._failures = 0
        self._opened_at = 0.0
        self._probe_started_at: float | None = None

    @property
    def state(self) -> BreakerState:
        if self._failures < self._threshold:
            return BreakerState.CLOSED
        if self._clock() - self._opened_at < self._cooldown:
            return BreakerState.OPEN
        return BreakerState.HALF_OPEN

    def allow(self) -> bool:
        """Whether a call may go out now; in half-open, True for one probe at a time."""
        state = self.state
        if state is BreakerState.CLOSED:
            return True
        if state is BreakerState.OPEN:
            return False
        now = self._clock()
        if self._probe_started_at is not None and now - self._probe_started_at < self._cooldown:
            return False
        self._probe_started_at = now
        return True

    def retry_after_seconds(self) -> float:
        """How long until a probe may be let through (0 when calls pass)."""
        if self.state is not BreakerState.OPEN:
            return 0.0
        return max(0.0, self._cooldown - (self._clock() - self._opened_at))

    def record_success(self) -> None:
        self._failures = 0
        self._probe_started_at = None

    def record_failure(self) -> None:
        self._failures += 1
        self._probe_started_at = None
        if self._failures >= self._threshold:
            self._opened_at = self._clock()
