"""Query: is the subject of a verified access token still allowed in? Auth checks its own tables, so a
revoked session or a disabled or deleted account stops working at once, not when the token expires."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from nocturna_auth.application.unit_of_work import AuthUnitOfWork


@dataclass(frozen=True)
class ConfirmPrincipal:
    subject: UUID
    session_id: UUID | None
    is_service: bool


class ConfirmPrincipalHandler:
    """A user token needs its session active and its account present and enabled; a service token (no
    session) needs its client present and enabled. Anything else is refused."""

    def __init__(self, uow: Callable[[], AuthUnitOfWork], clock: Callable[[], datetime]) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, query: ConfirmPrincipal) -> bool:
        async with self._uow() as uow:
            if query.session_id is not None:
                session = await uow.sessions.get(query.session_id)
                if (
                    session is None
                    or session.user_id != query.subject
                    or not session.is_active(self._clock())
                ):
                    return False
                user = await uow.users.get(query.subject)
                return user is not None and not user.is_disabled
            if query.is_service:
                client = await uow.service_clients.get(query.subject)
                return client is not None and not client.is_disabled
            return False
