"""Query for the gateway: resolve a presented API key to its owner and scopes, or to nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.api_keys import ApiKey, PresentedKey, SecretHasher

_DECOY_DIGEST = "0" * 64


@dataclass(frozen=True)
class IntrospectApiKey:
    key: str


class IntrospectApiKeyHandler:
    """Answers the active key, or None alike for malformed, unknown, wrong secret, revoked, expired, or an
    owner disabled or deleted. Records the use at most once per interval per key."""

    def __init__(
        self, uow: Callable[[], AuthUnitOfWork], hasher: SecretHasher, clock: Callable[[], datetime]
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock

    async def __call__(self, query: IntrospectApiKey) -> ApiKey | None:
        presented = PresentedKey.parse(query.key)
        if presented is None:
            return None
        now = self._clock()
        async with self._uow() as uow:
            key = await uow.api_keys.by_public_id(presented.public_id)
            if key is None:
                self._hasher.matches(presented.secret, _DECOY_DIGEST)  # same work as a real check
                return None
            if not key.verify(presented, self._hasher) or not key.is_active(now):
                return None
            owner = await uow.users.get(key.user_id)
            if owner is None or owner.is_disabled:
                return None
            if key.use_is_due(now):
                await uow.api_keys.record_use(key.id, now)
                key.last_used_at = now
                await uow.commit()
        return key
