from __future__ import annotations

import pytest
from nocturna_platform.resilience.breaker import BreakerState, CircuitBreaker, CircuitOpen


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _breaker(clock: FakeClock, probes: int = 1) -> CircuitBreaker:
    return CircuitBreaker(failure_threshold=3, cooldown_seconds=10.0, half_open_probes=probes, clock=clock)


def _fail(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        breaker.acquire()
        breaker.failure()


def test_consecutive_failures_open_it_and_a_success_in_between_resets_the_count() -> None:
    clock = FakeClock()
    breaker = _breaker(clock)

    _fail(breaker, 2)
    breaker.acquire()
    breaker.success()
    _fail(breaker, 2)
    assert breaker.state is BreakerState.CLOSED

    _fail(breaker, 1)
    assert breaker.state is BreakerState.OPEN
    clock.now += 4.0
    with pytest.raises(CircuitOpen) as refused:
        breaker.acquire()
    assert refused.value.retry_after == pytest.approx(6.0)


def test_after_the_cooldown_one_probe_goes_through_and_its_success_closes_it() -> None:
    clock = FakeClock()
    breaker = _breaker(clock)
    _fail(breaker, 3)

    clock.now += 10.0
    assert breaker.state is BreakerState.HALF_OPEN
    breaker.acquire()
    with pytest.raises(CircuitOpen):
        breaker.acquire()  # one probe at a time
    breaker.success()

    assert breaker.state is BreakerState.CLOSED
    breaker.acquire()


def test_a_failed_probe_opens_it_again_for_a_full_cooldown() -> None:
    clock = FakeClock()
    breaker = _breaker(clock)
    _fail(breaker, 3)
    clock.now += 10.0

    breaker.acquire()
    breaker.failure()

    assert breaker.state is BreakerState.OPEN
    clock.now += 9.9
    with pytest.raises(CircuitOpen):
        breaker.acquire()
    clock.now += 0.1
    breaker.acquire()


def test_a_released_probe_frees_its_slot_without_deciding() -> None:
    clock = FakeClock()
    breaker = _breaker(clock)
    _fail(breaker, 3)
    clock.now += 10.0

    breaker.acquire()
    breaker.release()

    assert breaker.state is BreakerState.HALF_OPEN
    breaker.acquire()


def test_settings_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="failure_threshold"):
        CircuitBreaker(failure_threshold=0)


def test_a_probe_that_never_reports_frees_its_slot_after_a_cooldown() -> None:
    clock = FakeClock()
    breaker = _breaker(clock)
    _fail(breaker, 3)
    clock.now += 10.0

    breaker.acquire()  # its caller vanishes without success(), failure() or release()
    clock.now += 5.0
    with pytest.raises(CircuitOpen) as refused:
        breaker.acquire()
    assert refused.value.retry_after == 0.0
    clock.now += 5.0
    breaker.acquire()
    with pytest.raises(CircuitOpen):
        breaker.acquire()  # the new probe holds the slot again


def test_several_probes_when_configured_and_a_closed_breaker_lets_every_call_through() -> None:
    clock = FakeClock()
    breaker = _breaker(clock, probes=2)
    _fail(breaker, 3)
    clock.now += 10.0

    breaker.acquire()
    breaker.acquire()
    with pytest.raises(CircuitOpen):
        breaker.acquire()
    breaker.success()
    breaker.release()

    assert breaker.state is BreakerState.CLOSED
    for _ in range(10):
        breaker.acquire()
        breaker.release()
    assert breaker.state is BreakerState.CLOSED
