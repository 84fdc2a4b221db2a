from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest
from nocturna_auth.application.change_password import ChangePassword, ChangePasswordHandler
from nocturna_auth.application.limit_login_attempts import ThrottledPasswordCheck
from nocturna_auth.application.register_user import RegisterUser, RegisterUserHandler
from nocturna_auth.application.request_password_reset import RequestPasswordResetHandler
from nocturna_auth.application.reset_password import ResetPassword, ResetPasswordHandler
from nocturna_auth.domain.emails import EmailKind
from nocturna_auth.domain.lockout import LockoutPolicy
from nocturna_auth.domain.one_time_tokens import InvalidToken
from nocturna_auth.domain.sessions import RevocationReason, Session
from nocturna_auth.domain.users import (
    InvalidCredentials,
    InvalidEmail,
    TooManyAttempts,
    User,
    WeakPassword,
)
from nocturna_contracts.auth.v1 import SessionRevoked, UserEmailVerified

from services.auth.tests.fakes import FakePasswordHasher, InMemoryAuthStore, InMemoryLoginAttemptLimiter
from services.auth.tests.unit.builders import (
    ACCESS_TOKEN_TTL,
    MAIL,
    NOW,
    PASSWORD,
    POLICY,
    RESET_TTL,
    clock,
    mailer,
    mails,
    new_ids,
    secret_in,
)
from services.auth.tests.unit.watching import CountedUnits, WatchedHasher

EMAIL = "ada@example.com"
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def store() -> InMemoryAuthStore:
    return InMemoryAuthStore(NOW)


@pytest.fixture
def hasher() -> FakePasswordHasher:
    return FakePasswordHasher()


@pytest.fixture
def limiter() -> InMemoryLoginAttemptLimiter:
    return InMemoryLoginAttemptLimiter(NOW, LockoutPolicy(3, 60, 600), LockoutPolicy(100, 60, 600))


async def _registered(store: InMemoryAuthStore, hasher: FakePasswordHasher) -> User:
    handler = RegisterUserHandler(store, hasher, POLICY, mailer(), clock(store), new_ids())
    return await handler(RegisterUser(EMAIL, PASSWORD))


def _signed_in(store: InMemoryAuthStore, user: User, *numbers: int) -> list[UUID]:
    for number in numbers:
        session = Session.start(
            session_id=UUID(int=500 + number),
            user_id=user.id,
            now=store.now,
            lifetime=timedelta(days=30),
            user_agent=None,
            ip=None,
        )
        store.sessions[session.id] = session
    return [UUID(int=500 + number) for number in numbers]


def _change(
    store: InMemoryAuthStore,
    hasher: FakePasswordHasher,
    limiter: InMemoryLoginAttemptLimiter | None = None,
) -> ChangePasswordHandler:
    limiter = limiter or InMemoryLoginAttemptLimiter(
        NOW, LockoutPolicy(3, 60, 600), LockoutPolicy(100, 60, 600)
    )
    check = ThrottledPasswordCheck(hasher, limiter)
    return ChangePasswordHandler(store, hasher, check, POLICY, MAIL, clock(store), ACCESS_TOKEN_TTL)


def _forgot(store: InMemoryAuthStore, cooldown: timedelta = timedelta(0)) -> RequestPasswordResetHandler:
    return RequestPasswordResetHandler(store, mailer(cooldown), clock(store), new_ids(300))


def _reset(
    store: InMemoryAuthStore, hasher: FakePasswordHasher, limiter: InMemoryLoginAttemptLimiter
) -> ResetPasswordHandler:
    return ResetPasswordHandler(store, hasher, POLICY, MAIL, limiter, clock(store), ACCESS_TOKEN_TTL)


def _reset_link(store: InMemoryAuthStore, number: int = 1) -> str:
    return secret_in(mails(store, EMAIL, EmailKind.PASSWORD_RESET)[number - 1])


def _revoked(store: InMemoryAuthStore) -> dict[UUID, str]:
    return {e.session_id: e.reason for e in store.published if isinstance(e, SessionRevoked)}


async def test_changing_the_password_ends_every_other_session_and_tells_the_owner(
    store: InMemoryAuthStore, hasher: FakePasswordHasher
) -> None:
    user = await _registered(store, hasher)
    current, other, another = _signed_in(store, user, 1, 2, 3)

    await _change(store, hasher)(ChangePassword(user.id, current, PASSWORD, NEW_PASSWORD))

    assert await hasher.verify(store.users[user.id].password_hash, NEW_PASSWORD)
    assert store.sessions[current].is_active(store.now)
    assert _revoked(store) == {other: "password_changed", another: "password_changed"}
    assert store.sessions[other].revoke_reason is RevocationReason.PASSWORD_CHANGED
    assert len(mails(store, EMAIL, EmailKind.PASSWORD_CHANGED)) == 1


async def test_changing_the_password_needs_the_current_one(
    store: InMemoryAuthStore, hasher: FakePasswordHasher
) -> None:
    user = await _registered(store, hasher)
    current, other = _signed_in(store, user, 1, 2)

    with pytest.raises(InvalidCredentials):
        await _change(store, hasher)(ChangePassword(user.id, current, "not my password", NEW_PASSWORD))

    assert await hasher.verify(store.users[user.id].password_hash, PASSWORD)
    assert store.sessions[other].is_active(store.now)
    assert mails(store, EMAIL, EmailKind.PASSWORD_CHANGED) == []


async def test_the_new_password_must_pass_the_policy(
    store: InMemoryAuthStore, hasher: FakePasswordHasher
) -> None:
    user = await _registered(store, hasher)
    [current] = _signed_in(store, user, 1)

    with pytest.raises(WeakPassword):
        await _change(store, hasher)(ChangePassword(user.id, current, PASSWORD, "qwertyuiop"))
    assert await hasher.verify(store.users[user.id].password_hash, PASSWORD)


async def test_a_password_change_kills_pending_reset_links(
    store: InMemoryAuthStore, hasher: FakePasswordHasher, limiter: InMemoryLoginAttemptLimiter
) -> None:
    user = await _registered(store, hasher)
    [current] = _signed_in(store, user, 1)
    await _forgot(store)(EMAIL)

    await _change(store, hasher)(ChangePassword(user.id, current, PASSWORD, NEW_PASSWORD))

    with pytest.raises(InvalidToken):
        await _reset(store, hasher, limiter)(ResetPassword(_reset_link(store), "yet another passphrase"))


@pytest.mark.parametrize("email", ["nobody@example.com", "ADA@example.com"])
async def test_forgotten_password_answers_alike_and_mails_only_an_existing_account(
    store: InMemoryAuthStore, hasher: FakePasswordHasher, email: str
) -> None:
    user = await _registered(store, hasher)
    tokens_before = len(store.tokens)

    assert await _forgot(store)(email) is None

    sent = mails(store, EMAIL, EmailKind.PASSWORD_RESET)
    if email == "nobody@example.com":
        assert sent == []
        assert len(store.tokens) == tokens_before
    else:
        [mail] = sent
        assert "https://app.test/reset-password?token=" in mail.body
        [reset] = [t for t in store.tokens.values() if t.purpose.value == "reset_password"]
        assert (reset.user_id, reset.expires_at) == (user.id, NOW + RESET_TTL)


async def test_a_malformed_address_is_refused_as_input(store: InMemoryAuthStore) -> None:
    with pytest.raises(InvalidEmail):
        await _forgot(store)("not an address")


async def test_a_disabled_account_gets_no_reset_mail(
    store: InMemoryAuthStore, hasher: FakePasswordHasher
) -> None:
    user = await _registered(store, hasher)
    store.users[user.id].disabled_at = NOW

    await _forgot(store)(EMAIL)

    assert mails(store, EMAIL, EmailKind.PASSWORD_RESET) == []


async def test_reset_mails_are_spaced_out_by_the_cooldown(
    store: InMemoryAuthStore, hasher: FakePasswordHasher
) -> None:
    await _registered(store, hasher)
    forgot = _forgot(store, cooldown=timedelta(minutes=1))

    await forgot(EMAIL)
    await forgot(EMAIL)
    store.now += timedelta(minutes=1)
    await forgot(EMAIL)

    assert len(mails(store, EMAIL, EmailKind.PASSWORD_RESET)) == 2


async def test_a_reset_sets_the_password_verifies_the_address_and_ends_every_session(
    store: InMemoryAuthStore, hasher: FakePasswordHasher, limiter: InMemoryLoginAttemptLimiter
) -> None:
    user = await _registered(store, hasher)
    sessions = _signed_in(store, user, 1, 2)
    await _forgot(store)(EMAIL)

    await _reset(store, hasher, limiter)(ResetPassword(_reset_link(store), NEW_PASSWORD))

    stored = store.users[user.id]
    assert await hasher.verify(stored.password_hash, NEW_PASSWORD)
    assert stored.email_verified
    assert [e for e in store.published if isinstance(e, UserEmailVerified)] == [
        UserEmailVerified(user_id=user.id, email=EMAIL, verified_at=NOW)
    ]
    assert _revoked(store) == dict.fromkeys(sessions, "password_changed")
    assert len(mails(store, EMAIL, EmailKind.PASSWORD_CHANGED)) == 1


async def test_a_reset_token_works_once(
    store: InMemoryAuthStore, hasher: FakePasswordHasher, limiter: InMemoryLoginAttemptLimiter
) -> None:
    await _registered(store, hasher)
    await _forgot(store)(EMAIL)
    reset = _reset(store, hasher, limiter)
    await reset(ResetPassword(_reset_link(store), NEW_PASSWORD))

    with pytest.raises(InvalidToken):
        await reset(ResetPassword(_reset_link(store), "an attacker's passphrase"))


async def test_a_reset_token_expires(
    store: InMemoryAuthStore, hasher: FakePasswordHasher, limiter: InMemoryLoginAttemptLimiter
) -> None:
    user = await _registered(store, hasher)
    await _forgot(store)(EMAIL)
    store.now += RESET_TTL

    with pytest.raises(InvalidToken):
        await _reset(store, hasher, limiter)(ResetPassword(_reset_link(store), NEW_PASSWORD))
    assert await hasher.verify(store.users[user.id].password_hash, PASSWORD)


async def test_a_newer_reset_link_supersedes_the_older_one(
    store: InMemoryAuthStore, hasher: FakePasswordHasher, limiter: InMemoryLoginAttemptLimiter
) -> None:
    await _registered(store, hasher)
    await _forgot(store)(EMAIL)
    await _forgot(store)(EMAIL)
    reset = _reset(store, hasher, limiter)

    with pytest.raises(InvalidToken):
        await reset(ResetPassword(_reset_link(store, 1), NEW_PASSWORD))
    await reset(ResetPassword(_reset_link(store, 2), NEW_PASSWORD))


async def test_a_refused_new_password_leaves_the_link_usable(
    store: InMemoryAuthStore, hasher: FakePasswordHasher, limiter: InMemoryLoginAttemptLimiter
) -> None:
    await _registered(store, hasher)
    await _forgot(store)(EMAIL)
    reset = _reset(store, hasher, limiter)

    with pytest.raises(WeakPassword):
        await reset(ResetPassword(_reset_link(store), "password1234"))
    await reset(ResetPassword(_reset_link(store), NEW_PASSWORD))


async def test_a_verification_token_cannot_reset_a_password(
    store: InMemoryAuthStore, hasher: FakePasswordHasher, limiter: InMemoryLoginAttemptLimiter
) -> None:
    user = await _registered(store, hasher)
    verification = secret_in(mails(store, EMAIL, EmailKind.VERIFY_EMAIL)[0])

    with pytest.raises(InvalidToken):
        await _reset(store, hasher, limiter)(ResetPassword(verification, NEW_PASSWORD))
    assert await hasher.verify(store.users[user.id].password_hash, PASSWORD)


async def test_a_reset_lifts_the_sign_in_lockout(
    store: InMemoryAuthStore, hasher: FakePasswordHasher, limiter: InMemoryLoginAttemptLimiter
) -> None:
    await _registered(store, hasher)
    for _ in range(3):
        await limiter.record_failure(EMAIL, "198.51.100.1")
    assert await limiter.retry_after(EMAIL, None) > 0
    await _forgot(store)(EMAIL)

    await _reset(store, hasher, limiter)(ResetPassword(_reset_link(store), NEW_PASSWORD))

    assert await limiter.retry_after(EMAIL, None) == 0


async def test_wrong_current_passwords_lock_the_account_like_failed_sign_ins(
    store: InMemoryAuthStore, hasher: FakePasswordHasher, limiter: InMemoryLoginAttemptLimiter
) -> None:
    user = await _registered(store, hasher)
    [current] = _signed_in(store, user, 1)
    change = _change(store, hasher, limiter)

    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            await change(ChangePassword(user.id, current, "not my password", NEW_PASSWORD, "192.0.2.1"))
    with pytest.raises(TooManyAttempts) as third:
        await change(ChangePassword(user.id, current, "not my password", NEW_PASSWORD, "192.0.2.1"))
    with pytest.raises(TooManyAttempts) as locked:  # even the right password waits for the lockout
        await change(ChangePassword(user.id, current, PASSWORD, NEW_PASSWORD, "192.0.2.1"))

    assert third.value.retry_after_seconds == 60
    assert 0 < locked.value.retry_after_seconds <= 60
    assert await limiter.retry_after(EMAIL, None) > 0  # the very lock the password grant checks
    assert await hasher.verify(store.users[user.id].password_hash, PASSWORD)
    limiter.now += timedelta(seconds=61)
    await change(ChangePassword(user.id, current, PASSWORD, NEW_PASSWORD, "192.0.2.1"))
    assert await hasher.verify(store.users[user.id].password_hash, NEW_PASSWORD)


async def test_no_database_transaction_is_open_while_either_password_is_hashed(
    store: InMemoryAuthStore,
) -> None:
    """A change checks the current password and hashes the new one (0.3 s of CPU each, deployed): the pool's
    connections must not wait on them."""
    units = CountedUnits(store)
    open_during_hashing: list[int] = []
    user = await _registered(store, FakePasswordHasher())
    hasher = WatchedHasher(lambda: open_during_hashing.append(units.open), hashing=True)
    check = ThrottledPasswordCheck(
        hasher, InMemoryLoginAttemptLimiter(NOW, LockoutPolicy(3, 60, 600), LockoutPolicy(100, 60, 600))
    )
    change = ChangePasswordHandler(units, hasher, check, POLICY, MAIL, clock(store), ACCESS_TOKEN_TTL)

    await change(ChangePassword(user.id, None, PASSWORD, NEW_PASSWORD))

    assert open_during_hashing == [0, 0]
    assert await hasher.verify(store.users[user.id].password_hash, NEW_PASSWORD)


async def test_a_password_changed_while_the_current_one_was_checked_is_kept(store: InMemoryAuthStore) -> None:
    """Two changes at once: the one whose checked password is no longer current changes nothing."""
    user = await _registered(store, FakePasswordHasher())

    def changed_meanwhile() -> None:
        store.users[user.id].password_hash = "v1$changed by another request"

    hasher = WatchedHasher(changed_meanwhile)
    [other] = _signed_in(store, user, 2)

    with pytest.raises(InvalidCredentials):
        await _change(store, hasher)(ChangePassword(user.id, None, PASSWORD, NEW_PASSWORD))

    assert store.users[user.id].password_hash == "v1$changed by another request"
    assert store.sessions[other].is_active(store.now)
    assert mails(store, EMAIL, EmailKind.PASSWORD_CHANGED) == []
