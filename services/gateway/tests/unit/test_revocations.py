from __future__ import annotations

import uuid
from datetime import timedelta

from services.gateway.tests.conftest import Edge


async def test_a_session_is_denied_until_its_tokens_expired_plus_leeway(edge: Edge) -> None:
    session = uuid.uuid4()
    expire_by = edge.clock() + timedelta(minutes=10)

    await edge.revocations.session_revoked(session, edge.clock(), expire_by)

    assert edge.deny_list.sessions[session] == expire_by + timedelta(seconds=30)


async def test_without_an_expiry_in_the_event_the_longest_token_lifetime_is_assumed(edge: Edge) -> None:
    session, revoked_at = uuid.uuid4(), edge.clock() - timedelta(minutes=1)

    await edge.revocations.session_revoked(session, revoked_at, None)

    assert edge.deny_list.sessions[session] == revoked_at + timedelta(minutes=15, seconds=30)


async def test_a_revocation_whose_tokens_are_all_expired_writes_nothing(edge: Edge) -> None:
    session = uuid.uuid4()

    await edge.revocations.session_revoked(session, edge.clock() - timedelta(hours=1), None)

    assert session not in edge.deny_list.sessions


async def test_a_redelivered_event_does_not_extend_the_entry(edge: Edge) -> None:
    session, revoked_at = uuid.uuid4(), edge.clock()
    await edge.revocations.session_revoked(session, revoked_at, None)
    edge.clock.advance(300)

    await edge.revocations.session_revoked(session, revoked_at, None)

    assert edge.deny_list.sessions[session] == revoked_at + timedelta(minutes=15, seconds=30)


async def test_a_deleted_user_is_denied_for_one_token_lifetime(edge: Edge) -> None:
    user = uuid.uuid4()

    await edge.revocations.user_deleted(user, edge.clock())

    assert edge.deny_list.users[user] == edge.clock() + timedelta(minutes=15, seconds=30)


async def test_a_deleted_users_plan_limit_is_erased_and_not_brought_back(edge: Edge) -> None:
    """Subscription announces the closed account's canceled subscription after the deletion."""
    user = uuid.uuid4()
    await edge.rate_limiter.set_plan_limit(user, 1200, version=3)

    await edge.revocations.user_deleted(user, edge.clock())

    assert not await edge.rate_limiter.set_plan_limit(user, 60, version=4)
    assert edge.rate_limiter.plans == {}
