"""Use case: a user creates an API key for a partner app; the plaintext is returned once, never stored."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.api_keys import ApiKey, ApiKeyLimitReached, PresentedKey, SecretHasher
from nocturna_auth.domain.users import AccountDisabled, EmailNotVerified, UserNotFound


@dataclass(frozen=True)
class CreateApiKey:
    user_id: UUID
    name: str
    scopes: frozenset[str]
    expires_at: datetime | None = None


@dataclass(frozen=True)
class CreatedApiKey:
    key: ApiKey
    plaintext: str


class CreateApiKeyHandler:
    """Requires an enabled account with a verified email and fewer than `max_active` active keys (the owner row is locked meanwhile)."""

    def __init__(
        self,
        uow: Callable[[], AuthUnitOfWork],
        hasher: SecretHasher,
        clock: Callable[[], datetime],
        new_id: Callable[[], UUID],
        max_active: int,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self._new_id = new_id
        self._max_active = max_active

    async def __call__(self, command: CreateApiKey) -> CreatedApiKey:
        now = self._clock()
        presented = PresentedKey.generate()
        async with self._uow() as uow:
            user = await uow.users.get_for_update(command.user_id)
            if user is None:
                raise UserNotFound("the account does not exist")
            if user.is_disabled:
                raise AccountDisabled("this account is disabled")
            if not user.email_verified:
                raise EmailNotVerified("verify your email address before creating API keys")
            key = ApiKey.issue(
                key_id=self._new_id(),
                user_id=user.id,
                name=command.name,
                scopes=command.scopes,
                expires_at=command.expires_at,
                presented=presented,
                hasher=self._hasher,
                now=now,
            )
            if await uow.api_keys.count_active(user.id, now) >= self._max_active:
                raise ApiKeyLimitReached(f"at most {self._max_active} active API keys; revoke one first")
            await uow.api_keys.add(key)
            await uow.commit()
        return CreatedApiKey(key, presented.plaintext)
