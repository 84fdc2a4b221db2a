"""SQL repositories of the auth service."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from nocturna_auth.domain.sessions import RevocationReason, Session
from nocturna_auth.domain.users import EmailAlreadyRegistered, User
from nocturna_auth.infrastructure.tables import SessionRow, UserRow


def _user(row: UserRow) -> User:
    return User(
        id=row.id,
        email=row.email,
        password_hash=row.password_hash,
        display_name=row.display_name,
        created_at=row.created_at,
        email_verified=row.email_verified,
        roles=frozenset(row.roles),
        disabled_at=row.disabled_at,
    )


class SqlUserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, user: User) -> None:
        row = UserRow(
            id=user.id,
            email=user.email,
            password_hash=user.password_hash,
            display_name=user.display_name,
            email_verified=user.email_verified,
            roles=sorted(user.roles),
            created_at=user.created_at,
            disabled_at=user.disabled_at,
        )
        try:
            # A savepoint: a concurrent registration of the same email that committed first makes this
            # insert fail on the unique index without spoiling the rest of the transaction.
            async with self._session.begin_nested():
                self._session.add(row)
        except IntegrityError as error:
            raise EmailAlreadyRegistered("the email is taken") from error

    async def get(self, user_id: UUID) -> User | None:
        row = await self._session.get(UserRow, user_id)
        return _user(row) if row else None

    async def by_email(self, email: str) -> User | None:
        row = (
            await self._session.execute(select(UserRow).where(col(UserRow.email) == email))
        ).scalar_one_or_none()
        return _user(row) if row else None

    async def save(self, user: User) -> None:
        row = await self._session.get(UserRow, user.id)
        if row is not None:
            row.email = user.email
            row.password_hash = user.password_hash
            row.display_name = user.display_name
            row.email_verified = user.email_verified
            row.roles = sorted(user.roles)
            row.disabled_at = user.disabled_at

    async def get_for_update(self, user_id: UUID) -> User | None:
        row = (
            await self._session.execute(
                select(UserRow)
                .where(col(UserRow.id) == user_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).scalar_one_or_none()
        return _user(row) if row else None

    async def delete(self, user_id: UUID) -> None:
        await self._session.flush()  # changes to the rows that cascade away are written first
        await self._session.execute(delete(UserRow).where(col(UserRow.id) == user_id))

    async def search(
        self, *, email_contains: str | None, role: str | None, limit: int, before: UUID | None
    ) -> Sequence[User]:
        statement = select(UserRow).order_by(col(UserRow.id).desc()).limit(limit)
        if email_contains:
            statement = statement.where(col(UserRow.email).contains(email_contains, autoescape=True))
        if role:
            statement = statement.where(col(UserRow.roles).contains([role]))
        if before is not None:
            statement = statement.where(col(UserRow.id) < before)
        return [_user(row) for row in (await self._session.execute(statement)).scalars()]


def _session(row: SessionRow) -> Session:
    return Session(
        id=row.id,
        user_id=row.user_id,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        expires_at=row.expires_at,
        user_agent=row.user_agent,
        ip=row.ip,
        revoked_at=row.revoked_at,
        revoke_reason=RevocationReason(row.revoke_reason) if row.revoke_reason else None,
    )


class SqlSessionRepository:
    def __init__(self, session: AsyncSession, clock: Callable[[], datetime]) -> None:
        self._session = session
        self._clock = clock

    async def add(self, session: Session) -> None:
        await self._session.flush()  # a user registered in this transaction must be inserted first (FK)
        self._session.add(SessionRow.model_validate(_session_columns(session)))

    async def get(self, session_id: UUID) -> Session | None:
        row = await self._session.get(SessionRow, session_id)
        return _session(row) if row else None

    async def get_for_update(self, session_id: UUID) -> Session | None:
        row = await self._session.get(SessionRow, session_id, with_for_update=True, populate_existing=True)
        return _session(row) if row else None

    async def active_for_user(self, user_id: UUID) -> Sequence[Session]:
        rows = (
            await self._session.execute(
                select(SessionRow)
                .where(
                    col(SessionRow.user_id) == user_id,
                    col(SessionRow.revoked_at).is_(None),
                    col(SessionRow.expires_at) > self._clock(),
                )
                .order_by(col(SessionRow.created_at).desc())
            )
        ).scalars()
        return [_session(row) for row in rows]

    async def active_page(self, user_id: UUID, *, limit: int, before: UUID | None) -> Sequence[Session]:
        query = select(SessionRow).where(
            col(SessionRow.user_id) == user_id,
            col(SessionRow.revoked_at).is_(None),
            col(SessionRow.expires_at) > self._clock(),
        )
        if before is not None:
            query = query.where(col(SessionRow.id) < before)
        rows = (await self._session.execute(query.order_by(col(SessionRow.id).desc()).limit(limit))).scalars()
        return [_session(row) for row in rows]

    async def save(self, session: Session) -> None:
        row = await self._session.get(SessionRow, session.id)
        if row is not None:
            for name, value in _session_columns(session).items():
                setattr(row, name, value)


def _session_columns(session: Session) -> dict[str, object]:
    return {
        "id": session.id,
        "user_id": session.user_id,
        "created_at": session.created_at,
        "last_used_at": session.last_used_at,
        "expires_at": session.expires_at,
        "user_agent": session.user_agent,
        "ip": session.ip,
        "revoked_at": session.revoked_at,
        "revoke_reason": session.revoke_reason.value if session.revoke_reason else None,
    }
