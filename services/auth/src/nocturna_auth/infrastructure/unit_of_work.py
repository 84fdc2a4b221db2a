"""The auth unit of work: users and sessions plus the shared outbox/inbox."""

from __future__ import annotations

from nocturna_platform.db.unit_of_work import SqlUnitOfWork

from nocturna_auth.infrastructure.api_key_repository import SqlApiKeyRepository
from nocturna_auth.infrastructure.refresh_token_repository import SqlRefreshTokenRepository
from nocturna_auth.infrastructure.repositories import SqlSessionRepository, SqlUserRepository
from nocturna_auth.infrastructure.service_client_repository import SqlServiceClientRepository


class SqlAuthUnitOfWork(SqlUnitOfWork):
    users: SqlUserRepository
    sessions: SqlSessionRepository
    api_keys: SqlApiKeyRepository
    refresh_tokens: SqlRefreshTokenRepository
    service_clients: SqlServiceClientRepository

    def _on_begin(self) -> None:
        self.users = SqlUserRepository(self.session)
        self.sessions = SqlSessionRepository(self.session, self._clock)
        self.api_keys = SqlApiKeyRepository(self.session)
        self.refresh_tokens = SqlRefreshTokenRepository(self.session)
        self.service_clients = SqlServiceClientRepository(self.session)
