from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from nocturna_auth.application.refresh_session import RefreshTokenGrant
from nocturna_auth.domain.refresh_tokens import InvalidRefreshToken, RefreshTokenReused
from nocturna_auth.domain.scopes import InvalidScope
from nocturna_auth.domain.sessions import RevocationReason
from nocturna_contracts.auth.v1 import SessionRevoked

from services.auth.tests.unit.world import (
    ACCESS_TOKEN_TTL,
    GRACE,
    NOW,
    REFRESH_TOKEN_TTL,
    SESSION_LIFETIME,
    AuthWorld,
)


@pytest.fixture
def world() -> AuthWorld:
    return AuthWorld()


def _grant(refresh_token: str | None, **fields: str) -> RefreshTokenGrant:
    assert refresh_token is not None
    return RefreshTokenGrant(refresh_token, **fields)


async def test_signing_in_issues_a_refresh_token_stored_only_as_a_digest(world: AuthWorld) -> None:
    await world.user()
    issued = await world.sign_in()

    assert issued.refresh_token is not None
    assert len(issued.refresh_token) >= 43  # 256 bits, base64url
    [(digest, token)] = world.store.refresh_tokens.items()
    assert digest == world.secrets.digest(issued.refresh_token) != issued.refresh_token.encode()
    assert token.session_id == world.session_of(issued)
    assert token.expires_at == NOW + REFRESH_TOKEN_TTL


async def test_a_refresh_rotates_the_token_and_keeps_the_session(world: AuthWorld) -> None:
    user = await world.user()
    first = await world.sign_in(scope="charts:read", user_agent="app/1", ip="198.51.100.1")
    session_id = world.session_of(first)
    world.advance(timedelta(hours=1))

    second = await world.refresh_token_grant(
        _grant(first.refresh_token, user_agent="app/2", ip="198.51.100.2")
    )

    assert second.refresh_token not in (None, first.refresh_token)
    assert second.access_token != first.access_token
    assert world.session_of(second) == session_id
    assert world.issuer.issued[-1] == (user.id, session_id, frozenset({"charts:read"}))
    old = world.store.refresh_tokens[world.secrets.digest(first.refresh_token or "")]
    assert old.rotated_at == world.store.now
    session = world.store.sessions[session_id]
    assert (session.last_used_at, session.ip, session.user_agent) == (
        world.store.now,
        "198.51.100.2",
        "app/2",
    )
    third = await world.refresh_token_grant(_grant(second.refresh_token))
    assert world.session_of(third) == session_id
    assert world.store.published[1:] == []  # only the registration event


async def test_a_refresh_token_never_outlives_its_session(world: AuthWorld) -> None:
    await world.user()
    refreshed = await world.sign_in()
    for _ in range(2):
        world.advance(timedelta(days=10))
        refreshed = await world.refresh_token_grant(_grant(refreshed.refresh_token))

    assert world.store.now + REFRESH_TOKEN_TTL > NOW + SESSION_LIFETIME

    token = world.store.refresh_tokens[world.secrets.digest(refreshed.refresh_token or "")]
    assert token.expires_at == NOW + SESSION_LIFETIME


async def test_a_concurrent_refresh_within_the_grace_window_gets_the_same_pair(world: AuthWorld) -> None:
    await world.user()
    issued = await world.sign_in()
    first = await world.refresh_token_grant(_grant(issued.refresh_token))
    world.advance(GRACE - timedelta(milliseconds=1))

    again = await world.refresh_token_grant(_grant(issued.refresh_token))

    assert again == first
    assert world.store.sessions[world.session_of(issued)].revoked_at is None
    assert len(world.store.refresh_tokens) == 2
    assert not any(isinstance(event, SessionRevoked) for event in world.store.published)


async def test_reuse_after_the_grace_window_revokes_the_whole_session(world: AuthWorld) -> None:
    user = await world.user()
    issued = await world.sign_in()
    session_id = world.session_of(issued)
    successor = await world.refresh_token_grant(_grant(issued.refresh_token))
    world.advance(GRACE)

    with pytest.raises(RefreshTokenReused):
        await world.refresh_token_grant(_grant(issued.refresh_token))

    session = world.store.sessions[session_id]
    assert (session.revoked_at, session.revoke_reason) == (
        world.store.now,
        RevocationReason.REFRESH_TOKEN_REUSE,
    )
    assert world.store.published[-1] == SessionRevoked(
        session_id=session_id,
        user_id=user.id,
        reason="refresh_token_reuse",
        revoked_at=world.store.now,
        access_tokens_expire_by=world.store.now + ACCESS_TOKEN_TTL,
    )
    with pytest.raises(InvalidRefreshToken):  # the thief's (or the victim's) current token is dead too
        await world.refresh_token_grant(_grant(successor.refresh_token))


async def test_a_sealed_pair_opens_only_with_the_token_it_was_sealed_under(world: AuthWorld) -> None:
    await world.user()
    issued = await world.sign_in()
    other = await world.sign_in()
    await world.refresh_token_grant(_grant(issued.refresh_token))
    old = world.store.refresh_tokens[world.secrets.digest(issued.refresh_token or "")]
    assert old.successor is not None

    assert world.secrets.unseal(old.successor, other.refresh_token or "") is None
    assert (
        world.secrets.unseal(old.successor[:-1] + bytes([old.successor[-1] ^ 1]), issued.refresh_token or "")
        is None
    )


async def test_an_unknown_refresh_token_is_refused_without_side_effects(world: AuthWorld) -> None:
    await world.user()
    await world.sign_in()
    published = list(world.store.published)

    with pytest.raises(InvalidRefreshToken):
        await world.refresh_token_grant(RefreshTokenGrant("not-a-token-we-issued"))
    assert world.store.published == published


async def test_an_expired_refresh_token_is_refused(world: AuthWorld) -> None:
    await world.user()
    issued = await world.sign_in()
    world.advance(REFRESH_TOKEN_TTL)

    with pytest.raises(InvalidRefreshToken) as refused:
        await world.refresh_token_grant(_grant(issued.refresh_token))
    assert not isinstance(refused.value, RefreshTokenReused)


async def test_a_revoked_session_cannot_be_refreshed(world: AuthWorld) -> None:
    await world.user()
    issued = await world.sign_in()
    session = world.store.sessions[world.session_of(issued)]
    session.revoke(NOW, RevocationReason.LOGOUT)

    with pytest.raises(InvalidRefreshToken):
        await world.refresh_token_grant(_grant(issued.refresh_token))


async def test_an_expired_session_cannot_be_refreshed(world: AuthWorld) -> None:
    await world.user()
    issued = await world.sign_in()
    session_id = world.session_of(issued)
    world.store.sessions[session_id] = replace(
        world.store.sessions[session_id], expires_at=NOW + timedelta(1)
    )
    world.advance(timedelta(days=1))

    with pytest.raises(InvalidRefreshToken):
        await world.refresh_token_grant(_grant(issued.refresh_token))


async def test_a_disabled_or_deleted_account_cannot_refresh(world: AuthWorld) -> None:
    user = await world.user()
    issued = await world.sign_in()
    world.store.users[user.id].disabled_at = NOW
    with pytest.raises(InvalidRefreshToken):
        await world.refresh_token_grant(_grant(issued.refresh_token))

    del world.store.users[user.id]
    with pytest.raises(InvalidRefreshToken):
        await world.refresh_token_grant(_grant(issued.refresh_token))


async def test_a_refresh_may_narrow_the_scope_but_never_widen_it(world: AuthWorld) -> None:
    user = await world.user()
    issued = await world.sign_in(scope="charts:read charts:write")

    narrowed = await world.refresh_token_grant(_grant(issued.refresh_token, scope="charts:read"))
    assert world.issuer.issued[-1][2] == frozenset({"charts:read"})
    with pytest.raises(InvalidScope):
        await world.refresh_token_grant(_grant(narrowed.refresh_token, scope="charts:read admin"))

    await world.refresh_token_grant(_grant(narrowed.refresh_token))
    assert world.issuer.issued[-1] == (
        user.id,
        world.session_of(issued),
        frozenset({"charts:read", "charts:write"}),
    )


async def test_the_password_grant_refuses_a_scope_outside_the_catalogue_before_any_session(
    world: AuthWorld,
) -> None:
    await world.user()

    with pytest.raises(InvalidScope, match="admin"):
        await world.sign_in(scope="charts:read admin")

    assert world.store.sessions == {}
    granted = await world.sign_in(scope="charts:read sessions:write")
    assert granted.scope == "charts:read sessions:write"
