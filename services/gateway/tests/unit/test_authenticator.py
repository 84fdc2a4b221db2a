from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from nocturna_gateway.edge.errors import AuthenticationUnavailable, Unauthenticated
from nocturna_platform.security import SigningKey
from nocturna_platform.security.jwks import KeySetUnavailableError

from services.gateway.tests.conftest import API_KEY, Edge, build_edge


async def test_a_valid_access_token_names_its_subject_and_session(edge: Edge) -> None:
    principal = await edge.authenticator.authenticate_credential(edge.token())

    assert principal.subject == edge.user_id
    assert principal.session_id == edge.session_id
    assert principal.roles == {"user"}


@pytest.mark.parametrize(
    "token",
    ["", "not-a-jwt", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."],
)
async def test_garbage_is_unauthenticated(edge: Edge, token: str) -> None:
    with pytest.raises(Unauthenticated) as refused:
        await edge.authenticator.authenticate_credential(token)

    assert refused.value.problem().status == 401
    assert edge.counted("gateway_edge_auth_refusals_total", reason="invalid_token") == 1


async def test_a_token_signed_by_an_unknown_key_is_refused(edge: Edge) -> None:
    with pytest.raises(Unauthenticated):
        await edge.authenticator.authenticate_credential(edge.token(key=SigningKey.generate()))


async def test_an_expired_token_is_refused_even_after_it_was_verified_once(edge: Edge) -> None:
    token = edge.token(ttl_seconds=60)
    await edge.authenticator.authenticate_credential(token)

    edge.clock.advance(60 + 30)  # past expiry and leeway: the verified-token cache must not keep it alive

    with pytest.raises(Unauthenticated):
        await edge.authenticator.authenticate_credential(token)


async def test_a_revoked_session_is_refused_even_when_its_token_was_verified_before(edge: Edge) -> None:
    token = edge.token()
    await edge.authenticator.authenticate_credential(token)

    await edge.revocations.session_revoked(
        edge.session_id, edge.clock(), edge.clock() + timedelta(minutes=15)
    )

    with pytest.raises(Unauthenticated) as refused:
        await edge.authenticator.authenticate_credential(token)
    assert refused.value.reason == "revoked"


async def test_a_deleted_user_is_refused_with_any_session(edge: Edge) -> None:
    await edge.revocations.user_deleted(edge.user_id, edge.clock())

    with pytest.raises(Unauthenticated) as refused:
        await edge.authenticator.authenticate_credential(edge.token())
    assert refused.value.reason == "revoked"


async def test_another_session_of_the_same_user_still_works(edge: Edge) -> None:
    await edge.revocations.session_revoked(uuid.uuid4(), edge.clock(), None)

    principal = await edge.authenticator.authenticate_credential(edge.token())

    assert principal.subject == edge.user_id


async def test_the_deny_list_failing_lets_valid_tokens_through_and_is_counted(edge: Edge) -> None:
    edge.deny_list.unavailable = True

    principal = await edge.authenticator.authenticate_credential(edge.token())

    assert principal.subject == edge.user_id
    assert edge.counted("gateway_edge_auth_redis_unavailable_total", operation="deny_list") == 1


class NeverFetchedKeys:
    """Auth's JWKS unreachable since start-up."""

    async def get(self, kid: str) -> None:
        raise KeySetUnavailableError("http://auth/.well-known/jwks.json")


async def test_unreachable_keys_are_a_temporary_failure_not_a_refusal() -> None:
    edge = build_edge(keys=NeverFetchedKeys())

    with pytest.raises(AuthenticationUnavailable) as failed:
        await edge.authenticator.authenticate_credential(edge.token())
    assert failed.value.problem().status == 503


async def test_an_api_key_is_recognised_by_its_prefix(edge: Edge) -> None:
    grant = edge.active_key()

    principal = await edge.authenticator.authenticate_credential(API_KEY)

    assert principal.subject == edge.user_id
    assert principal.session_id is None
    assert principal.token_id == str(grant.api_key_id)
    assert principal.scopes == {"charts:read"}


async def test_api_keys_are_refused_when_the_gateway_has_no_service_client() -> None:
    edge = build_edge(api_keys=False)
    edge.active_key()

    with pytest.raises(Unauthenticated) as refused:
        await edge.authenticator.authenticate_credential(API_KEY)
    assert refused.value.reason == "api_keys_not_accepted"


async def test_a_cleared_principal_skips_the_deny_list_for_the_recheck_interval_only() -> None:
    edge = build_edge(recheck_seconds=1.0)
    token = edge.token()
    await edge.authenticator.authenticate_credential(token)
    edge.deny_list.unavailable = True  # any lookup now would be counted

    await edge.authenticator.authenticate_credential(token)
    assert edge.counted("gateway_edge_auth_redis_unavailable_total", operation="deny_list") == 0

    edge.deny_list.unavailable = False
    await edge.revocations.session_revoked(edge.session_id, edge.clock(), None)
    await edge.authenticator.authenticate_credential(token)  # still within the interval
    edge.clock.advance(1.0)
    with pytest.raises(Unauthenticated):
        await edge.authenticator.authenticate_credential(token)
