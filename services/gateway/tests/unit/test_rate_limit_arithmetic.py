"""GCRA: `limit` requests per minute, all of which may come at once, refilled one every minute/limit."""

from __future__ import annotations

from nocturna_gateway.rate_limiting.decision import Bucket, RateLimitDecision, gcra

NOW = 1_700_000_000_000


def run(limit: int, times: list[int], bucket: Bucket | None = None) -> list[RateLimitDecision]:
    decisions = []
    for now in times:
        decision, updated = gcra(bucket, now, limit)
        bucket = updated or bucket
        decisions.append(decision)
    return decisions


def test_a_full_burst_is_allowed_and_counts_down_then_the_next_request_is_refused() -> None:
    decisions = run(60, [NOW] * 61)
    assert [d.remaining for d in decisions[:3]] == [59, 58, 57]
    assert all(d.allowed for d in decisions[:60])
    assert decisions[59].remaining == 0
    refused = decisions[60]
    assert not refused.allowed
    assert refused.retry_after_ms == 1000
    assert refused.retry_after_seconds == 1
    assert refused.reset_seconds == 60


def test_one_request_is_refilled_per_interval() -> None:
    decisions = run(60, [NOW] * 60 + [NOW + 999, NOW + 1000, NOW + 1000])
    assert [d.allowed for d in decisions[60:]] == [False, True, False]


def test_reset_is_the_time_until_the_whole_quota_is_back() -> None:
    first = run(60, [NOW])[0]
    assert first.reset_ms == 1000
    assert first.reset_seconds == 1
    after_ten = run(60, [NOW] * 10)[-1]
    assert after_ten.reset_seconds == 10


def test_an_idle_bucket_is_full_again() -> None:
    decisions = run(10, [NOW] * 10 + [NOW + 60_000])
    assert decisions[-1].allowed
    assert decisions[-1].remaining == 9


def test_a_higher_limit_keeps_the_requests_already_counted() -> None:
    _, bucket = gcra(None, NOW, 60)
    for _ in range(59):
        _, bucket = gcra(bucket, NOW, 60)
    decision, _ = gcra(bucket, NOW, 300)
    assert decision.allowed
    assert decision.limit == 300
    assert decision.remaining == 300 - 60 - 1


def test_a_zero_limit_refuses_everything() -> None:
    decision, bucket = gcra(None, NOW, 0)
    assert not decision.allowed
    assert bucket is None
    assert decision.retry_after_seconds == 60
