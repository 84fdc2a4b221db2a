"""The Redis deny-list and API-key cache, and their in-memory fakes, keep the same promises."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio as aioredis
from nocturna_gateway.edge.api_keys import (
    ApiKeyCache,
    ApiKeyGrant,
    PresentedApiKey,
    RedisApiKeyCache,
    Refused,
)
from nocturna_gateway.edge.deny_list import DenyList, RedisDenyList
from nocturna_platform.security.principal import Principal

from services.gateway.tests.conftest import API_KEY
from services.gateway.tests.fakes import InMemoryApiKeyCache, InMemoryDenyList, SettableClock

pytestmark = pytest.mark.integration

KEY = PresentedApiKey.parse(API_KEY)
OTHER_SECRET = PresentedApiKey.parse(API_KEY[:-1] + "B")


@dataclass
class Stores:
    deny_list: DenyList
    api_keys: ApiKeyCache


@pytest.fixture(params=["in-memory", "redis"])
async def stores(request: pytest.FixtureRequest, test_env: dict[str, str]) -> AsyncIterator[Stores]:
    if request.param == "in-memory":
        clock = SettableClock(datetime.now(UTC))
        yield Stores(
            InMemoryDenyList(clock),
            InMemoryApiKeyCache(clock, grant_seconds=30, refusal_seconds=5, tombstone_seconds=33),
        )
        return
    redis = aioredis.from_url(test_env["REDIS_URL"])
    prefix = f"{test_env['REDIS_KEY_PREFIX']}{uuid.uuid4().hex[:8]}:"
    try:
        yield Stores(
            RedisDenyList(redis, prefix),
            RedisApiKeyCache(redis, prefix, grant_seconds=30, refusal_seconds=5, tombstone_seconds=33),
        )
    finally:
        await redis.aclose()


def principal(session: uuid.UUID | None = None, user: uuid.UUID | None = None) -> Principal:
    return Principal(
        user or uuid.uuid4(),
        session,
        frozenset({"user"}),
        frozenset(),
        "jti",
        datetime.now(UTC) + timedelta(minutes=5),
    )


def grant() -> ApiKeyGrant:
    return ApiKeyGrant(
        uuid.uuid4(), uuid.uuid4(), frozenset({"user"}), frozenset({"charts:read"}), None, "exchanged-token"
    )


async def test_nothing_is_denied_at_first(stores: Stores) -> None:
    assert not await stores.deny_list.denies(principal(uuid.uuid4()))


async def test_a_denied_session_denies_its_tokens_only(stores: Stores) -> None:
    session = uuid.uuid4()
    await stores.deny_list.deny_session(session, datetime.now(UTC) + timedelta(minutes=1))

    assert await stores.deny_list.denies(principal(session))
    assert not await stores.deny_list.denies(principal(uuid.uuid4()))
    assert not await stores.deny_list.denies(principal(None))


async def test_a_denied_user_denies_every_token_of_theirs(stores: Stores) -> None:
    user = uuid.uuid4()
    await stores.deny_list.deny_user(user, datetime.now(UTC) + timedelta(minutes=1))

    assert await stores.deny_list.denies(principal(uuid.uuid4(), user))
    assert await stores.deny_list.denies(principal(None, user))


async def test_an_entry_ending_in_the_past_denies_nothing(stores: Stores) -> None:
    session = uuid.uuid4()
    await stores.deny_list.deny_session(session, datetime.now(UTC) - timedelta(seconds=5))

    assert not await stores.deny_list.denies(principal(session))


async def test_an_unknown_key_is_a_miss(stores: Stores) -> None:
    assert KEY is not None
    assert await stores.api_keys.get(KEY) is None


async def test_a_grant_is_served_for_the_same_key_only(stores: Stores) -> None:
    assert KEY is not None
    assert OTHER_SECRET is not None
    stored = grant()
    await stores.api_keys.put(KEY, stored)

    assert await stores.api_keys.get(KEY) == stored
    assert await stores.api_keys.get(OTHER_SECRET) is None


async def test_a_refusal_is_served(stores: Stores) -> None:
    assert KEY is not None
    await stores.api_keys.put(KEY, Refused())

    assert isinstance(await stores.api_keys.get(KEY), Refused)


async def test_a_forgotten_prefix_is_not_served_even_if_written_again(stores: Stores) -> None:
    assert KEY is not None
    await stores.api_keys.put(KEY, grant())

    await stores.api_keys.forget(KEY.prefix)
    assert await stores.api_keys.get(KEY) is None
    await stores.api_keys.put(KEY, grant())  # a slow introspection finishing after the revocation
    assert await stores.api_keys.get(KEY) is None
