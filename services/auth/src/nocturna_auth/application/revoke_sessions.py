"""Ending sessions, shared by every use case that does so (logout, reuse, password change, disable, delete)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from uuid import UUID

from nocturna_contracts.auth.v1 import SessionRevoked

from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.sessions import RevocationReason, Session


async def revoke_sessions(
    uow: AuthUnitOfWork,
    sessions: Iterable[Session],
    *,
    reason: RevocationReason,
    now: datetime,
    access_token_ttl: timedelta,
) -> int:
    """Revoke each session and announce it (`auth.session.revoked.v1`) in the caller's transaction.

    The caller commits. Returns how many sessions ended now (already revoked ones are not announced again).
    """
    ended = 0
    for session in sessions:
        if not session.revoke(now, reason):
            continue
        await uow.sessions.save(session)
        uow.publish(
            SessionRevoked(
                session_id=session.id,
                user_id=session.user_id,
                reason=reason.value,
                revoked_at=now,
                access_tokens_expire_by=now + access_token_ttl,
            )
        )
        ended += 1
    return ended


async def revoke_all_sessions(
    uow: AuthUnitOfWork,
    user_id: UUID,
    *,
    reason: RevocationReason,
    now: datetime,
    access_token_ttl: timedelta,
) -> int:
    """Revoke every active session of the user, as `revoke_sessions` does."""
    sessions = await uow.sessions.active_for_user(user_id)
    return await revoke_sessions(uow, sessions, reason=reason, now=now, access_token_ttl=access_token_ttl)
