from __future__ import annotations

from datetime import timedelta

import pytest
from nocturna_auth.application.register_user import RegisterUser, RegisterUserHandler
from nocturna_auth.application.request_password_reset import RequestPasswordResetHandler
from nocturna_auth.application.resend_verification import ResendVerificationHandler
from nocturna_auth.application.verify_email import VerifyEmailHandler
from nocturna_auth.domain.emails import EmailKind
from nocturna_auth.domain.one_time_tokens import InvalidToken
from nocturna_auth.domain.users import EmailAlreadyVerified, TooManyAttempts, User
from nocturna_contracts.auth.v1 import UserEmailVerified

from services.auth.tests.fakes import FakePasswordHasher, InMemoryAuthStore
from services.auth.tests.unit.builders import (
    NOW,
    PASSWORD,
    POLICY,
    VERIFICATION_TTL,
    clock,
    mailer,
    mails,
    new_ids,
    secret_in,
)

EMAIL = "ada@example.com"


@pytest.fixture
def store() -> InMemoryAuthStore:
    return InMemoryAuthStore(NOW)


async def _registered(store: InMemoryAuthStore) -> User:
    handler = RegisterUserHandler(store, FakePasswordHasher(), POLICY, mailer(), clock(store), new_ids())
    return await handler(RegisterUser(EMAIL, PASSWORD))


def _verify(store: InMemoryAuthStore) -> VerifyEmailHandler:
    return VerifyEmailHandler(store, clock(store))


def _resend(store: InMemoryAuthStore, cooldown: timedelta = timedelta(0)) -> ResendVerificationHandler:
    return ResendVerificationHandler(store, mailer(cooldown), clock(store), new_ids(100))


def _link(store: InMemoryAuthStore, number: int = 1) -> str:
    return secret_in(mails(store, EMAIL, EmailKind.VERIFY_EMAIL)[number - 1])


async def test_the_mailed_token_verifies_the_address_once(store: InMemoryAuthStore) -> None:
    user = await _registered(store)

    await _verify(store)(_link(store))

    assert store.users[user.id].email_verified
    with pytest.raises(InvalidToken):
        await _verify(store)(_link(store))


async def test_verifying_announces_it_once_through_the_outbox(store: InMemoryAuthStore) -> None:
    user = await _registered(store)
    store.now += timedelta(minutes=5)

    await _verify(store)(_link(store))

    assert [e for e in store.published if isinstance(e, UserEmailVerified)] == [
        UserEmailVerified(user_id=user.id, email=EMAIL, verified_at=NOW + timedelta(minutes=5))
    ]


async def test_an_expired_token_verifies_nothing(store: InMemoryAuthStore) -> None:
    user = await _registered(store)
    store.now += VERIFICATION_TTL

    with pytest.raises(InvalidToken):
        await _verify(store)(_link(store))
    assert not store.users[user.id].email_verified


async def test_unknown_tokens_and_reset_tokens_do_not_verify(store: InMemoryAuthStore) -> None:
    user = await _registered(store)
    await RequestPasswordResetHandler(store, mailer(), clock(store), new_ids(200))(EMAIL)
    [reset] = mails(store, EMAIL, EmailKind.PASSWORD_RESET)

    for secret in ("made-up", secret_in(reset)):
        with pytest.raises(InvalidToken):
            await _verify(store)(secret)
    assert not store.users[user.id].email_verified


async def test_a_resent_link_replaces_the_older_one(store: InMemoryAuthStore) -> None:
    user = await _registered(store)

    await _resend(store)(user.id)

    with pytest.raises(InvalidToken):
        await _verify(store)(_link(store, 1))
    await _verify(store)(_link(store, 2))
    assert store.users[user.id].email_verified


async def test_no_link_is_resent_to_a_verified_address(store: InMemoryAuthStore) -> None:
    user = await _registered(store)
    await _verify(store)(_link(store))

    with pytest.raises(EmailAlreadyVerified):
        await _resend(store)(user.id)
    assert len(mails(store, EMAIL, EmailKind.VERIFY_EMAIL)) == 1


async def test_resending_waits_for_the_cooldown(store: InMemoryAuthStore) -> None:
    user = await _registered(store)
    store.now += timedelta(seconds=20)

    with pytest.raises(TooManyAttempts) as refused:
        await _resend(store, cooldown=timedelta(minutes=1))(user.id)
    assert refused.value.retry_after_seconds == 40

    store.now += timedelta(seconds=40)
    await _resend(store, cooldown=timedelta(minutes=1))(user.id)
    assert len(mails(store, EMAIL, EmailKind.VERIFY_EMAIL)) == 2
