from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest
from nocturna_auth.application.confirm_principal import ConfirmPrincipal
from nocturna_auth.application.create_service_client import CreateServiceClient
from nocturna_auth.application.list_sessions import ListSessions
from nocturna_auth.application.log_out import LogOut
from nocturna_auth.application.revoke_other_sessions import RevokeOtherSessions
from nocturna_auth.application.revoke_session import RevokeSession
from nocturna_auth.domain.sessions import RevocationReason, SessionNotFound
from nocturna_contracts.auth.v1 import SessionRevoked

from services.auth.tests.unit.world import NOW, AuthWorld


@pytest.fixture
def world() -> AuthWorld:
    return AuthWorld()


def _revoked(world: AuthWorld) -> list[tuple[UUID, str]]:
    return [(e.session_id, e.reason) for e in world.store.published if isinstance(e, SessionRevoked)]


async def _sessions(world: AuthWorld, count: int, email: str = "ada@example.com") -> list[UUID]:
    ids = []
    for _ in range(count):
        ids.append(world.session_of(await world.sign_in(email)))
        world.advance(timedelta(minutes=1))
    return ids


async def test_listing_shows_the_callers_active_sessions_newest_first(world: AuthWorld) -> None:
    ada = await world.user()
    await world.user("bob@example.com")
    first, second, third = await _sessions(world, 3)
    await _sessions(world, 1, "bob@example.com")
    world.store.sessions[second].revoke(world.store.now, RevocationReason.LOGOUT)

    page = await world.list_sessions(ListSessions(ada.id, current_session_id=first))

    assert [(view.id, view.current) for view in page.items] == [(third, False), (first, True)]
    assert page.next_before is None


async def test_listing_pages_through_the_sessions(world: AuthWorld) -> None:
    ada = await world.user()
    ids = await _sessions(world, 5)

    first = await world.list_sessions(ListSessions(ada.id, None, limit=2))
    second = await world.list_sessions(ListSessions(ada.id, None, limit=2, before=first.next_before))
    last = await world.list_sessions(ListSessions(ada.id, None, limit=2, before=second.next_before))

    pages = [[view.id for view in page.items] for page in (first, second, last)]
    assert pages == [ids[:2:-1], ids[2:0:-1], ids[:1]]
    assert last.next_before is None


async def test_revoking_an_own_session_ends_it_and_announces_it(world: AuthWorld) -> None:
    ada = await world.user()
    session_id, other = await _sessions(world, 2)

    await world.revoke_session(RevokeSession(session_id, ada.id))

    assert world.store.sessions[session_id].revoke_reason == RevocationReason.REVOKED
    assert world.store.sessions[other].is_active(world.store.now)
    assert _revoked(world) == [(session_id, "revoked")]


async def test_another_users_or_an_unknown_session_is_not_found(world: AuthWorld) -> None:
    await world.user()
    bob = await world.user("bob@example.com")
    [ada_session] = await _sessions(world, 1)

    for session_id in (ada_session, UUID(int=999_999)):
        with pytest.raises(SessionNotFound):
            await world.revoke_session(RevokeSession(session_id, bob.id))
    assert world.store.sessions[ada_session].revoked_at is None
    assert _revoked(world) == []


async def test_an_admin_may_revoke_anyones_session(world: AuthWorld) -> None:
    await world.user()
    admin = await world.user("admin@example.com")
    [ada_session] = await _sessions(world, 1)

    await world.revoke_session(RevokeSession(ada_session, admin.id, may_revoke_any=True))

    assert _revoked(world) == [(ada_session, "revoked")]


async def test_revoking_the_others_keeps_the_current_session(world: AuthWorld) -> None:
    ada = await world.user()
    await world.user("bob@example.com")
    current, *others = await _sessions(world, 3)
    [bob_session] = await _sessions(world, 1, "bob@example.com")

    ended = await world.revoke_other_sessions(RevokeOtherSessions(ada.id, current))

    assert ended == 2
    assert world.store.sessions[current].is_active(world.store.now)
    assert world.store.sessions[bob_session].is_active(world.store.now)
    assert sorted(_revoked(world)) == sorted((session_id, "revoked") for session_id in others)


async def test_logging_out_ends_the_current_session(world: AuthWorld) -> None:
    ada = await world.user()
    current, other = await _sessions(world, 2)

    assert await world.log_out(LogOut(ada.id, current)) == 1

    assert world.store.sessions[current].revoke_reason == RevocationReason.LOGOUT
    assert world.store.sessions[other].is_active(world.store.now)
    assert _revoked(world) == [(current, "logout")]


async def test_logging_out_with_a_refresh_token_alone_ends_its_session(world: AuthWorld) -> None:
    await world.user()
    issued = await world.sign_in()

    assert await world.log_out(LogOut(refresh_token=issued.refresh_token)) == 1

    assert _revoked(world) == [(world.session_of(issued), "logout")]


async def test_unknown_or_foreign_refresh_tokens_are_ignored_at_logout(world: AuthWorld) -> None:
    await world.user()
    bob = await world.user("bob@example.com")
    ada_tokens = await world.sign_in()

    assert await world.log_out(LogOut(bob.id, refresh_token=ada_tokens.refresh_token)) == 0
    assert await world.log_out(LogOut(refresh_token="never-issued")) == 0
    assert _revoked(world) == []


async def test_a_user_token_is_live_while_its_session_and_account_are(world: AuthWorld) -> None:
    ada = await world.user()
    bob = await world.user("bob@example.com")
    [session_id] = await _sessions(world, 1)

    assert await world.confirm_principal(ConfirmPrincipal(ada.id, session_id, is_service=False))
    assert not await world.confirm_principal(ConfirmPrincipal(bob.id, session_id, is_service=False))
    assert not await world.confirm_principal(ConfirmPrincipal(ada.id, None, is_service=False))

    world.store.users[ada.id].disabled_at = NOW
    assert not await world.confirm_principal(ConfirmPrincipal(ada.id, session_id, is_service=False))
    world.store.users[ada.id].disabled_at = None
    world.store.sessions[session_id].revoke(NOW, RevocationReason.LOGOUT)
    assert not await world.confirm_principal(ConfirmPrincipal(ada.id, session_id, is_service=False))


async def test_a_user_token_dies_with_its_account(world: AuthWorld) -> None:
    ada = await world.user()
    [session_id] = await _sessions(world, 1)

    del world.store.users[ada.id]

    assert not await world.confirm_principal(ConfirmPrincipal(ada.id, session_id, is_service=False))


async def test_a_service_token_is_live_while_its_client_is(world: AuthWorld) -> None:
    created = await world.create_service_client(CreateServiceClient("chart"))
    query = ConfirmPrincipal(created.client.id, None, is_service=True)

    assert await world.confirm_principal(query)
    assert not await world.confirm_principal(ConfirmPrincipal(UUID(int=424_242), None, is_service=True))
    world.store.service_clients[created.client.id].disabled_at = NOW
    assert not await world.confirm_principal(query)
