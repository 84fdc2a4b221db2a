"""The auth unit of work: users and sessions plus the shared outbox/inbox."""

from __future__ import annotations

from nocturna_platform.db.unit_of_work import SqlUnitOfWork

from nocturna_auth.infrastructure.api_key_repository import SqlApiKeyRepository
from nocturna_auth.infrastructure.repositories import SqlSessionRepository, SqlUserRepository


class SqlAuthUnitOfWork(SqlUnitOfWork):
    users: SqlUserRepository
    sessions: SqlSessionRepository
    api_keys: SqlApiKeyRepository

    def _on_begin(self) -> None:
        self.users = SqlUserRepository(self.session)
        self.sessions = SqlSessionRepository(self.session, self._clock)
        self.api_keys = SqlApiKeyRepository(self.session)
