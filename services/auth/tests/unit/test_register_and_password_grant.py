from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from nocturna_auth.application.issue_tokens import PasswordGrant, PasswordGrantHandler
from nocturna_auth.application.register_user import RegisterUser, RegisterUserHandler
from nocturna_auth.application.session_tokens import SessionTokenIssuer
from nocturna_auth.domain.users import (
    AccountDisabled,
    EmailAlreadyRegistered,
    InvalidCredentials,
    WeakPassword,
)
from nocturna_auth.infrastructure.refresh_token_secrets import Sha256AesGcmRefreshTokenSecrets
from nocturna_contracts.auth.v1 import UserRegistered

from services.auth.tests.fakes import FakeAccessTokenIssuer, FakePasswordHasher, InMemoryAuthStore

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"


def _ids() -> itertools.count[int]:
    return itertools.count(1)


@pytest.fixture
def store() -> InMemoryAuthStore:
    return InMemoryAuthStore(NOW)


def _register(store: InMemoryAuthStore, hasher: FakePasswordHasher | None = None) -> RegisterUserHandler:
    counter = _ids()
    return RegisterUserHandler(
        store, hasher or FakePasswordHasher(), lambda: NOW, lambda: UUID(int=next(counter))
    )


def _grant(
    store: InMemoryAuthStore, hasher: FakePasswordHasher, issuer: FakeAccessTokenIssuer
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


async def test_an_email_registers_once_whatever_its_case(store: InMemoryAuthStore) -> None:
    await _register(store)(RegisterUser("ada@example.com", PASSWORD))
    with pytest.raises(EmailAlreadyRegistered):
        await _register(store)(RegisterUser("ADA@example.com", PASSWORD))
    assert len(store.users) == 1
    assert len(store.published) == 1


async def test_a_short_password_is_refused_and_nothing_is_stored(store: InMemoryAuthStore) -> None:
    with pytest.raises(WeakPassword):
        await _register(store)(RegisterUser("ada@example.com", "short"))
    assert store.users == {}
    assert store.published == []


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
