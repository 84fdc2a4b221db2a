"""In-memory adapters for the auth use cases: same behaviour as the SQL ones, no database."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Self
from uuid import UUID

from nocturna_auth.application.issue_tokens import IssuedTokens
from nocturna_auth.domain.api_keys import ApiKey
from nocturna_auth.domain.sessions import Session
from nocturna_auth.domain.users import User
from nocturna_contracts.event import Event


class FakePasswordHasher:
    """Reversible on purpose (tests only); `version` changes play the role of new argon2 parameters."""

    def __init__(self, version: int = 1) -> None:
        self.version = version

    def hash(self, password: str) -> str:
        return f"v{self.version}${password}"

    def verify(self, password_hash: str, password: str) -> bool:
        return password_hash.split("$", 1)[1] == password

    def needs_rehash(self, password_hash: str) -> bool:
        return not password_hash.startswith(f"v{self.version}$")


class InMemoryUserRepository:
    def __init__(self, users: dict[UUID, User], on_delete: Callable[[UUID], None] = lambda _: None) -> None:
        self._users = users
        self._on_delete = on_delete

    async def add(self, user: User) -> None:
        self._users[user.id] = copy.deepcopy(user)

    async def get(self, user_id: UUID) -> User | None:
        user = self._users.get(user_id)
        return copy.deepcopy(user) if user else None

    async def by_email(self, email: str) -> User | None:
        return next((copy.deepcopy(user) for user in self._users.values() if user.email == email), None)

    async def save(self, user: User) -> None:
        if user.id in self._users:
            self._users[user.id] = copy.deepcopy(user)

    async def get_for_update(self, user_id: UUID) -> User | None:
        return await self.get(user_id)

    async def delete(self, user_id: UUID) -> None:
        """Like the SQL foreign keys, the user's rows elsewhere go with it (`on_delete`)."""
        if self._users.pop(user_id, None) is not None:
            self._on_delete(user_id)

    async def search(
        self, *, email_contains: str | None, role: str | None, limit: int, before: UUID | None
    ) -> Sequence[User]:
        found = [
            user
            for user in sorted(self._users.values(), key=lambda user: user.id, reverse=True)
            if (email_contains is None or email_contains in user.email)
            and (role is None or role in user.roles)
            and (before is None or user.id < before)
        ]
        return [copy.deepcopy(user) for user in found[:limit]]


class InMemorySessionRepository:
    def __init__(self, sessions: dict[UUID, Session], now: datetime) -> None:
        self._sessions = sessions
        self._now = now

    async def add(self, session: Session) -> None:
        self._sessions[session.id] = copy.deepcopy(session)

    async def get(self, session_id: UUID) -> Session | None:
        session = self._sessions.get(session_id)
        return copy.deepcopy(session) if session else None

    async def active_for_user(self, user_id: UUID) -> Sequence[Session]:
        found = [s for s in self._sessions.values() if s.user_id == user_id and s.is_active(self._now)]
        return [copy.deepcopy(s) for s in sorted(found, key=lambda s: s.created_at, reverse=True)]

    async def save(self, session: Session) -> None:
        if session.id in self._sessions:
            self._sessions[session.id] = copy.deepcopy(session)


class InMemoryAuthUnitOfWork:
    """Works on a copy of the store; `commit` makes the copy the store and records the published events."""

    def __init__(self, store: InMemoryAuthStore) -> None:
        self._store = store

    async def __aenter__(self) -> Self:
        self._users = copy.deepcopy(self._store.users)
        self._sessions = copy.deepcopy(self._store.sessions)
        self._api_keys = copy.deepcopy(self._store.api_keys)
        self.users = InMemoryUserRepository(self._users, self._cascade)
        self.sessions = InMemorySessionRepository(self._sessions, self._store.now)
        self.api_keys = InMemoryApiKeyRepository(self._api_keys)
        self._pending: list[Event] = []
        return self

    async def __aexit__(self, *args: object) -> None:
        self._pending = []

    def publish(self, event: Event) -> None:
        self._pending.append(event)

    async def commit(self) -> None:
        self._store.users, self._store.sessions = self._users, self._sessions
        self._store.api_keys = self._api_keys
        self._store.published.extend(self._pending)
        self._pending = []

    def _cascade(self, user_id: UUID) -> None:
        rows: list[dict[UUID, Session] | dict[UUID, ApiKey]] = [self._sessions, self._api_keys]
        for table in rows:
            for row_id in [row_id for row_id, row in table.items() if row.user_id == user_id]:
                del table[row_id]


class InMemoryAuthStore:
    """What the fake unit of work commits to; call it to get a fresh unit of work."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.users: dict[UUID, User] = {}
        self.sessions: dict[UUID, Session] = {}
        self.api_keys: dict[UUID, ApiKey] = {}
        self.published: list[Event] = []

    def __call__(self) -> InMemoryAuthUnitOfWork:
        return InMemoryAuthUnitOfWork(self)


class FakeAccessTokenIssuer:
    def __init__(self) -> None:
        self.issued: list[tuple[UUID, UUID, frozenset[str]]] = []

    async def issue(self, user: User, *, session_id: UUID, scopes: frozenset[str]) -> IssuedTokens:
        self.issued.append((user.id, session_id, scopes))
        return IssuedTokens(access_token=f"token-for-{user.id}-{session_id}", expires_in=900)


class InMemoryApiKeyRepository:
    def __init__(self, keys: dict[UUID, ApiKey]) -> None:
        self._keys = keys

    async def add(self, key: ApiKey) -> None:
        if any(other.public_id == key.public_id for other in self._keys.values()):
            raise ValueError("duplicate public id")  # the SQL table has a unique index
        self._keys[key.id] = copy.deepcopy(key)

    async def get(self, key_id: UUID) -> ApiKey | None:
        key = self._keys.get(key_id)
        return copy.deepcopy(key) if key else None

    async def by_public_id(self, public_id: str) -> ApiKey | None:
        return next((copy.deepcopy(k) for k in self._keys.values() if k.public_id == public_id), None)

    async def for_user(
        self, user_id: UUID, *, limit: int | None = None, before: UUID | None = None
    ) -> Sequence[ApiKey]:
        found = [
            key
            for key in sorted(self._keys.values(), key=lambda key: key.id, reverse=True)
            if key.user_id == user_id and (before is None or key.id < before)
        ]
        return [copy.deepcopy(key) for key in found[:limit]]

    async def count_active(self, user_id: UUID, now: datetime) -> int:
        return sum(1 for key in self._keys.values() if key.user_id == user_id and key.is_active(now))

    async def save(self, key: ApiKey) -> None:
        """Like the SQL adapter: name and revocation only; `last_used_at` goes through `record_use`."""
        stored = self._keys.get(key.id)
        if stored is not None:
            stored.name, stored.revoked_at = key.name, key.revoked_at

    async def record_use(self, key_id: UUID, at: datetime) -> None:
        stored = self._keys.get(key_id)
        if stored is not None and (stored.last_used_at is None or stored.last_used_at < at):
            stored.last_used_at = at
