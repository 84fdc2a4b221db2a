"""In-memory adapters for the auth use cases: same behaviour as the SQL ones, no database."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime
from typing import Self
from uuid import UUID

from nocturna_auth.application.session_tokens import IssuedTokens
from nocturna_auth.domain.refresh_tokens import RefreshToken
from nocturna_auth.domain.service_clients import ServiceClient
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
    def __init__(self, users: dict[UUID, User]) -> None:
        self._users = users

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


class InMemorySessionRepository:
    def __init__(self, sessions: dict[UUID, Session], now: datetime) -> None:
        self._sessions = sessions
        self._now = now

    async def add(self, session: Session) -> None:
        self._sessions[session.id] = copy.deepcopy(session)

    async def get(self, session_id: UUID) -> Session | None:
        session = self._sessions.get(session_id)
        return copy.deepcopy(session) if session else None

    async def get_for_update(self, session_id: UUID) -> Session | None:
        return await self.get(session_id)

    async def active_for_user(self, user_id: UUID) -> Sequence[Session]:
        found = [s for s in self._sessions.values() if s.user_id == user_id and s.is_active(self._now)]
        return [copy.deepcopy(s) for s in sorted(found, key=lambda s: s.created_at, reverse=True)]

    async def active_page(self, user_id: UUID, *, limit: int, before: UUID | None) -> Sequence[Session]:
        found = [
            s
            for s in self._sessions.values()
            if s.user_id == user_id and s.is_active(self._now) and (before is None or s.id < before)
        ]
        return [copy.deepcopy(s) for s in sorted(found, key=lambda s: s.id, reverse=True)[:limit]]

    async def save(self, session: Session) -> None:
        if session.id in self._sessions:
            self._sessions[session.id] = copy.deepcopy(session)


class InMemoryRefreshTokenRepository:
    def __init__(self, tokens: dict[bytes, RefreshToken]) -> None:
        self._tokens = tokens

    async def add(self, token: RefreshToken) -> None:
        self._tokens[token.digest] = copy.deepcopy(token)

    async def get(self, digest: bytes) -> RefreshToken | None:
        token = self._tokens.get(digest)
        return copy.deepcopy(token) if token else None

    async def get_for_update(self, digest: bytes) -> RefreshToken | None:
        return await self.get(digest)

    async def save(self, token: RefreshToken) -> None:
        if token.digest in self._tokens:
            self._tokens[token.digest] = copy.deepcopy(token)


class InMemoryServiceClientRepository:
    def __init__(self, clients: dict[UUID, ServiceClient]) -> None:
        self._clients = clients

    async def add(self, client: ServiceClient) -> None:
        self._clients[client.id] = copy.deepcopy(client)

    async def get(self, client_id: UUID) -> ServiceClient | None:
        client = self._clients.get(client_id)
        return copy.deepcopy(client) if client else None

    async def save(self, client: ServiceClient) -> None:
        if client.id in self._clients:
            self._clients[client.id] = copy.deepcopy(client)


class InMemoryAuthUnitOfWork:
    """Works on a copy of the store; `commit` makes the copy the store and records the published events."""

    def __init__(self, store: InMemoryAuthStore) -> None:
        self._store = store

    async def __aenter__(self) -> Self:
        self._users = copy.deepcopy(self._store.users)
        self._sessions = copy.deepcopy(self._store.sessions)
        self._refresh_tokens = copy.deepcopy(self._store.refresh_tokens)
        self._service_clients = copy.deepcopy(self._store.service_clients)
        self.users = InMemoryUserRepository(self._users)
        self.sessions = InMemorySessionRepository(self._sessions, self._store.now)
        self.refresh_tokens = InMemoryRefreshTokenRepository(self._refresh_tokens)
        self.service_clients = InMemoryServiceClientRepository(self._service_clients)
        self._pending: list[Event] = []
        return self

    async def __aexit__(self, *args: object) -> None:
        self._pending = []

    def publish(self, event: Event) -> None:
        self._pending.append(event)

    async def commit(self) -> None:
        self._store.users, self._store.sessions = self._users, self._sessions
        self._store.refresh_tokens, self._store.service_clients = self._refresh_tokens, self._service_clients
        self._store.published.extend(self._pending)
        self._pending = []


class InMemoryAuthStore:
    """What the fake unit of work commits to; call it to get a fresh unit of work."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.users: dict[UUID, User] = {}
        self.sessions: dict[UUID, Session] = {}
        self.refresh_tokens: dict[bytes, RefreshToken] = {}
        self.service_clients: dict[UUID, ServiceClient] = {}
        self.published: list[Event] = []

    def clock(self) -> datetime:
        """The store's `now`, as the handlers' clock: tests move time by setting `now`."""
        return self.now

    def __call__(self) -> InMemoryAuthUnitOfWork:
        return InMemoryAuthUnitOfWork(self)


class FakeAccessTokenIssuer:
    """Records (subject, session or None for a client, scopes) of every token; tokens are unique strings."""

    def __init__(self) -> None:
        self.issued: list[tuple[UUID, UUID | None, frozenset[str]]] = []

    async def issue(self, user: User, *, session_id: UUID, scopes: frozenset[str]) -> IssuedTokens:
        self.issued.append((user.id, session_id, scopes))
        return IssuedTokens(
            access_token=f"token-{len(self.issued)}-for-{user.id}-{session_id}",
            expires_in=900,
            scope=" ".join(sorted(scopes)),
        )

    async def issue_for_client(self, client_id: UUID, *, scopes: frozenset[str]) -> IssuedTokens:
        self.issued.append((client_id, None, scopes))
        return IssuedTokens(
            access_token=f"token-{len(self.issued)}-for-client-{client_id}",
            expires_in=900,
            scope=" ".join(sorted(scopes)),
        )
