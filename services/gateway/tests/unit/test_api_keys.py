from __future__ import annotations

from datetime import timedelta

import pytest
from nocturna_gateway.edge.api_keys import ApiKeyGrant, PresentedApiKey
from nocturna_gateway.edge.errors import AuthenticationUnavailable, Unauthenticated

from services.gateway.tests.conftest import API_KEY, Edge

OTHER_SECRET = API_KEY[:-1] + "B"


async def test_a_resolution_is_cached_so_auth_is_asked_once(edge: Edge) -> None:
    edge.active_key()

    for _ in range(3):
        await edge.authenticator.authenticate_api_key(API_KEY)

    assert edge.introspection.asked == [API_KEY]


async def test_the_cache_lapses_and_auth_is_asked_again(edge: Edge) -> None:
    edge.active_key()
    await edge.authenticator.authenticate_api_key(API_KEY)

    edge.clock.advance(31)
    await edge.authenticator.authenticate_api_key(API_KEY)

    assert edge.introspection.asked == [API_KEY, API_KEY]


async def test_an_unknown_key_is_refused_and_the_refusal_cached_briefly(edge: Edge) -> None:
    for _ in range(2):
        with pytest.raises(Unauthenticated) as refused:
            await edge.authenticator.authenticate_api_key(API_KEY)
        assert refused.value.reason == "inactive_api_key"
    assert edge.introspection.asked == [API_KEY]

    edge.active_key()  # e.g. created a moment later
    edge.clock.advance(6)

    principal = await edge.authenticator.authenticate_api_key(API_KEY)
    assert principal.subject == edge.user_id


@pytest.mark.parametrize(
    "raw",
    [
        "nct_live_",
        "nct_live_ABCD1234_" + "A" * 43,
        "nct_live_abcd1234_" + "A" * 42,
        "nct_live_abcd1234_" + "!" * 43,
    ],
)
async def test_a_key_of_the_wrong_shape_is_refused_without_asking_auth(edge: Edge, raw: str) -> None:
    with pytest.raises(Unauthenticated):
        await edge.authenticator.authenticate_credential(raw)

    assert edge.introspection.asked == []


async def test_a_revoked_key_stops_at_once_although_its_grant_was_cached(edge: Edge) -> None:
    edge.active_key()
    await edge.authenticator.authenticate_api_key(API_KEY)
    del edge.introspection.keys[API_KEY]  # auth revoked it

    await edge.revocations.api_key_revoked(PresentedApiKey.parse(API_KEY).prefix)  # type: ignore[union-attr]

    with pytest.raises(Unauthenticated):
        await edge.authenticator.authenticate_api_key(API_KEY)


async def test_a_grant_written_after_revocation_by_a_slow_introspection_is_not_served(edge: Edge) -> None:
    grant = edge.active_key()
    key = PresentedApiKey.parse(API_KEY)
    assert key is not None
    await edge.revocations.api_key_revoked(key.prefix)
    await edge.cache.put(key, grant)  # the in-flight introspection finishing late
    del edge.introspection.keys[API_KEY]

    with pytest.raises(Unauthenticated):
        await edge.authenticator.authenticate_api_key(API_KEY)


async def test_another_secret_under_a_cached_public_id_is_checked_by_auth(edge: Edge) -> None:
    edge.active_key()
    await edge.authenticator.authenticate_api_key(API_KEY)

    with pytest.raises(Unauthenticated):
        await edge.authenticator.authenticate_api_key(OTHER_SECRET)
    assert edge.introspection.asked == [API_KEY, OTHER_SECRET]
    assert (await edge.authenticator.authenticate_api_key(API_KEY)).subject == edge.user_id


async def test_a_cached_grant_of_a_key_that_expired_is_refused(edge: Edge) -> None:
    edge.introspection.keys[API_KEY] = ApiKeyGrant(
        user_id=edge.user_id,
        api_key_id=edge.session_id,
        roles=frozenset({"user"}),
        scopes=frozenset(),
        expires_at=edge.clock() + timedelta(seconds=10),
    )
    await edge.authenticator.authenticate_api_key(API_KEY)

    edge.clock.advance(11)

    with pytest.raises(Unauthenticated):
        await edge.authenticator.authenticate_api_key(API_KEY)


async def test_the_key_of_a_deleted_user_is_refused(edge: Edge) -> None:
    edge.active_key()
    await edge.revocations.user_deleted(edge.user_id, edge.clock())

    with pytest.raises(Unauthenticated):
        await edge.authenticator.authenticate_api_key(API_KEY)


async def test_auth_unreachable_is_a_temporary_failure(edge: Edge) -> None:
    edge.introspection.unavailable = True

    with pytest.raises(AuthenticationUnavailable):
        await edge.authenticator.authenticate_api_key(API_KEY)
