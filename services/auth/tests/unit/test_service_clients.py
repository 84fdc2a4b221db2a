from __future__ import annotations

from uuid import uuid4

import pytest
from nocturna_auth.application.create_service_client import (
    CreatedServiceClient,
    CreateServiceClient,
    ServiceClientConflict,
)
from nocturna_auth.application.issue_service_token import (
    ClientCredentialsGrant,
    ClientCredentialsGrantHandler,
)
from nocturna_auth.domain.scopes import InvalidScope
from nocturna_auth.domain.service_clients import InvalidClient, InvalidClientName

from services.auth.tests.fakes import FakePasswordHasher
from services.auth.tests.unit.world import NOW, AuthWorld


@pytest.fixture
def world() -> AuthWorld:
    return AuthWorld()


async def _client(world: AuthWorld, scopes: str = "charts:read profiles:read") -> CreatedServiceClient:
    return await world.create_service_client(CreateServiceClient(" chart ", scopes))


async def test_a_client_is_stored_with_its_secret_hashed(world: AuthWorld) -> None:
    created = await _client(world)

    stored = world.store.service_clients[created.client.id]
    assert (stored.name, stored.scopes, stored.created_at) == ("chart", {"charts:read", "profiles:read"}, NOW)
    assert len(created.secret) >= 43
    assert stored.secret_hash != created.secret
    assert await world.hasher.verify(stored.secret_hash, created.secret)


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
async def test_a_client_needs_a_name(world: AuthWorld, name: str) -> None:
    with pytest.raises(InvalidClientName):
        await world.create_service_client(CreateServiceClient(name))
    assert world.store.service_clients == {}


async def test_a_client_gets_a_service_token_without_session_or_refresh_token(world: AuthWorld) -> None:
    created = await _client(world)

    issued = await world.client_credentials_grant(
        ClientCredentialsGrant(str(created.client.id), created.secret)
    )

    assert issued.refresh_token is None
    assert world.issuer.issued == [(created.client.id, None, frozenset({"charts:read", "profiles:read"}))]
    assert issued.scope == "charts:read profiles:read"


async def test_a_client_may_ask_for_fewer_scopes_but_not_more(world: AuthWorld) -> None:
    created = await _client(world)
    client_id = str(created.client.id)

    narrowed = await world.client_credentials_grant(
        ClientCredentialsGrant(client_id, created.secret, "charts:read")
    )
    assert narrowed.scope == "charts:read"
    with pytest.raises(InvalidScope):
        await world.client_credentials_grant(
            ClientCredentialsGrant(client_id, created.secret, "charts:write")
        )


@pytest.mark.parametrize("client_id", ["unknown", "not-a-uuid", "00000000-0000-0000-0000-00000000ffff"])
async def test_unknown_clients_and_wrong_secrets_get_one_answer(world: AuthWorld, client_id: str) -> None:
    created = await _client(world)
    client_id = str(created.client.id) if client_id == "unknown" else client_id
    secret = "wrong secret" if client_id == str(created.client.id) else created.secret

    with pytest.raises(InvalidClient, match="client authentication failed"):
        await world.client_credentials_grant(ClientCredentialsGrant(client_id, secret))
    assert world.issuer.issued == []


async def test_a_disabled_client_gets_no_token(world: AuthWorld) -> None:
    created = await _client(world)
    world.store.service_clients[created.client.id].disabled_at = NOW

    with pytest.raises(InvalidClient):
        await world.client_credentials_grant(ClientCredentialsGrant(str(created.client.id), created.secret))


async def test_a_secret_hashed_with_old_parameters_is_rehashed(world: AuthWorld) -> None:
    created = await _client(world)
    upgraded = ClientCredentialsGrantHandler(world.store, FakePasswordHasher(version=2), world.issuer)

    await upgraded(ClientCredentialsGrant(str(created.client.id), created.secret))

    assert world.store.service_clients[created.client.id].secret_hash.startswith("v2$")


async def test_a_client_provisioned_with_a_given_id_and_secret_is_created_once(world: AuthWorld) -> None:
    client_id, secret = uuid4(), "s" * 40
    command = CreateServiceClient("gateway", "", client_id, secret)

    first = await world.create_service_client(command)
    again = await world.create_service_client(command)

    assert first.client.id == again.client.id == client_id
    assert list(world.store.service_clients) == [client_id]
    assert await world.hasher.verify(world.store.service_clients[client_id].secret_hash, secret)


async def test_a_provisioned_client_refuses_another_secret_or_a_short_one(world: AuthWorld) -> None:
    client_id = uuid4()
    await world.create_service_client(CreateServiceClient("gateway", "", client_id, "s" * 40))

    with pytest.raises(ServiceClientConflict):
        await world.create_service_client(CreateServiceClient("gateway", "", client_id, "t" * 40))
    with pytest.raises(ValueError, match="at least 32"):
        await world.create_service_client(CreateServiceClient("gateway", "", uuid4(), "short"))
