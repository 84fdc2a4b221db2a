"""Use case: revoke an API key; `auth.api_key.revoked.v1` tells the gateway to drop it from its cache."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from nocturna_contracts.auth.v1 import ApiKeyRevoked
from nocturna_platform.security.principal import Principal

from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.api_keys import ApiKey, ApiKeyNotFound


@dataclass(frozen=True)
class RevokeApiKey:
    key_id: UUID
    actor: Principal


async def revoke_api_key(uow: AuthUnitOfWork, key: ApiKey, now: datetime) -> bool:
    """Revoke and announce in the caller's transaction (the caller commits); an already revoked key is not
    announced again."""
    if not key.revoke(now):
        return False
    await uow.api_keys.save(key)
    uow.publish(ApiKeyRevoked(api_key_id=key.id, user_id=key.user_id, prefix=key.prefix, revoked_at=now))
    return True


class RevokeApiKeyHandler:
    """Idempotent: revoking a revoked key succeeds without a second event."""

    def __init__(self, uow: Callable[[], AuthUnitOfWork], clock: Callable[[], datetime]) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: RevokeApiKey) -> None:
        async with self._uow() as uow:
            key = await uow.api_keys.get(command.key_id)
            if key is None or not command.actor.can_access(key.user_id, "api_keys:write"):
                raise ApiKeyNotFound("no such API key")
            if await revoke_api_key(uow, key, self._clock()):
                await uow.commit()
