"""The auth unit of work: users, sessions, mailed tokens and the mail outbox, plus the shared outbox/inbox."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from nocturna_platform.db.unit_of_work import SqlUnitOfWork
from nocturna_platform.ids import uuid7
from nocturna_platform.messaging.tables import MessagingTables
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nocturna_auth.infrastructure.api_key_repository import SqlApiKeyRepository
from nocturna_auth.infrastructure.email_outbox import SqlOutgoingEmails
from nocturna_auth.infrastructure.external_identity_repository import SqlExternalIdentityRepository
from nocturna_auth.infrastructure.one_time_token_repository import SqlOneTimeTokenRepository
from nocturna_auth.infrastructure.refresh_token_repository import SqlRefreshTokenRepository
from nocturna_auth.infrastructure.repositories import SqlSessionRepository, SqlUserRepository
from nocturna_auth.infrastructure.service_client_repository import SqlServiceClientRepository


class SqlAuthUnitOfWork(SqlUnitOfWork):
    users: SqlUserRepository
    sessions: SqlSessionRepository
    api_keys: SqlApiKeyRepository
    refresh_tokens: SqlRefreshTokenRepository
    service_clients: SqlServiceClientRepository
    one_time_tokens: SqlOneTimeTokenRepository
    outgoing_emails: SqlOutgoingEmails
    external_identities: SqlExternalIdentityRepository

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        tables: MessagingTables,
        clock: Callable[[], datetime],
        *,
        mail_queued: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(session_factory, tables, clock)
        self._mail_queued = mail_queued

    def _on_begin(self) -> None:
        self.users = SqlUserRepository(self.session)
        self.sessions = SqlSessionRepository(self.session, self._clock)
        self.api_keys = SqlApiKeyRepository(self.session)
        self.refresh_tokens = SqlRefreshTokenRepository(self.session)
        self.service_clients = SqlServiceClientRepository(self.session)
        self.one_time_tokens = SqlOneTimeTokenRepository(self.session)
        self.outgoing_emails = SqlOutgoingEmails(self.session, self._clock, uuid7)
        self.external_identities = SqlExternalIdentityRepository(self.session)

    async def commit(self) -> None:
        await super().commit()
        if self.outgoing_emails.queued and self._mail_queued is not None:
            self._mail_queued()
