"""Use case: register a service client for the client-credentials grant; its secret is shown once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from nocturna_auth.application.session_tokens import new_secret
from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.scopes import parse_scopes
from nocturna_auth.domain.service_clients import ServiceClient
from nocturna_auth.domain.users import PasswordHasher


@dataclass(frozen=True)
class CreateServiceClient:
    name: str
    scopes: str = ""


@dataclass(frozen=True)
class CreatedServiceClient:
    client: ServiceClient
    secret: str
    """The only time the secret exists outside its hash: hand it to the client now."""


class CreateServiceClientHandler:
    """Stores a new client with a 256-bit random secret, hashed like a password."""

    def __init__(
        self,
        uow: Callable[[], AuthUnitOfWork],
        hasher: PasswordHasher,
        clock: Callable[[], datetime],
        new_id: Callable[[], UUID],
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self._new_id = new_id

    async def __call__(self, command: CreateServiceClient) -> CreatedServiceClient:
        secret = new_secret()
        client = ServiceClient.register(
            client_id=self._new_id(),
            name=command.name,
            secret=secret,
            scopes=parse_scopes(command.scopes),
            hasher=self._hasher,
            now=self._clock(),
        )
        async with self._uow() as uow:
            await uow.service_clients.add(client)
            await uow.commit()
        return CreatedServiceClient(client, secret)
