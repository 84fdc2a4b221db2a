"""Use case: an admin replaces an account's roles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from nocturna_contracts.auth.v1 import UserRolesChanged

from nocturna_auth.application.revoke_sessions import revoke_all_sessions
from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.sessions import RevocationReason
from nocturna_auth.domain.users import ADMIN_ROLE, SelfLockout, User, UserNotFound


@dataclass(frozen=True)
class ChangeRoles:
    user_id: UUID
    roles: frozenset[str]
    admin_id: UUID


class ChangeRolesHandler:
    """Announces `auth.user.roles_changed.v1`. Removing a role also ends the account's sessions, so access
    tokens still carrying it stop working within seconds instead of at expiry. An admin cannot drop their
    own admin role (someone must stay able to administer)."""

    def __init__(
        self, uow: Callable[[], AuthUnitOfWork], clock: Callable[[], datetime], access_token_ttl: timedelta
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._access_token_ttl = access_token_ttl

    async def __call__(self, command: ChangeRoles) -> User:
        if command.user_id == command.admin_id and ADMIN_ROLE not in command.roles:
            raise SelfLockout("you cannot remove your own admin role")
        now = self._clock()
        async with self._uow() as uow:
            user = await uow.users.get_for_update(command.user_id)
            if user is None:
                raise UserNotFound("no such user")
            removed = user.roles - command.roles
            if not user.assign_roles(command.roles):
                return user
            await uow.users.save(user)
            uow.publish(UserRolesChanged(user_id=user.id, roles=sorted(user.roles), changed_at=now))
            if removed:
                await revoke_all_sessions(
                    uow,
                    user.id,
                    reason=RevocationReason.REVOKED,
                    now=now,
                    access_token_ttl=self._access_token_ttl,
                )
            await uow.commit()
        return user
