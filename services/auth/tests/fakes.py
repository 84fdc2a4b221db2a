"""In-memory adapters for the auth use cases: same behaviour as the SQL ones, no database."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from uuid import UUID

from nocturna_auth.application.openid_providers import OidcLoginFlow
from nocturna_auth.application.session_tokens import IssuedTokens
from nocturna_auth.domain.api_keys import ApiKey
from nocturna_auth.domain.emails import EmailKind, EmailMessage
from nocturna_auth.domain.external_identities import ExternalIdentity, ExternalIdentityLink, IdentityRejected
from nocturna_auth.domain.lockout import LockoutPolicy
from nocturna_auth.domain.one_time_tokens import OneTimeToken, TokenPurpose
from nocturna_auth.domain.refresh_tokens import RefreshToken
from nocturna_auth.domain.service_clients import ServiceClient
from nocturna_auth.domain.sessions import Session
from nocturna_auth.domain.users import EmailAlreadyRegistered, User
from nocturna_contracts.event import Event
from nocturna_platform.testing.fakes import InMemoryMessaging, InMemoryUnitOfWork


class FakePasswordHasher:
    """Reversible on purpose (tests only); `version` changes play the role of new argon2 parameters."""

    def __init__(self, version: int = 1) -> None:
        self.version = version

    async def hash(self, password: str) -> str:
        return self.hashed(password)

    def hashed(self, password: str) -> str:  # what `hash` answers, for a stored user built directly
        return f"v{self.version}${password}"

    async def verify(self, password_hash: str, password: str) -> bool:
        return password_hash.split("$", 1)[1] == password

    def needs_rehash(self, password_hash: str) -> bool:
        return not password_hash.startswith(f"v{self.version}$")


class InMemoryUserRepository:
    def __init__(self, users: dict[UUID, User], on_delete: Callable[[UUID], None] = lambda _: None) -> None:
        self._users = users
        self._on_delete = on_delete

    async def add(self, user: User) -> None:
        if any(other.email == user.email for other in self._users.values()):
            raise EmailAlreadyRegistered("the email is taken")
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


class InMemoryAuthUnitOfWork(InMemoryUnitOfWork):
    """Works on a copy of the store; `commit` makes the copy the store and records the published events."""

    def __init__(self, store: InMemoryAuthStore) -> None:
        super().__init__(store.messaging)
        self._store = store

    def _begin(self) -> None:
        self._users = copy.deepcopy(self._store.users)
        self._sessions = copy.deepcopy(self._store.sessions)
        self._api_keys = copy.deepcopy(self._store.api_keys)
        self._refresh_tokens = copy.deepcopy(self._store.refresh_tokens)
        self._service_clients = copy.deepcopy(self._store.service_clients)
        self.users = InMemoryUserRepository(self._users, self._cascade)
        self.sessions = InMemorySessionRepository(self._sessions, self._store.now)
        self.api_keys = InMemoryApiKeyRepository(self._api_keys)
        self.refresh_tokens = InMemoryRefreshTokenRepository(self._refresh_tokens)
        self.service_clients = InMemoryServiceClientRepository(self._service_clients)
        self._tokens = copy.deepcopy(self._store.tokens)
        self._emails = list(self._store.emails)
        self.one_time_tokens = InMemoryOneTimeTokenRepository(self._tokens)
        self.outgoing_emails = InMemoryOutgoingEmails(self._emails, self._store.now)
        self._identities = copy.deepcopy(self._store.identities)
        self.external_identities = InMemoryExternalIdentityRepository(self._identities)

    def _apply(self) -> None:
        self._store.identities = self._identities
        self._store.users, self._store.sessions = self._users, self._sessions
        self._store.api_keys = self._api_keys
        self._store.refresh_tokens, self._store.service_clients = self._refresh_tokens, self._service_clients
        self._store.tokens, self._store.emails = self._tokens, self._emails

    def _cascade(self, user_id: UUID) -> None:
        for key in [key for key, link in self._identities.items() if link.user_id == user_id]:
            del self._identities[key]
        rows: list[dict[UUID, Session] | dict[UUID, ApiKey]] = [self._sessions, self._api_keys]
        for table in rows:
            for row_id in [row_id for row_id, row in table.items() if row.user_id == user_id]:
                del table[row_id]


class InMemoryExternalIdentityRepository:
    def __init__(self, links: dict[tuple[str, str], ExternalIdentityLink]) -> None:
        self._links = links

    async def get(self, provider: str, subject: str) -> ExternalIdentityLink | None:
        link = self._links.get((provider, subject))
        return copy.deepcopy(link) if link else None

    async def add(self, link: ExternalIdentityLink) -> bool:
        if (link.provider, link.subject) in self._links:
            return False  # the primary key of the real table
        self._links[(link.provider, link.subject)] = copy.deepcopy(link)
        return True

    async def save(self, link: ExternalIdentityLink) -> None:
        if (link.provider, link.subject) in self._links:
            self._links[(link.provider, link.subject)] = copy.deepcopy(link)


class InMemoryAuthStore:
    """What the fake unit of work commits to; call it to get a fresh unit of work."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.users: dict[UUID, User] = {}
        self.sessions: dict[UUID, Session] = {}
        self.api_keys: dict[UUID, ApiKey] = {}
        self.refresh_tokens: dict[bytes, RefreshToken] = {}
        self.service_clients: dict[UUID, ServiceClient] = {}
        self.tokens: dict[UUID, OneTimeToken] = {}
        self.emails: list[tuple[datetime, EmailMessage]] = []
        self.identities: dict[tuple[str, str], ExternalIdentityLink] = {}
        self.messaging = InMemoryMessaging()

    @property
    def published(self) -> list[Event]:
        """Events of committed units of work, in order."""
        return self.messaging.published

    def clock(self) -> datetime:
        """The store's `now`, as the handlers' clock: tests move time by setting `now`."""
        return self.now

    @property
    def mails(self) -> list[EmailMessage]:
        """The committed mail outbox, oldest first."""
        return [message for _, message in self.emails]

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

    async def issue_for_api_key(self, user_id: UUID, *, scopes: frozenset[str]) -> IssuedTokens:
        self.issued.append((user_id, None, scopes))
        return IssuedTokens(
            access_token=f"token-{len(self.issued)}-for-api-key-of-{user_id}",
            expires_in=900,
            scope=" ".join(sorted(scopes)),
        )


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


class InMemoryOidcLoginFlows:
    """Started OpenID logins on a settable clock; each taken once."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._flows: dict[str, tuple[OidcLoginFlow, datetime]] = {}

    async def put(self, state: str, flow: OidcLoginFlow, ttl: timedelta) -> None:
        self._flows[state] = (flow, self.now + ttl)

    async def take(self, state: str) -> OidcLoginFlow | None:
        found = self._flows.pop(state, None)
        if found is None or found[1] <= self.now:
            return None
        return found[0]


class FakeOpenIdProviders:
    """Providers by name; `identify` answers the identity the test chose for a code (after checking the
    verifier and nonce the start handed out), like a provider whose ID token verified."""

    def __init__(self, *names: str) -> None:
        self._names = set(names)
        self.started: dict[str, tuple[str, str]] = {}
        """state → (nonce, code_verifier) of each authorization URL handed out."""
        self.identities: dict[str, ExternalIdentity] = {}

    def knows(self, provider: str) -> bool:
        return provider in self._names

    async def authorization_url(self, provider: str, *, state: str, nonce: str, code_verifier: str) -> str:
        self.started[state] = (nonce, code_verifier)
        return f"https://{provider}.example/authorize?state={state}"

    async def identify(self, provider: str, *, code: str, code_verifier: str, nonce: str) -> ExternalIdentity:
        identity = self.identities.get(code)
        if identity is None or (nonce, code_verifier) not in self.started.values():
            raise IdentityRejected("the provider refused the authorization code")
        return identity
