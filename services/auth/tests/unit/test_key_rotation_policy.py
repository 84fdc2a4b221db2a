from __future__ import annotations

from datetime import UTC, datetime, timedelta

from nocturna_auth.domain.signing_keys import KeyRotationPolicy

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
POLICY = KeyRotationPolicy(rotate_after=timedelta(days=30), retention=timedelta(minutes=16, seconds=30))


def test_a_key_is_replaced_once_it_is_old_enough_or_when_there_is_none() -> None:
    assert POLICY.is_due(None, NOW)
    assert not POLICY.is_due(NOW - timedelta(days=30) + timedelta(seconds=1), NOW)
    assert POLICY.is_due(NOW - timedelta(days=30), NOW)


def test_keys_retired_within_the_retention_are_still_published() -> None:
    assert POLICY.published_since(NOW) == NOW - POLICY.retention
