"""What the auth use cases need from a unit of work."""

from __future__ import annotations

from typing import Protocol, Self

from nocturna_contracts.event import Event

from nocturna_auth.domain.emails import OutgoingEmails
from nocturna_auth.domain.ports import (
    ApiKeyRepository,
    ExternalIdentityRepository,
    OneTimeTokenRepository,
    RefreshTokenRepository,
    ServiceClientRepository,
    SessionRepository,
    UserRepository,
)


class AuthUnitOfWork(Protocol):
    @property
    def users(self) -> UserRepository: ...

    @property
    def sessions(self) -> SessionRepository: ...

    @property
    def api_keys(self) -> ApiKeyRepository: ...

    @property
    def refresh_tokens(self) -> RefreshTokenRepository: ...

    @property
    def service_clients(self) -> ServiceClientRepository: ...

    @property
    def one_time_tokens(self) -> OneTimeTokenRepository: ...

    @property
    def outgoing_emails(self) -> OutgoingEmails: ...

    @property
    def external_identities(self) -> ExternalIdentityRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *args: object) -> None: ...

    def publish(self, event: Event) -> None: ...

    async def commit(self) -> None: ...
