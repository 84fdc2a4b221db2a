from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from nocturna_auth.application.issue_tokens import PasswordGrant, PasswordGrantHandler
from nocturna_auth.application.register_user import RegisterUser, RegisterUserHandler
from nocturna_auth.application.session_tokens import SessionTokenIssuer
from nocturna_auth.domain.emails import EmailKind
from nocturna_auth.domain.one_time_tokens import TokenPurpose, token_digest
from nocturna_auth.domain.users import (
    AccountDisabled,
    InvalidCredentials,
    WeakPassword,
)
from nocturna_auth.infrastructure.refresh_token_secrets import Sha256AesGcmRefreshTokenSecrets
from nocturna_contracts.auth.v1 import UserRegistered

from services.auth.tests.fakes import FakeAccessTokenIssuer, FakePasswordHasher, InMemoryAuthStore
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
from services.auth.tests.unit.watching import CountedUnits, WatchedHasher


@pytest.fixture
def store() -> InMemoryAuthStore:
    return InMemoryAuthStore(NOW)


def _register(
    store: InMemoryAuthStore, hasher: FakePasswordHasher | None = None, cooldown: timedelta = timedelta(0)
) -> RegisterUserHandler:
    return RegisterUserHandler(
        store, hasher or FakePasswordHasher(), POLICY, mailer(cooldown), clock(store), new_ids()
    )


def _grant(
    store: Callable[[], Any], hasher: FakePasswordHasher, issuer: FakeAccessTokenIssuer
) -> PasswordGrantHandler:
    counter = itertools.count(1000)
    tokens = SessionTokenIssuer(
        issuer,
        Sha256AesGcmRefreshTokenSecrets(),
        lambda: NOW,
        lambda: UUID(int=next(counter)),
        session_lifetime=timedelta(days=30),
        refresh_token_ttl=timedelta(days=14),
    )
    return PasswordGrantHandler(store, hasher, tokens)


async def test_registering_stores_the_account_and_announces_it(store: InMemoryAuthStore) -> None:
    user = await _register(store)(RegisterUser(" Ada@Example.COM ", PASSWORD, " Ada "))

    assert user.email == "ada@example.com"
    assert user.display_name == "Ada"
    assert store.users[user.id].password_hash != PASSWORD
    assert store.published == [
        UserRegistered(
            user_id=user.id,
            email="ada@example.com",
            display_name="Ada",
            email_verified=False,
            registered_at=NOW,
        )
    ]


async def test_registering_mails_a_single_use_verification_link_stored_only_hashed(
    store: InMemoryAuthStore,
) -> None:
    user = await _register(store)(RegisterUser("ada@example.com", PASSWORD))

    [mail] = mails(store, "ada@example.com", EmailKind.VERIFY_EMAIL)
    secret = secret_in(mail)
    assert mail.body.count("https://app.test/verify-email?token=") == 1
    assert len(secret) >= 43  # 256 bits, base64url
    [token] = store.tokens.values()
    assert (token.user_id, token.purpose) == (user.id, TokenPurpose.VERIFY_EMAIL)
    assert token.digest == token_digest(secret) != secret
    assert token.expires_at == NOW + VERIFICATION_TTL


async def test_a_taken_email_gets_the_same_answer_stores_nothing_and_tells_the_owner(
    store: InMemoryAuthStore,
) -> None:
    register = _register(store)
    first = await register(RegisterUser("ada@example.com", PASSWORD))
    events, tokens = list(store.published), dict(store.tokens)

    second = await register(RegisterUser(" ADA@example.com", "another long passphrase", "Eve"))

    assert second.id != first.id
    assert second.id not in store.users
    assert (second.email, second.display_name, second.email_verified, second.roles) == (
        "ada@example.com",
        "Eve",
        False,
        frozenset({"user"}),
    )
    assert second.password_hash != "another long passphrase"  # hashed all the same: no timing oracle
    assert list(store.users) == [first.id]
    assert store.users[first.id].password_hash == first.password_hash
    assert store.published == events
    assert store.tokens == tokens
    [notice] = mails(store, "ada@example.com", EmailKind.REGISTRATION_ATTEMPT)
    assert "tried to create" in notice.body
    assert "token=" not in notice.body


async def test_registration_notices_are_spaced_out_by_the_cooldown(store: InMemoryAuthStore) -> None:
    register = _register(store, cooldown=timedelta(minutes=1))
    await register(RegisterUser("ada@example.com", PASSWORD))

    for _ in range(3):
        await register(RegisterUser("ada@example.com", PASSWORD))
    store.now += timedelta(minutes=1)
    await register(RegisterUser("ada@example.com", PASSWORD))

    assert len(mails(store, "ada@example.com", EmailKind.REGISTRATION_ATTEMPT)) == 2


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short", "too_short"),
        ("x" * 1025, "too_long"),
        ("QwertyUIOP", "common_password"),
        ("ada.lovelace", "matches_email"),
        ("Ada.Lovelace@Example.com", "matches_email"),
    ],
)
async def test_a_weak_password_is_refused_with_its_reason_and_nothing_is_stored(
    store: InMemoryAuthStore, password: str, reason: str
) -> None:
    with pytest.raises(WeakPassword) as refused:
        await _register(store)(RegisterUser("ada.lovelace@example.com", password))

    assert refused.value.reason == reason
    assert store.users == {}
    assert store.published == []
    assert store.mails == []


async def test_a_weak_password_is_refused_for_a_taken_email_too(store: InMemoryAuthStore) -> None:
    await _register(store)(RegisterUser("ada@example.com", PASSWORD))
    with pytest.raises(WeakPassword):
        await _register(store)(RegisterUser("ada@example.com", "short"))


async def test_the_password_grant_starts_a_session_and_issues_a_token_for_it(
    store: InMemoryAuthStore,
) -> None:
    hasher, issuer = FakePasswordHasher(), FakeAccessTokenIssuer()
    user = await _register(store, hasher)(RegisterUser("ada@example.com", PASSWORD))

    issued = await _grant(store, hasher, issuer)(
        PasswordGrant("ADA@example.com", PASSWORD, "charts:read", user_agent="app/1.0", ip="198.51.100.4")
    )

    [session] = store.sessions.values()
    assert (session.user_id, session.user_agent, session.ip) == (user.id, "app/1.0", "198.51.100.4")
    assert session.expires_at == NOW + timedelta(days=30)
    assert issuer.issued == [(user.id, session.id, frozenset({"charts:read"}))]
    assert issued.expires_in == 900


async def test_an_unverified_account_can_sign_in(store: InMemoryAuthStore) -> None:
    hasher, issuer = FakePasswordHasher(), FakeAccessTokenIssuer()
    user = await _register(store, hasher)(RegisterUser("ada@example.com", PASSWORD))
    assert not store.users[user.id].email_verified

    await _grant(store, hasher, issuer)(PasswordGrant("ada@example.com", PASSWORD))

    assert len(issuer.issued) == 1


@pytest.mark.parametrize("email", ["ada@example.com", "nobody@example.com", "not an email"])
async def test_wrong_credentials_get_one_answer_and_start_no_session(
    store: InMemoryAuthStore, email: str
) -> None:
    hasher, issuer = FakePasswordHasher(), FakeAccessTokenIssuer()
    await _register(store, hasher)(RegisterUser("ada@example.com", PASSWORD))

    with pytest.raises(InvalidCredentials, match="invalid email or password"):
        await _grant(store, hasher, issuer)(PasswordGrant(email, "wrong password!"))
    assert store.sessions == {}
    assert issuer.issued == []


async def test_no_database_transaction_is_open_while_the_password_is_checked(
    store: InMemoryAuthStore,
) -> None:
    """A burst of logins queued for the hashing threads must not hold the pool's connections."""
    units = CountedUnits(store)
    open_during_checks: list[int] = []
    hasher = WatchedHasher(lambda: open_during_checks.append(units.open))
    await _register(store, hasher)(RegisterUser("ada@example.com", PASSWORD))

    await _grant(units, hasher, FakeAccessTokenIssuer())(PasswordGrant("ada@example.com", PASSWORD))

    assert open_during_checks == [0]
    assert len(store.sessions) == 1


async def test_a_password_changed_while_it_was_checked_starts_no_session(store: InMemoryAuthStore) -> None:
    def changed_meanwhile() -> None:
        for user in store.users.values():
            user.password_hash = "v1$a new password"

    hasher, issuer = WatchedHasher(changed_meanwhile), FakeAccessTokenIssuer()
    await _register(store, hasher)(RegisterUser("ada@example.com", PASSWORD))

    with pytest.raises(InvalidCredentials):
        await _grant(store, hasher, issuer)(PasswordGrant("ada@example.com", PASSWORD))
    assert (store.sessions, issuer.issued) == ({}, [])


async def test_a_login_rehashes_a_password_hashed_with_old_parameters(store: InMemoryAuthStore) -> None:
    user = await _register(store, FakePasswordHasher(version=1))(RegisterUser("ada@example.com", PASSWORD))

    await _grant(store, FakePasswordHasher(version=2), FakeAccessTokenIssuer())(
        PasswordGrant("ada@example.com", PASSWORD)
    )

    assert store.users[user.id].password_hash.startswith("v2$")


async def test_a_disabled_account_cannot_sign_in(store: InMemoryAuthStore) -> None:
    hasher, issuer = FakePasswordHasher(), FakeAccessTokenIssuer()
    user = await _register(store, hasher)(RegisterUser("ada@example.com", PASSWORD))
    store.users[user.id].disabled_at = NOW

    with pytest.raises(AccountDisabled):
        await _grant(store, hasher, issuer)(PasswordGrant("ada@example.com", PASSWORD))
    assert store.sessions == {}


async def test_a_users_repr_never_shows_the_password_hash(store: InMemoryAuthStore) -> None:
    user = await _register(store)(RegisterUser("grace@example.com", PASSWORD, None))
    stored = store.users[user.id]
    assert stored.password_hash
    assert stored.password_hash not in repr(stored)
    assert "password_hash" not in repr(stored)
