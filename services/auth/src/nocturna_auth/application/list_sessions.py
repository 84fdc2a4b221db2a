"""Use case: the caller's active sessions (devices), newest first, a page at a time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from nocturna_auth.application.unit_of_work import AuthUnitOfWork


@dataclass(frozen=True)
class ListSessions:
    user_id: UUID
    current_session_id: UUID | None
    limit: int = 50
    before: UUID | None = None


@dataclass(frozen=True)
class SessionView:
    id: UUID
    user_agent: str | None
    ip: str | None
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    current: bool


@dataclass(frozen=True)
class SessionPage:
    items: Sequence[SessionView]
    next_before: UUID | None
    """Pass as `before` for the next page; None on the last page."""


class ListSessionsHandler:
    def __init__(self, uow: Callable[[], AuthUnitOfWork]) -> None:
        self._uow = uow

    async def __call__(self, query: ListSessions) -> SessionPage:
        async with self._uow() as uow:
            sessions = await uow.sessions.active_page(
                query.user_id, limit=query.limit + 1, before=query.before
            )
        page = sessions[: query.limit]
        items = [
            SessionView(
                id=session.id,
                user_agent=session.user_agent,
                ip=session.ip,
                created_at=session.created_at,
                last_used_at=session.last_used_at,
                expires_at=session.expires_at,
                current=session.id == query.current_session_id,
            )
            for session in page
        ]
        return SessionPage(items, page[-1].id if len(sessions) > query.limit else None)
