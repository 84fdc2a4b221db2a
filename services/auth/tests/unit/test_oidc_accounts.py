"""OpenID sign-in: which account a provider identity reaches, and the state it must come back with."""

from __future__ import annotations

import itertools
from datetime import timedelta
from uuid import UUID

import pytest
from nocturna_auth.application.complete_oidc_login import CompleteOidcLogin, CompleteOidcLoginHandler
from nocturna_auth.application.session_tokens import SessionTokenIssuer
from nocturna_auth.application.start_oidc_login import StartOidcLoginHandler
from nocturna_auth.domain.external_identities import (
    ExternalIdentity,
    InvalidLoginState,
    LocalAccountNotVerified,
    ProviderEmailNotVerified,
    UnknownProvider,
)
from nocturna_auth.domain.users import AccountDisabled, User
from nocturna_auth.infrastructure.refresh_token_secrets import Sha256AesGcmRefreshTokenSecrets
from nocturna_contracts.auth.v1 import UserEmailVerified, UserRegistered

from services.auth.tests.fakes import (
    FakeAccessTokenIssuer,
    FakeOpenIdProviders,
    FakePasswordHasher,
    InMemoryAuthStore,
    InMemoryOidcLoginFlows,
)
from services.auth.tests.unit.builders import NOW, PASSWORD

TTL = timedelta(minutes=10)


class OidcWorld:
    def __init__(self) -> None:
        self.store = InMemoryAuthStore(NOW)
        self.providers = FakeOpenIdProviders("acme")
        self.flows = InMemoryOidcLoginFlows(NOW)
        ids = itertools.count(1)

        def new_id() -> UUID:
            return UUID(int=next(ids))

        tokens = SessionTokenIssuer(
            FakeAccessTokenIssuer(),
            Sha256AesGcmRefreshTokenSecrets(),
            self.store.clock,
            new_id,
            session_lifetime=timedelta(days=30),
            refresh_token_ttl=timedelta(days=14),
        )
        self.start = StartOidcLoginHandler(self.providers, self.flows, TTL)
        self.complete = CompleteOidcLoginHandler(
            self.store, self.providers, self.flows, tokens, self.store.clock, new_id
        )

    def account(self, email: str, *, verified: bool) -> User:
        user = User(
            UUID(int=900), email, FakePasswordHasher().hashed(PASSWORD), None, NOW, email_verified=verified
        )
        self.store.users[user.id] = user
        return user

    async def sign_in(self, identity: ExternalIdentity) -> UUID:
        """The user id of the session the login started."""
        started = await self.start("acme")
        self.providers.identities["code-" + started.state] = identity
        await self.complete(CompleteOidcLogin("acme", "code-" + started.state, started.state, started.state))
        newest = max(self.store.sessions.values(), key=lambda session: session.id)
        return newest.user_id


@pytest.fixture
def world() -> OidcWorld:
    return OidcWorld()


def _identity(
    subject: str = "s1", email: str | None = "ada@example.com", verified: bool = True
) -> ExternalIdentity:
    return ExternalIdentity("acme", subject, email, verified, name="Ada")


async def test_a_new_verified_address_becomes_a_verified_account_without_password(world: OidcWorld) -> None:
    user_id = await world.sign_in(_identity(email="Ada@Example.com"))

    user = world.store.users[user_id]
    assert (user.email, user.email_verified, user.password_hash, user.display_name) == (
        "ada@example.com",
        True,
        None,
        "Ada",
    )
    assert world.store.published == [
        UserRegistered(
            user_id=user_id,
            email="ada@example.com",
            display_name="Ada",
            email_verified=True,
            registered_at=NOW,
        ),
        UserEmailVerified(user_id=user_id, email="ada@example.com", verified_at=NOW),
    ]
    assert not await user.authenticate("", FakePasswordHasher())


async def test_the_subject_finds_the_account_again_whatever_the_email_says(world: OidcWorld) -> None:
    first = await world.sign_in(_identity())
    world.store.now += timedelta(hours=1)

    again = await world.sign_in(_identity(email="new@example.com", verified=False))

    assert again == first
    assert len(world.store.users) == 1
    assert world.store.identities[("acme", "s1")].last_login_at == NOW + timedelta(hours=1)


async def test_a_verified_account_is_linked_and_keeps_its_password(world: OidcWorld) -> None:
    existing = world.account("ada@example.com", verified=True)

    assert await world.sign_in(_identity()) == existing.id
    assert world.store.identities[("acme", "s1")].user_id == existing.id
    assert await world.store.users[existing.id].authenticate(PASSWORD, FakePasswordHasher())
    assert world.store.published == []


async def test_an_unverified_account_is_not_linked(world: OidcWorld) -> None:
    world.account("ada@example.com", verified=False)

    with pytest.raises(LocalAccountNotVerified):
        await world.sign_in(_identity())
    assert world.store.identities == {}
    assert world.store.sessions == {}


@pytest.mark.parametrize("email", [None, "ada@example.com"])
async def test_an_address_the_provider_does_not_vouch_for_is_refused(
    world: OidcWorld, email: str | None
) -> None:
    with pytest.raises(ProviderEmailNotVerified):
        await world.sign_in(_identity(email=email, verified=False))
    assert world.store.users == {}


async def test_a_disabled_account_gets_no_session(world: OidcWorld) -> None:
    existing = world.account("ada@example.com", verified=True)
    existing.disabled_at = NOW

    with pytest.raises(AccountDisabled):
        await world.sign_in(_identity())
    assert world.store.sessions == {}


async def test_the_state_works_once_for_its_provider_and_browser_before_it_expires(world: OidcWorld) -> None:
    started = await world.start("acme")
    world.providers.identities["code"] = _identity()

    with pytest.raises(InvalidLoginState):
        await world.complete(CompleteOidcLogin("acme", "code", started.state, None))
    with pytest.raises(InvalidLoginState):
        await world.complete(CompleteOidcLogin("acme", "code", started.state, "another browser"))
    world.flows.now += TTL
    with pytest.raises(InvalidLoginState):
        await world.complete(CompleteOidcLogin("acme", "code", started.state, started.state))

    fresh = await world.start("acme")
    await world.complete(CompleteOidcLogin("acme", "code", fresh.state, fresh.state))
    with pytest.raises(InvalidLoginState):
        await world.complete(CompleteOidcLogin("acme", "code", fresh.state, fresh.state))


async def test_unknown_providers_are_refused(world: OidcWorld) -> None:
    with pytest.raises(UnknownProvider):
        await world.start("nope")
    with pytest.raises(UnknownProvider):
        await world.complete(CompleteOidcLogin("nope", "code", "s", "s"))
