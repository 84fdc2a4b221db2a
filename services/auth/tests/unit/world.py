"""The auth use cases wired to in-memory fakes and a clock the tests move (`store.now`)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from uuid import UUID

from nocturna_auth.application.confirm_principal import ConfirmPrincipalHandler
from nocturna_auth.application.create_service_client import CreateServiceClientHandler
from nocturna_auth.application.issue_service_token import ClientCredentialsGrantHandler
from nocturna_auth.application.issue_tokens import PasswordGrant, PasswordGrantHandler
from nocturna_auth.application.list_sessions import ListSessionsHandler
from nocturna_auth.application.log_out import LogOutHandler
from nocturna_auth.application.refresh_session import RefreshTokenGrantHandler
from nocturna_auth.application.register_user import RegisterUser, RegisterUserHandler
from nocturna_auth.application.revoke_other_sessions import RevokeOtherSessionsHandler
from nocturna_auth.application.revoke_session import RevokeSessionHandler
from nocturna_auth.application.session_tokens import IssuedTokens, SessionTokenIssuer
from nocturna_auth.domain.users import User
from nocturna_auth.infrastructure.refresh_token_secrets import Sha256AesGcmRefreshTokenSecrets

from services.auth.tests.fakes import FakeAccessTokenIssuer, FakePasswordHasher, InMemoryAuthStore
from services.auth.tests.unit.builders import POLICY, mailer

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"
SESSION_LIFETIME = timedelta(days=30)
REFRESH_TOKEN_TTL = timedelta(days=14)
GRACE = timedelta(seconds=10)
ACCESS_TOKEN_TTL = timedelta(minutes=15)


class AuthWorld:
    def __init__(self) -> None:
        self.store = InMemoryAuthStore(NOW)
        self.hasher = FakePasswordHasher()
        self.issuer = FakeAccessTokenIssuer()
        self.secrets = Sha256AesGcmRefreshTokenSecrets()
        ids = itertools.count(1)
        clock, store = self.store.clock, self.store

        def new_id() -> UUID:
            return UUID(int=next(ids))

        tokens = SessionTokenIssuer(
            self.issuer,
            self.secrets,
            clock,
            new_id,
            session_lifetime=SESSION_LIFETIME,
            refresh_token_ttl=REFRESH_TOKEN_TTL,
        )
        self.register_user = RegisterUserHandler(store, self.hasher, POLICY, mailer(), clock, new_id)
        self.password_grant = PasswordGrantHandler(store, self.hasher, tokens)
        self.refresh_token_grant = RefreshTokenGrantHandler(
            store, tokens, self.secrets, clock, reuse_grace=GRACE, access_token_ttl=ACCESS_TOKEN_TTL
        )
        self.client_credentials_grant = ClientCredentialsGrantHandler(store, self.hasher, self.issuer)
        self.create_service_client = CreateServiceClientHandler(store, self.hasher, clock, new_id)
        self.list_sessions = ListSessionsHandler(store)
        self.revoke_session = RevokeSessionHandler(store, clock, ACCESS_TOKEN_TTL)
        self.revoke_other_sessions = RevokeOtherSessionsHandler(store, clock, ACCESS_TOKEN_TTL)
        self.log_out = LogOutHandler(store, self.secrets, clock, ACCESS_TOKEN_TTL)
        self.confirm_principal = ConfirmPrincipalHandler(store, clock)

    def advance(self, delta: timedelta) -> None:
        self.store.now += delta

    async def user(self, email: str = "ada@example.com") -> User:
        return await self.register_user(RegisterUser(email, PASSWORD))

    async def sign_in(
        self, email: str = "ada@example.com", *, scope: str = "", **client: str
    ) -> IssuedTokens:
        return await self.password_grant(PasswordGrant(email, PASSWORD, scope, **client))

    def session_of(self, issued: IssuedTokens) -> UUID:
        """The session a pair belongs to, found through the stored digest of its refresh token."""
        assert issued.refresh_token is not None
        return self.store.refresh_tokens[self.secrets.digest(issued.refresh_token)].session_id
