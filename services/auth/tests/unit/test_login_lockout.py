from __future__ import annotations

from datetime import timedelta

import pytest
from nocturna_auth.application.issue_tokens import PasswordGrant, PasswordGrantHandler
from nocturna_auth.application.limit_login_attempts import ThrottledPasswordGrantHandler
from nocturna_auth.application.register_user import RegisterUser, RegisterUserHandler
from nocturna_auth.application.session_tokens import SessionTokenIssuer
from nocturna_auth.domain.lockout import LockoutPolicy
from nocturna_auth.domain.users import InvalidCredentials, TooManyAttempts
from nocturna_auth.infrastructure.refresh_token_secrets import Sha256AesGcmRefreshTokenSecrets

from services.auth.tests.fakes import (
    FakeAccessTokenIssuer,
    FakePasswordHasher,
    InMemoryAuthStore,
    InMemoryLoginAttemptLimiter,
)
from services.auth.tests.unit.builders import NOW, PASSWORD, POLICY, clock, mailer, new_ids

EMAIL = "ada@example.com"
IP = "198.51.100.7"


@pytest.fixture
def store() -> InMemoryAuthStore:
    return InMemoryAuthStore(NOW)


@pytest.fixture
def limiter() -> InMemoryLoginAttemptLimiter:
    return InMemoryLoginAttemptLimiter(
        NOW, account=LockoutPolicy(3, 60, 240), ip=LockoutPolicy(5, 60, 240), window=timedelta(hours=1)
    )


@pytest.fixture
async def sign_in(
    store: InMemoryAuthStore, limiter: InMemoryLoginAttemptLimiter
) -> ThrottledPasswordGrantHandler:
    hasher = FakePasswordHasher()
    await RegisterUserHandler(store, hasher, POLICY, mailer(), clock(store), new_ids())(
        RegisterUser(EMAIL, PASSWORD)
    )
    tokens = SessionTokenIssuer(
        FakeAccessTokenIssuer(),
        Sha256AesGcmRefreshTokenSecrets(),
        clock(store),
        new_ids(1000),
        session_lifetime=timedelta(days=1),
        refresh_token_ttl=timedelta(days=1),
    )
    grant = PasswordGrantHandler(store, hasher, tokens)
    return ThrottledPasswordGrantHandler(grant, limiter)


async def _fail(sign_in: ThrottledPasswordGrantHandler, email: str = EMAIL, ip: str = IP) -> type[Exception]:
    try:
        await sign_in(PasswordGrant(email, "wrong password!", ip=ip))
    except (InvalidCredentials, TooManyAttempts) as error:
        return type(error)
    raise AssertionError("a wrong password was accepted")


def _advance(store: InMemoryAuthStore, limiter: InMemoryLoginAttemptLimiter, seconds: float) -> None:
    store.now += timedelta(seconds=seconds)
    limiter.now = store.now


async def test_the_threshold_failure_locks_the_account_and_even_the_right_password_is_refused(
    sign_in: ThrottledPasswordGrantHandler,
) -> None:
    assert [await _fail(sign_in) for _ in range(3)] == [
        InvalidCredentials,
        InvalidCredentials,
        TooManyAttempts,
    ]

    with pytest.raises(TooManyAttempts) as refused:
        await sign_in(PasswordGrant(EMAIL, PASSWORD, ip="192.0.2.1"))
    assert refused.value.retry_after_seconds == 60


async def test_the_lockout_expires_and_grows_with_each_further_failure(
    store: InMemoryAuthStore, limiter: InMemoryLoginAttemptLimiter, sign_in: ThrottledPasswordGrantHandler
) -> None:
    for _ in range(3):
        await _fail(sign_in)
    _advance(store, limiter, 60)

    assert await _fail(sign_in) is TooManyAttempts
    assert await limiter.retry_after(EMAIL, None) == 120
    _advance(store, limiter, 120)
    await sign_in(PasswordGrant(EMAIL, PASSWORD, ip=IP))


async def test_a_successful_sign_in_resets_the_account_counter(
    sign_in: ThrottledPasswordGrantHandler,
) -> None:
    await _fail(sign_in)
    await _fail(sign_in)
    await sign_in(PasswordGrant(EMAIL, PASSWORD, ip="192.0.2.1"))

    assert [await _fail(sign_in, ip="192.0.2.2") for _ in range(3)] == [
        InvalidCredentials,
        InvalidCredentials,
        TooManyAttempts,
    ]


async def test_failures_are_forgotten_after_the_window(
    store: InMemoryAuthStore, limiter: InMemoryLoginAttemptLimiter, sign_in: ThrottledPasswordGrantHandler
) -> None:
    await _fail(sign_in)
    await _fail(sign_in)
    _advance(store, limiter, 3600)

    assert await _fail(sign_in) is InvalidCredentials


async def test_an_unknown_email_is_counted_and_answered_like_a_known_one(
    sign_in: ThrottledPasswordGrantHandler,
) -> None:
    known = [await _fail(sign_in, EMAIL, ip="192.0.2.1") for _ in range(4)]
    unknown = [await _fail(sign_in, "NoBody@example.com ", ip="192.0.2.2") for _ in range(4)]

    assert known == unknown == [InvalidCredentials, InvalidCredentials, TooManyAttempts, TooManyAttempts]


async def test_one_address_trying_many_accounts_is_locked_out(sign_in: ThrottledPasswordGrantHandler) -> None:
    outcomes = [await _fail(sign_in, f"user{n}@example.com") for n in range(5)]

    assert outcomes[-1] is TooManyAttempts
    with pytest.raises(TooManyAttempts):
        await sign_in(PasswordGrant(EMAIL, PASSWORD, ip=IP))
    await sign_in(PasswordGrant(EMAIL, PASSWORD, ip="192.0.2.9"))
