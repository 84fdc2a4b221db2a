"""Query for admins: accounts newest first, filtered by part of the email and by role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from nocturna_auth.application.pages import Page, page_of
from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.users import User


@dataclass(frozen=True)
class SearchUsers:
    limit: int
    email_contains: str | None = None
    role: str | None = None
    before: UUID | None = None


class SearchUsersHandler:
    def __init__(self, uow: Callable[[], AuthUnitOfWork]) -> None:
        self._uow = uow

    async def __call__(self, query: SearchUsers) -> Page[User]:
        fragment = (query.email_contains or "").strip().lower() or None
        async with self._uow() as uow:
            users = await uow.users.search(
                email_contains=fragment, role=query.role, limit=query.limit + 1, before=query.before
            )
        return page_of(users, query.limit, lambda user: user.id)
