from __future__ import annotations

from uuid import UUID

from nocturna_auth.domain.sessions import Session
from nocturna_auth.infrastructure.tables import MESSAGING
from nocturna_auth.infrastructure.unit_of_work import SqlAuthUnitOfWork
from nocturna_platform.security.principal import Principal
from nocturna_platform.testing.serving import TEST_CLIENT_ADDRESS

from services.auth.tests.conftest import AuthHarness, unique_email


async def _signed_in(auth: AuthHarness, email: str, **headers: str) -> tuple[Principal, str]:
    response = await auth.password_grant(email, **headers)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    token = response.json()["access_token"]
    return await auth.service.app.state.token_verifier.verify(token), token


async def _stored_session(auth: AuthHarness, session_id: UUID) -> Session | None:
    shell = auth.service.shell
    assert shell.session_factory is not None
    async with SqlAuthUnitOfWork(shell.session_factory, MESSAGING, shell.clock) as uow:
        return await uow.sessions.get(session_id)


async def test_register_sign_in_and_read_the_own_account(auth: AuthHarness) -> None:
    email = unique_email()
    registered = await auth.register(email)

    principal, token = await _signed_in(auth, email)
    me = await auth.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})

    assert principal.subject == UUID(str(registered["id"]))
    assert me.status_code == 200
    assert me.json()["email"] == email


async def test_the_token_names_a_stored_session_with_the_client_address(auth: AuthHarness) -> None:
    email = unique_email()
    await auth.register(email)

    principal, _ = await _signed_in(auth, email, **{"User-Agent": "nocturna-tests/1.0"})

    assert principal.session_id is not None
    session = await _stored_session(auth, principal.session_id)
    assert session is not None
    assert (session.user_id, session.ip, session.user_agent) == (
        principal.subject,
        TEST_CLIENT_ADDRESS[0],
        "nocturna-tests/1.0",
    )


async def test_a_forwarded_address_from_an_untrusted_peer_is_not_believed(auth: AuthHarness) -> None:
    email = unique_email()
    await auth.register(email)

    principal, _ = await _signed_in(auth, email, **{"X-Forwarded-For": "198.51.100.99"})

    assert principal.session_id is not None
    session = await _stored_session(auth, principal.session_id)
    assert session is not None
    assert session.ip == TEST_CLIENT_ADDRESS[0]


async def test_unknown_grant_types_get_an_oauth_error(auth: AuthHarness) -> None:
    response = await auth.client.post("/api/v1/auth/token", data={"grant_type": "implicit"})
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


async def test_wrong_password_gets_invalid_grant(auth: AuthHarness) -> None:
    email = unique_email()
    await auth.register(email)
    response = await auth.password_grant(email, "wrong password, sorry")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
