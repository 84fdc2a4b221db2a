from __future__ import annotations

from nocturna_gateway.resilience.breaker import BreakerState, CircuitBreaker

from services.gateway.tests.fakes import FakeClock


def breaker(clock: FakeClock) -> CircuitBreaker:
    return CircuitBreaker(failure_threshold=3, cooldown_seconds=10, clock=clock)


def test_stays_closed_below_the_threshold_and_a_success_resets_the_count() -> None:
    clock = FakeClock()
    subject = breaker(clock)
    subject.record_failure()
    subject.record_failure()
    subject.record_success()
    subject.record_failure()
    subject.record_failure()
    assert subject.state is BreakerState.CLOSED
    assert subject.allow()


def test_opens_after_consecutive_failures_and_refuses_calls_until_the_cooldown() -> None:
    clock = FakeClock()
    subject = breaker(clock)
    for _ in range(3):
        subject.record_failure()
    assert subject.state is BreakerState.OPEN
    assert not subject.allow()
    clock.advance(4)
    assert not subject.allow()
    assert subject.retry_after_seconds() == 6


def test_half_open_lets_one_probe_through_and_its_success_closes() -> None:
    clock = FakeClock()
    subject = breaker(clock)
    for _ in range(3):
        subject.record_failure()
    clock.advance(10)
    assert subject.state is BreakerState.HALF_OPEN
    assert subject.allow()
    assert not subject.allow(), "a second caller waits for the probe"
    subject.record_success()
    assert subject.state is BreakerState.CLOSED
    assert subject.allow()
    assert subject.allow()


def test_a_failed_probe_opens_the_breaker_for_another_cooldown() -> None:
    clock = FakeClock()
    subject = breaker(clock)
    for _ in range(3):
        subject.record_failure()
    clock.advance(10)
    assert subject.allow()
    subject.record_failure()
    assert subject.state is BreakerState.OPEN
    clock.advance(9)
    assert not subject.allow()
    clock.advance(1)
    assert subject.allow()


def test_a_probe_that_never_reports_frees_its_slot_after_a_cooldown() -> None:
    clock = FakeClock()
    subject = breaker(clock)
    for _ in range(3):
        subject.record_failure()
    clock.advance(10)
    assert subject.allow()
    clock.advance(5)
    assert not subject.allow()
    clock.advance(5)
    assert subject.allow()
