from __future__ import annotations

import uuid
from datetime import UTC, datetime

from nocturna_gateway.edge.deny_list import RecentlyCleared
from nocturna_gateway.edge.verified_tokens import VerifiedTokens
from nocturna_platform.security.principal import Principal

EXPIRES = datetime(2026, 1, 1, 12, 15, tzinfo=UTC)


def principal() -> Principal:
    return Principal(uuid.uuid4(), None, frozenset({"user"}), frozenset(), "jti", EXPIRES)


def test_a_token_is_served_until_its_expiry_plus_leeway() -> None:
    cache = VerifiedTokens(capacity=10, leeway_seconds=30)
    verified = principal()
    cache.put("t", verified)

    assert cache.get("t", EXPIRES.timestamp() + 29) is verified
    assert cache.get("t", EXPIRES.timestamp() + 30) is None
    assert cache.get("t", EXPIRES.timestamp()) is None  # dropped once expired


def test_when_full_the_oldest_token_goes() -> None:
    cache = VerifiedTokens(capacity=2, leeway_seconds=0)
    for token in ("a", "b", "c"):
        cache.put(token, principal())

    now = EXPIRES.timestamp() - 1
    assert [cache.get(token, now) is not None for token in ("a", "b", "c")] == [False, True, True]


def test_capacity_zero_keeps_nothing() -> None:
    cache = VerifiedTokens(capacity=0, leeway_seconds=0)
    cache.put("a", principal())

    assert cache.get("a", 0) is None


def test_recently_cleared_principals_are_remembered_for_the_interval_and_bounded() -> None:
    cleared = RecentlyCleared(seconds=1.0, capacity=2)
    first, second, third = principal(), principal(), principal()
    cleared.remember(first, 100.0)

    assert cleared.covers(first, 100.9)
    assert not cleared.covers(first, 101.0)
    cleared.remember(second, 100.0)
    cleared.remember(third, 100.0)
    assert [cleared.covers(p, 100.5) for p in (first, second, third)] == [False, True, True]


def test_recheck_zero_remembers_nothing() -> None:
    cleared = RecentlyCleared(seconds=0, capacity=10)
    first = principal()
    cleared.remember(first, 100.0)

    assert not cleared.covers(first, 100.0)
