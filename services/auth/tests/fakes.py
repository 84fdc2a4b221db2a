"""In-memory adapters for the auth use cases: same behaviour as the SQL ones, no database."""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Self
from uuid import UUID

from nocturna_auth.application.issue_tokens import IssuedTokens
from nocturna_auth.domain.emails import EmailKind, EmailMessage
from nocturna_auth.domain.lockout import LockoutPolicy
from nocturna_auth.domain.one_time_tokens import OneTimeToken, TokenPurpose
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
        self._tokens = copy.deepcopy(self._store.tokens)
        self._emails = list(self._store.emails)
        self.users = InMemoryUserRepository(self._users)
        self.sessions = InMemorySessionRepository(self._sessions, self._store.now)
        self.one_time_tokens = InMemoryOneTimeTokenRepository(self._tokens)
        self.outgoing_emails = InMemoryOutgoingEmails(self._emails, self._store.now)
        self._pending: list[Event] = []
        return self

    async def __aexit__(self, *args: object) -> None:
        self._pending = []

    def publish(self, event: Event) -> None:
        self._pending.append(event)

    async def commit(self) -> None:
        self._store.users, self._store.sessions = self._users, self._sessions
        self._store.tokens, self._store.emails = self._tokens, self._emails
        self._store.published.extend(self._pending)
        self._pending = []


class InMemoryAuthStore:
    """What the fake unit of work commits to; call it to get a fresh unit of work."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.users: dict[UUID, User] = {}
        self.sessions: dict[UUID, Session] = {}
        self.tokens: dict[UUID, OneTimeToken] = {}
        self.emails: list[tuple[datetime, EmailMessage]] = []
        self.published: list[Event] = []

    @property
    def mails(self) -> list[EmailMessage]:
        """The committed mail outbox, oldest first."""
        return [message for _, message in self.emails]

    def __call__(self) -> InMemoryAuthUnitOfWork:
        return InMemoryAuthUnitOfWork(self)


class FakeAccessTokenIssuer:
    def __init__(self) -> None:
        self.issued: list[tuple[UUID, UUID, frozenset[str]]] = []

    async def issue(self, user: User, *, session_id: UUID, scopes: frozenset[str]) -> IssuedTokens:
        self.issued.append((user.id, session_id, scopes))
        return IssuedTokens(access_token=f"token-for-{user.id}-{session_id}", expires_in=900)


class InMemoryOneTimeTokenRepository:
    def __init__(self, tokens: dict[UUID, OneTimeToken]) -> None:
        self._tokens = tokens

    async def add(self, token: OneTimeToken) -> None:
        self._tokens[token.id] = copy.deepcopy(token)

    async def by_digest(self, digest: str) -> OneTimeToken | None:
        return next((copy.deepcopy(t) for t in self._tokens.values() if t.digest == digest), None)

    async def unused_for_user(self, user_id: UUID, purpose: TokenPurpose) -> Sequence[OneTimeToken]:
        return [
            copy.deepcopy(t)
            for t in self._tokens.values()
            if t.user_id == user_id and t.purpose is purpose and t.consumed_at is None
        ]

    async def save(self, token: OneTimeToken) -> None:
        if token.id in self._tokens:
            self._tokens[token.id] = copy.deepcopy(token)


class InMemoryOutgoingEmails:
    def __init__(self, emails: list[tuple[datetime, EmailMessage]], now: datetime) -> None:
        self._emails = emails
        self._now = now

    async def queue(self, message: EmailMessage) -> None:
        self._emails.append((self._now, message))

    async def last_queued_at(self, to: str, kind: EmailKind) -> datetime | None:
        return max((at for at, m in self._emails if m.to == to and m.kind is kind), default=None)


class RecordingEmailSender:
    """Records what it sends; fails the first `failures` sends, like a transport that is down for a while."""

    def __init__(self, failures: int = 0) -> None:
        self.sent: list[tuple[UUID, EmailMessage]] = []
        self.attempts = 0
        self._failures = failures

    async def send(self, message: EmailMessage, *, message_id: UUID) -> None:
        self.attempts += 1
        if self.attempts <= self._failures:
            raise ConnectionError("mail transport unavailable")
        self.sent.append((message_id, message))


class InMemoryLoginAttemptLimiter:
    """The Redis limiter's rules on a settable clock: counters forgotten `window` after the last failure."""

    def __init__(
        self,
        now: datetime,
        account: LockoutPolicy,
        ip: LockoutPolicy,
        window: timedelta = timedelta(days=1),
    ) -> None:
        self.now = now
        self._policies = {"account": account, "ip": ip}
        self._window = window
        self._failures: dict[tuple[str, str], tuple[int, datetime]] = {}
        self._locked_until: dict[tuple[str, str], datetime] = {}

    def _keys(self, account: str, ip: str | None) -> list[tuple[str, str]]:
        return [("account", account)] + ([("ip", ip)] if ip else [])

    async def retry_after(self, account: str, ip: str | None) -> int:
        remaining = [
            (until - self.now).total_seconds()
            for key in self._keys(account, ip)
            if (until := self._locked_until.get(key)) is not None
        ]
        return max((math.ceil(s) for s in remaining if s > 0), default=0)

    async def record_failure(self, account: str, ip: str | None) -> int:
        lockout = 0.0
        for key in self._keys(account, ip):
            count, last = self._failures.get(key, (0, self.now))
            count = 1 if self.now - last >= self._window else count + 1
            self._failures[key] = (count, self.now)
            seconds = self._policies[key[0]].lockout_after(count)
            if seconds > 0:
                self._locked_until[key] = self.now + timedelta(seconds=seconds)
                lockout = max(lockout, seconds)
        return math.ceil(lockout)

    async def record_success(self, account: str) -> None:
        self._failures.pop(("account", account), None)
        self._locked_until.pop(("account", account), None)
