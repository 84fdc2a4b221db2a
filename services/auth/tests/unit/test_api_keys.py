from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from nocturna_auth.application.create_api_key import CreateApiKey, CreateApiKeyHandler
from nocturna_auth.application.exchange_api_key import ExchangeApiKeyHandler
from nocturna_auth.application.get_api_key import GetApiKey, GetApiKeyHandler
from nocturna_auth.application.introspect_api_key import IntrospectApiKey, IntrospectApiKeyHandler
from nocturna_auth.application.list_api_keys import ListApiKeys, ListApiKeysHandler
from nocturna_auth.application.revoke_api_key import RevokeApiKey, RevokeApiKeyHandler
from nocturna_auth.domain.api_keys import (
    API_KEY_SCOPES,
    KEY_PREFIX,
    ApiKeyLimitReached,
    ApiKeyNotFound,
    InvalidExpiry,
    PresentedKey,
    UnknownScope,
)
from nocturna_auth.domain.users import AccountDisabled, EmailNotVerified, User
from nocturna_auth.infrastructure.api_key_hashing import HmacSecretHasher
from nocturna_contracts.auth.v1 import ApiKeyRevoked
from nocturna_platform.security.principal import ROLE_PERMISSIONS, Principal

from services.auth.tests.fakes import FakeAccessTokenIssuer, InMemoryAuthStore

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
HASHER = HmacSecretHasher(b"p" * 32)
ADA, BOB = UUID(int=1), UUID(int=2)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def store() -> InMemoryAuthStore:
    store = InMemoryAuthStore(NOW)
    for user_id, email in ((ADA, "ada@example.com"), (BOB, "bob@example.com")):
        store.users[user_id] = User(user_id, email, "v1$x", None, NOW, email_verified=True)
    return store


def _principal(user_id: UUID, *roles: str) -> Principal:
    return Principal(
        user_id, None, frozenset(roles or {"user"}), frozenset(), "jti", NOW + timedelta(minutes=15)
    )


def _create(
    store: InMemoryAuthStore, clock: Clock | None = None, max_active: int = 20
) -> CreateApiKeyHandler:
    ids = itertools.count(100)
    return CreateApiKeyHandler(store, HASHER, clock or Clock(), lambda: UUID(int=next(ids)), max_active)


def _introspect(store: InMemoryAuthStore, clock: Clock | None = None) -> IntrospectApiKeyHandler:
    return IntrospectApiKeyHandler(store, HASHER, clock or Clock())


async def test_a_new_key_is_shown_once_and_only_its_keyed_hash_is_stored(store: InMemoryAuthStore) -> None:
    created = await _create(store)(CreateApiKey(ADA, " partner app ", frozenset({"charts:read"})))

    assert created.plaintext.startswith(f"{created.key.prefix}_")
    assert created.key.prefix.startswith(KEY_PREFIX)
    [stored] = store.api_keys.values()
    secret = PresentedKey.parse(created.plaintext)
    assert secret is not None
    assert (stored.user_id, stored.name, stored.scopes) == (ADA, "partner app", frozenset({"charts:read"}))
    assert stored.secret_hash == HASHER.digest(secret.secret)
    assert stored.secret_hash not in repr(stored)


async def test_keys_differ_every_time(store: InMemoryAuthStore) -> None:
    create = _create(store)
    first = await create(CreateApiKey(ADA, "a", frozenset({"charts:read"})))
    second = await create(CreateApiKey(ADA, "b", frozenset({"charts:read"})))
    assert first.plaintext != second.plaintext
    assert first.key.public_id != second.key.public_id


async def test_an_unverified_email_cannot_create_keys(store: InMemoryAuthStore) -> None:
    store.users[ADA].email_verified = False
    with pytest.raises(EmailNotVerified):
        await _create(store)(CreateApiKey(ADA, "app", frozenset({"charts:read"})))
    assert store.api_keys == {}


async def test_a_disabled_account_cannot_create_keys_with_a_token_it_still_holds(
    store: InMemoryAuthStore,
) -> None:
    store.users[ADA].disabled_at = NOW
    with pytest.raises(AccountDisabled):
        await _create(store)(CreateApiKey(ADA, "app", frozenset({"charts:read"})))
    assert store.api_keys == {}


@pytest.mark.parametrize("scopes", [set(), {"charts:read", "sessions:write"}, {"admin"}, {"api_keys:write"}])
async def test_scopes_come_from_the_catalogue_only(store: InMemoryAuthStore, scopes: set[str]) -> None:
    with pytest.raises(UnknownScope):
        await _create(store)(CreateApiKey(ADA, "app", frozenset(scopes)))
    assert store.api_keys == {}


def test_the_scope_catalogue_is_a_subset_of_what_a_user_may_do() -> None:
    assert ROLE_PERMISSIONS["user"] >= API_KEY_SCOPES


async def test_an_expiry_in_the_past_is_refused(store: InMemoryAuthStore) -> None:
    with pytest.raises(InvalidExpiry):
        await _create(store)(CreateApiKey(ADA, "app", frozenset({"charts:read"}), NOW))


async def test_active_keys_per_user_are_limited_but_revoked_and_expired_ones_do_not_count(
    store: InMemoryAuthStore,
) -> None:
    clock = Clock()
    create = _create(store, clock, max_active=2)
    first = await create(CreateApiKey(ADA, "1", frozenset({"charts:read"})))
    await create(CreateApiKey(ADA, "2", frozenset({"charts:read"}), NOW + timedelta(hours=1)))
    with pytest.raises(ApiKeyLimitReached):
        await create(CreateApiKey(ADA, "3", frozenset({"charts:read"})))
    await create(CreateApiKey(BOB, "bob's", frozenset({"charts:read"})))  # per user

    await RevokeApiKeyHandler(store, clock)(RevokeApiKey(first.key.id, _principal(ADA)))
    await create(CreateApiKey(ADA, "3", frozenset({"charts:read"})))
    clock.now = NOW + timedelta(hours=2)  # key "2" has expired
    await create(CreateApiKey(ADA, "4", frozenset({"charts:read"})))
    assert len([key for key in store.api_keys.values() if key.user_id == ADA]) == 4


async def test_the_list_pages_through_the_owners_keys_newest_first(store: InMemoryAuthStore) -> None:
    create = _create(store)
    made = [await create(CreateApiKey(ADA, str(n), frozenset({"charts:read"}))) for n in range(5)]
    await create(CreateApiKey(BOB, "bob's", frozenset({"charts:read"})))
    list_keys = ListApiKeysHandler(store)

    first = await list_keys(ListApiKeys(ADA, limit=2))
    second = await list_keys(ListApiKeys(ADA, limit=2, before=first.next_before))
    last = await list_keys(ListApiKeys(ADA, limit=2, before=second.next_before))

    names = [key.name for page in (first, second, last) for key in page.items]
    assert names == ["4", "3", "2", "1", "0"]
    assert last.next_before is None
    assert {key.id for page in (first, second, last) for key in page.items} == {c.key.id for c in made}


async def test_another_users_key_is_not_found_but_an_admin_may_see_it(store: InMemoryAuthStore) -> None:
    created = await _create(store)(CreateApiKey(ADA, "app", frozenset({"charts:read"})))
    get = GetApiKeyHandler(store)

    with pytest.raises(ApiKeyNotFound):
        await get(GetApiKey(created.key.id, _principal(BOB)))
    with pytest.raises(ApiKeyNotFound):
        await get(GetApiKey(UUID(int=999), _principal(ADA)))
    assert (await get(GetApiKey(created.key.id, _principal(ADA)))).id == created.key.id
    assert (await get(GetApiKey(created.key.id, _principal(BOB, "user", "admin")))).id == created.key.id


async def test_revoking_announces_it_once_and_only_the_owner_may(store: InMemoryAuthStore) -> None:
    created = await _create(store)(CreateApiKey(ADA, "app", frozenset({"charts:read"})))
    revoke = RevokeApiKeyHandler(store, Clock())

    with pytest.raises(ApiKeyNotFound):
        await revoke(RevokeApiKey(created.key.id, _principal(BOB)))
    assert store.api_keys[created.key.id].revoked_at is None
    await revoke(RevokeApiKey(created.key.id, _principal(ADA)))
    await revoke(RevokeApiKey(created.key.id, _principal(ADA)))

    assert store.api_keys[created.key.id].revoked_at == NOW
    assert store.published == [
        ApiKeyRevoked(api_key_id=created.key.id, user_id=ADA, prefix=created.key.prefix, revoked_at=NOW)
    ]


async def test_introspection_resolves_an_active_key_to_its_owner_and_scopes(store: InMemoryAuthStore) -> None:
    scopes = frozenset({"charts:read", "charts:write"})
    created = await _create(store)(CreateApiKey(ADA, "app", scopes, NOW + timedelta(days=1)))

    key = await _introspect(store)(IntrospectApiKey(created.plaintext))

    assert key is not None
    assert (key.id, key.user_id, key.scopes) == (created.key.id, ADA, scopes)


async def test_a_wrong_secret_with_a_real_public_id_is_inactive(store: InMemoryAuthStore) -> None:
    created = await _create(store)(CreateApiKey(ADA, "app", frozenset({"charts:read"})))
    presented = PresentedKey.parse(created.plaintext)
    assert presented is not None
    forged = PresentedKey(presented.public_id, "A" * len(presented.secret)).plaintext

    assert await _introspect(store)(IntrospectApiKey(forged)) is None


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "garbage",
        f"{KEY_PREFIX}abcdefgh",
        f"{KEY_PREFIX}abcdefgh_{'a' * 43}",
        f"{KEY_PREFIX}ABCDEFGH_{'a' * 43}",
    ],
)
async def test_malformed_or_unknown_keys_are_inactive(store: InMemoryAuthStore, raw: str) -> None:
    assert await _introspect(store)(IntrospectApiKey(raw)) is None


async def test_revoked_expired_and_disabled_or_deleted_owners_keys_are_inactive(
    store: InMemoryAuthStore,
) -> None:
    clock = Clock()
    create = _create(store, clock)
    revoked = await create(CreateApiKey(ADA, "revoked", frozenset({"charts:read"})))
    expiring = await create(
        CreateApiKey(ADA, "expiring", frozenset({"charts:read"}), NOW + timedelta(hours=1))
    )
    bobs = await create(CreateApiKey(BOB, "bob's", frozenset({"charts:read"})))
    await RevokeApiKeyHandler(store, clock)(RevokeApiKey(revoked.key.id, _principal(ADA)))
    introspect = _introspect(store, clock)
    assert await introspect(IntrospectApiKey(expiring.plaintext)) is not None

    assert await introspect(IntrospectApiKey(revoked.plaintext)) is None
    clock.now = NOW + timedelta(hours=1)
    assert await introspect(IntrospectApiKey(expiring.plaintext)) is None

    store.users[BOB].disabled_at = NOW
    assert await introspect(IntrospectApiKey(bobs.plaintext)) is None
    store.users[BOB].disabled_at = None
    assert await introspect(IntrospectApiKey(bobs.plaintext)) is not None
    del store.users[BOB]
    assert await introspect(IntrospectApiKey(bobs.plaintext)) is None


async def test_use_is_recorded_at_most_once_a_minute(store: InMemoryAuthStore) -> None:
    clock = Clock()
    created = await _create(store, clock)(CreateApiKey(ADA, "app", frozenset({"charts:read"})))
    introspect = _introspect(store, clock)

    await introspect(IntrospectApiKey(created.plaintext))
    assert store.api_keys[created.key.id].last_used_at == NOW
    clock.now = NOW + timedelta(seconds=59)
    await introspect(IntrospectApiKey(created.plaintext))
    assert store.api_keys[created.key.id].last_used_at == NOW
    clock.now = NOW + timedelta(seconds=60)
    await introspect(IntrospectApiKey(created.plaintext))
    assert store.api_keys[created.key.id].last_used_at == NOW + timedelta(seconds=60)


def test_the_keyed_hash_depends_on_the_pepper_and_compares_whole() -> None:
    other = HmacSecretHasher(b"q" * 32)
    digest = HASHER.digest("secret")
    assert digest != other.digest("secret")
    assert HASHER.matches("secret", digest)
    assert not other.matches("secret", digest)
    assert not HASHER.matches("secreT", digest)


async def test_an_exchange_issues_a_sessionless_token_with_the_keys_scopes(store: InMemoryAuthStore) -> None:
    scopes = frozenset({"charts:read"})
    created = await _create(store)(CreateApiKey(ADA, "app", scopes))
    issuer = FakeAccessTokenIssuer()

    exchanged = await ExchangeApiKeyHandler(_introspect(store), issuer)(IntrospectApiKey(created.plaintext))

    assert exchanged is not None
    assert exchanged.key.id == created.key.id
    assert issuer.issued == [(ADA, None, scopes)]
    assert exchanged.access.access_token.startswith("token-1-for-api-key")


async def test_an_inactive_key_is_exchanged_for_nothing(store: InMemoryAuthStore) -> None:
    issuer = FakeAccessTokenIssuer()

    exchanged = await ExchangeApiKeyHandler(_introspect(store), issuer)(
        IntrospectApiKey("nct_live_zzzzzzzz_" + "a" * 43)
    )

    assert exchanged is None
    assert issuer.issued == []
