"""Failed-login throttling over HTTP and the Redis limiter itself (its fake passes the same contract)."""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from ipaddress import IPv4Network
from typing import Protocol

import pytest
import redis.asyncio as aioredis
from nocturna_auth.bootstrap import AuthService
from nocturna_auth.domain.lockout import LockoutPolicy
from nocturna_auth.infrastructure.login_limiter import RedisLoginAttemptLimiter
from nocturna_auth.settings import LoginThrottleSettings
from nocturna_platform.settings import HttpSettings
from nocturna_platform.testing.plugin import TestRun
from nocturna_platform.testing.serving import TEST_CLIENT_ADDRESS, serving
from prometheus_client import CollectorRegistry

from services.auth.tests.conftest import PASSWORD, AuthHarness, Mailbox, service_settings, unique_email
from services.auth.tests.fakes import InMemoryLoginAttemptLimiter

THROTTLE = LoginThrottleSettings(
    account_threshold=3,
    ip_threshold=6,
    lockout_base_seconds=1,
    lockout_max_seconds=2,
    failure_window_seconds=60,
)
_addresses = (f"198.18.{n // 250}.{n % 250 + 1}" for n in itertools.count())


def new_ip() -> str:
    """A client address of its own per test, so address counters never leak between tests."""
    return next(_addresses)


@pytest.fixture(scope="module")
async def throttled(
    test_run: TestRun, test_env: dict[str, str], mailbox: Mailbox
) -> AsyncIterator[AuthHarness]:
    """Low thresholds, second-long lockouts, the test client trusted as a proxy (X-Forwarded-For picks the
    client address) and a Redis prefix of its own."""
    settings = service_settings(
        mailbox,
        login_throttle=THROTTLE,
        http=HttpSettings(trusted_proxies=[IPv4Network(f"{TEST_CLIENT_ADDRESS[0]}/32")]),
        redis_key_prefix=f"{test_run.redis_key_prefix}lockout:",
    )
    service = AuthService(settings)
    async with serving(service, base_url="http://auth.test") as client:
        yield AuthHarness(service, client, mailbox)


async def _attempt(
    harness: AuthHarness, email: str, password: str, ip: str
) -> tuple[int, dict[str, object], str | None]:
    response = await harness.password_grant(email, password, **{"X-Forwarded-For": ip})
    return response.status_code, response.json(), response.headers.get("retry-after")


async def test_the_account_locks_and_even_the_right_password_is_refused(throttled: AuthHarness) -> None:
    email = unique_email()
    await throttled.register(email)

    attempts = [await _attempt(throttled, email, "wrong password!", new_ip()) for _ in range(3)]
    locked = await _attempt(throttled, email, PASSWORD, new_ip())

    assert [status for status, _, _ in attempts] == [400, 400, 429]
    status, body, retry_after = locked
    assert status == 429
    assert body["error"] == "too_many_attempts"
    assert retry_after == "1"


async def test_the_lockout_expires(throttled: AuthHarness) -> None:
    email = unique_email()
    await throttled.register(email)
    for _ in range(3):
        await _attempt(throttled, email, "wrong password!", new_ip())
    status, _, retry_after = await _attempt(throttled, email, PASSWORD, new_ip())
    assert (status, retry_after) == (429, "1")

    await asyncio.sleep(1.1)

    assert (await _attempt(throttled, email, PASSWORD, new_ip()))[0] == 200


async def test_unknown_emails_are_counted_and_answered_exactly_like_wrong_passwords(
    throttled: AuthHarness,
) -> None:
    email = unique_email()
    await throttled.register(email)

    known = [await _attempt(throttled, email, "wrong password!", new_ip()) for _ in range(4)]
    stranger = unique_email()
    unknown = [await _attempt(throttled, stranger, "wrong password!", new_ip()) for _ in range(4)]

    assert [(s, b) for s, b, _ in known] == [(s, b) for s, b, _ in unknown]
    assert [s for s, _, _ in known] == [400, 400, 429, 429]


async def test_a_successful_sign_in_resets_the_account_counter(throttled: AuthHarness) -> None:
    email = unique_email()
    await throttled.register(email)
    for _ in range(2):
        await _attempt(throttled, email, "wrong password!", new_ip())
    assert (await _attempt(throttled, email, PASSWORD, new_ip()))[0] == 200

    statuses = [(await _attempt(throttled, email, "wrong password!", new_ip()))[0] for _ in range(3)]

    assert statuses == [400, 400, 429]


async def test_one_address_trying_many_accounts_is_locked_out(throttled: AuthHarness) -> None:
    email, ip = unique_email(), new_ip()
    await throttled.register(email)

    statuses = [(await _attempt(throttled, unique_email(), "wrong password!", ip))[0] for _ in range(6)]
    same_address = await _attempt(throttled, email, PASSWORD, ip)
    other_address = await _attempt(throttled, email, PASSWORD, new_ip())

    assert statuses == [400] * 5 + [429]
    assert same_address[0] == 429
    assert other_address[0] == 200


async def test_unknown_email_and_wrong_password_take_about_as_long(throttled: AuthHarness) -> None:
    accounts = [unique_email() for _ in range(6)]
    for email in accounts:
        await throttled.register(email)

    async def timed(email: str) -> float:
        started = time.perf_counter()
        status, _, _ = await _attempt(throttled, email, "wrong password!", new_ip())
        assert status == 400
        return time.perf_counter() - started

    wrong_password, unknown_email = [], []
    for email in accounts * 2:  # two failures per account: below its threshold
        wrong_password.append(await timed(email))
        unknown_email.append(await timed(unique_email()))

    known_median, unknown_median = statistics.median(wrong_password), statistics.median(unknown_email)
    assert abs(known_median - unknown_median) < max(0.05, min(known_median, unknown_median)), (
        wrong_password,
        unknown_email,
    )


class Limiter(Protocol):
    async def retry_after(self, account: str, ip: str | None) -> int: ...

    async def record_failure(self, account: str, ip: str | None) -> int: ...

    async def record_success(self, account: str) -> None: ...


@pytest.fixture
async def redis_client(test_env: dict[str, str]) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(test_env["REDIS_URL"])
    yield client
    await client.aclose()


@pytest.fixture(params=["redis", "in-memory"])
def limiter(request: pytest.FixtureRequest, redis_client: aioredis.Redis, test_run: TestRun) -> Limiter:
    if request.param == "in-memory":
        policy = LockoutPolicy(THROTTLE.account_threshold, 1, 2)
        ip_policy = LockoutPolicy(THROTTLE.ip_threshold, 1, 2)
        return InMemoryLoginAttemptLimiter(datetime.now(UTC), policy, ip_policy)
    prefix = f"{test_run.redis_key_prefix}limiter-{uuid.uuid4().hex[:8]}:"
    return RedisLoginAttemptLimiter(redis_client, prefix, THROTTLE, CollectorRegistry())


async def test_limiter_contract_accounts_lock_at_the_threshold_and_a_success_unlocks(
    limiter: Limiter,
) -> None:
    assert [await limiter.record_failure("ada@example.com", f"192.0.2.{n}") for n in range(3)] == [0, 0, 1]
    assert await limiter.retry_after("ada@example.com", None) == 1
    assert await limiter.retry_after("bob@example.com", None) == 0

    await limiter.record_success("ada@example.com")

    assert await limiter.retry_after("ada@example.com", None) == 0
    assert await limiter.record_failure("ada@example.com", "192.0.2.9") == 0


async def test_limiter_contract_addresses_lock_across_accounts(limiter: Limiter) -> None:
    for n in range(5):
        assert await limiter.record_failure(f"user{n}@example.com", "192.0.2.77") == 0
    assert await limiter.record_failure("user5@example.com", "192.0.2.77") == 1

    assert await limiter.retry_after("someone@example.com", "192.0.2.77") == 1
    assert await limiter.retry_after("someone@example.com", "192.0.2.78") == 0
    await limiter.record_success("someone@example.com")
    assert await limiter.retry_after("someone@example.com", "192.0.2.77") == 1


async def test_every_limiter_key_expires_and_none_names_the_email(
    redis_client: aioredis.Redis, test_run: TestRun
) -> None:
    prefix = f"{test_run.redis_key_prefix}limiter-{uuid.uuid4().hex[:8]}:"
    long_lockout = THROTTLE.model_copy(update={"lockout_base_seconds": 30, "lockout_max_seconds": 30})
    limiter = RedisLoginAttemptLimiter(redis_client, prefix, long_lockout, CollectorRegistry())
    for _ in range(3):
        await limiter.record_failure("ada@example.com", "2001:db8::1")

    keys = [key.decode() async for key in redis_client.scan_iter(match=f"{prefix}*")]

    assert len(keys) == 3  # the account's failures and lock, the address's failures
    assert all(0 < ttl <= 60_000 for ttl in [await redis_client.pttl(key) for key in keys])
    assert not any("ada" in key for key in keys)
    assert any(key.endswith("ip:2001:db8::/64:failures") for key in keys)


async def test_the_limiter_fails_open_when_redis_is_down() -> None:
    registry = CollectorRegistry()
    dead = aioredis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    limiter = RedisLoginAttemptLimiter(dead, "test:", THROTTLE, registry)
    try:
        for _ in range(5):
            assert await limiter.record_failure("ada@example.com", "192.0.2.1") == 0
        assert await limiter.retry_after("ada@example.com", "192.0.2.1") == 0
        await limiter.record_success("ada@example.com")
    finally:
        await dead.aclose()

    assert registry.get_sample_value("auth_login_limiter_unavailable_total") == 7
