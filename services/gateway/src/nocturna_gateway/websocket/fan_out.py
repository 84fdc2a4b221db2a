"""What an incoming event does to this process's sockets: user events are buffered then pushed to their
owner's sockets; a revoked session or a deleted account closes the sockets it covers."""

from __future__ import annotations

import logging
from uuid import UUID

from nocturna_gateway.websocket.hub import ConnectionHub
from nocturna_gateway.websocket.protocol import CloseCode, UserEvent
from nocturna_gateway.websocket.replay import ReplayBuffer

logger = logging.getLogger("nocturna.gateway.websocket")

USER_DELETED_REASON = "user_deleted"  # `auth.session.revoked.v1` reason of sessions ended by a deletion


class EventFanOut:
    def __init__(self, hub: ConnectionHub, replay: ReplayBuffer) -> None:
        self._hub = hub
        self._replay = replay

    async def publish(self, event: UserEvent) -> None:
        """Buffered before it is pushed: a socket resuming meanwhile reads it from the buffer or gets it
        live. Without Redis the event is still pushed live (logged): resume then misses it."""
        try:
            await self._replay.append(event)
        except Exception:
            logger.warning(
                "replay buffer unavailable; event %s pushed live only", event.event_id, exc_info=True
            )
        self._hub.deliver(event)

    def session_revoked(self, user_id: UUID, session_id: UUID, reason: str) -> None:
        """A session ended by the account's deletion closes with 4404 ("stop"), not 4403 ("sign in again"):
        auth ends the sessions in the deleting transaction, so their events arrive before the deletion's."""
        code = CloseCode.USER_DELETED if reason == USER_DELETED_REASON else CloseCode.SESSION_REVOKED
        self._hub.end_session(user_id, session_id, code)

    async def user_deleted(self, user_id: UUID) -> None:
        self._hub.end_user(user_id)
        try:
            await self._replay.forget(user_id)
        except Exception:
            logger.warning("could not drop the replay buffer of a deleted user", exc_info=True)
