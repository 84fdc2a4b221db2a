"""`auth.session.revoked.v1`, `auth.user.deleted.v1`, `auth.api_key.revoked.v1` → edge revocations.

Replicas share one queue per event (competing consumers): the effect lands in Redis, which every replica
reads, so one delivery is enough."""

from __future__ import annotations

from nocturna_contracts.auth.v1 import ApiKeyRevoked, SessionRevoked, UserDeleted
from nocturna_platform.messaging.meta import EventMeta
from nocturna_platform.messaging.subscriptions import EventSubscriptions

from nocturna_gateway.edge.revocations import Revocations


def subscribe(subscriptions: EventSubscriptions, revocations: Revocations) -> None:
    async def on_session_revoked(event: SessionRevoked, meta: EventMeta) -> None:
        await revocations.session_revoked(event.session_id, event.revoked_at, event.access_tokens_expire_by)

    async def on_user_deleted(event: UserDeleted, meta: EventMeta) -> None:
        await revocations.user_deleted(event.user_id, event.deleted_at)

    async def on_api_key_revoked(event: ApiKeyRevoked, meta: EventMeta) -> None:
        await revocations.api_key_revoked(event.prefix)

    subscriptions.on(SessionRevoked, on_session_revoked)
    subscriptions.on(UserDeleted, on_user_deleted)
    subscriptions.on(ApiKeyRevoked, on_api_key_revoked)
