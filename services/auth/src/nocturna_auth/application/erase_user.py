"""Erasing an account, shared by the owner's own deletion and an admin's."""

from __future__ import annotations

from datetime import datetime, timedelta

from nocturna_contracts.auth.v1 import UserDeleted

from nocturna_auth.application.revoke_api_key import revoke_api_key
from nocturna_auth.application.revoke_sessions import revoke_all_sessions
from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.sessions import RevocationReason
from nocturna_auth.domain.users import User


async def erase_user(uow: AuthUnitOfWork, user: User, *, now: datetime, access_token_ttl: timedelta) -> None:
    """End the sessions and revoke the keys (each announced), hard-delete the account (its rows cascade),
    and announce `auth.user.deleted.v1` so every service erases the user's data. The caller commits."""
    await revoke_all_sessions(
        uow,
        user.id,
        reason=RevocationReason.USER_DELETED,
        now=now,
        access_token_ttl=access_token_ttl,
    )
    for key in await uow.api_keys.for_user(user.id):
        await revoke_api_key(uow, key, now)
    await uow.users.delete(user.id)
    uow.publish(UserDeleted(user_id=user.id, deleted_at=now))
