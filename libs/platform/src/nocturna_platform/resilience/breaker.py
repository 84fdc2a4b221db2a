"""A circuit breaker for calls to one upstream: fail fast while it is down, probe it again after a cooldown."""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitOpen(Exception):
    """The breaker refuses the call; `retry_after` is the time in seconds until it lets a probe through."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"circuit open, retry after {retry_after:.1f}s")
        self.retry_after = retry_after


class CircuitBreaker:
    """`failure_threshold` consecutive failures open it; it refuses calls for `cooldown_seconds`, then lets
    `half_open_probes` calls through at a time: a success closes it, a failure opens it again.

    Callers bracket each call: `acquire()` (raises `CircuitOpen`), then exactly one of `success()`, `failure()`
    or `release()` (an outcome that says nothing about the upstream, e.g. a cancelled call). Probes that still
    have not reported a cooldown after the last one was let through are taken as lost and free their slots, so
    a caller that vanished without reporting cannot keep the breaker from ever probing again. The clock is
    injected (monotonic seconds), so tests move time instead of sleeping. Not thread-safe: one event loop.
    """

    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        cooldown_seconds: float = 10.0,
        half_open_probes: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1 or cooldown_seconds <= 0 or half_open_probes < 1:
            raise ValueError("failure_threshold and half_open_probes must be >= 1, cooldown_seconds > 0")
        self._threshold, self._cooldown, self._probes = failure_threshold, cooldown_seconds, half_open_probes
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = 0
        self._probe_let_through_at = 0.0

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.CLOSED
        if self._clock() - self._opened_at < self._cooldown:
            return BreakerState.OPEN
        return BreakerState.HALF_OPEN

    def acquire(self) -> None:
        state = self.state
        if state is BreakerState.CLOSED:
            return
        if state is BreakerState.HALF_OPEN:
            now = self._clock()
            if self._probing >= self._probes and now - self._probe_let_through_at >= self._cooldown:
                self._probing = 0
            if self._probing < self._probes:
                self._probing += 1
                self._probe_let_through_at = now
                return
        raise CircuitOpen(self._retry_after())

    def success(self) -> None:
        self._end_probe()
        self._failures = 0
        self._opened_at = None

    def failure(self) -> None:
        probing = self._end_probe()
        self._failures += 1
        if probing or self._failures >= self._threshold:
            self._opened_at = self._clock()

    def release(self) -> None:
        self._end_probe()

    def _end_probe(self) -> bool:
        if self._opened_at is not None and self._probing > 0:
            self._probing -= 1
            return True
        return False

    def _retry_after(self) -> float:
        assert self._opened_at is not None
        return max(0.0, self._opened_at + self._cooldown - self._clock())
